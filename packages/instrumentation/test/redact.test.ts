/**
 * The secret redactor: one case per kind (the secret is gone, its marker is there, the text
 * around it is intact), prose and identifiers that look like secrets but are not, and inputs
 * built to make a backtracking regex go quadratic or worse.
 */
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/redact.js';

/** Builds fake tokens at test time, so this file carries no literal that looks like a live key. */
const alnum = (n: number, seed = 7): string => {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += chars[x % chars.length];
  }
  return out;
};
const upperAlnum = (n: number): string =>
  alnum(n * 3)
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, n);

const base64url = (value: object): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

describe('redactSecrets: each kind', () => {
  const cases: [kind: string, secret: string][] = [
    ['openai_api_key', `sk-${alnum(48)}`],
    ['openai_api_key', `sk-proj-${alnum(40)}_${alnum(30)}-${alnum(20)}`],
    ['openai_api_key', `sk-svcacct-${alnum(60)}`],
    ['anthropic_api_key', `sk-ant-api03-${alnum(93)}AA`],
    ['anthropic_api_key', `sk-ant-admin01-${alnum(80)}`],
    ['google_api_key', `AIza${alnum(35)}`],
    ['groq_api_key', `gsk_${alnum(52)}`],
    ['xai_api_key', `xai-${alnum(80)}`],
    ['huggingface_token', `hf_${alnum(34)}`],
    ['stripe_key', `sk_live_${alnum(99)}`],
    ['stripe_key', `rk_live_${alnum(24)}`],
    ['slack_token', `xoxb-1234567890-0987654321-${alnum(24)}`],
    ['slack_token', `xoxp-1234567890-${alnum(30)}`],
    ['github_token', `ghp_${alnum(36)}`],
    ['github_token', `gho_${alnum(36)}`],
    ['github_token', `ghu_${alnum(36)}`],
    ['github_token', `ghs_${alnum(36)}`],
    ['github_token', `ghr_${alnum(36)}`],
    ['github_token', `github_pat_${alnum(22)}_${alnum(59)}`],
    ['gitlab_token', `glpat-${alnum(20)}`],
    ['aws_access_key_id', `AKIA${upperAlnum(16)}`],
    ['aws_access_key_id', `ASIA${upperAlnum(16)}`],
    [
      'jwt',
      `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ sub: '1234567890', name: 'A' })}.${alnum(43)}`,
    ],
    ['email', 'jane.doe+agents@example.co.uk'],
    ['email', "o'brien_99@mail.internal.example.com"],
  ];

  it.each(cases)('%s: %s', (kind, secret) => {
    const text = `before ${secret} after`;
    const out = redactSecrets(text);
    expect(out).toBe(`before [REDACTED:${kind}] after`);
  });

  it('a secret touching punctuation, quotes and line ends', () => {
    const key = `sk-proj-${alnum(50)}`;
    expect(redactSecrets(`"OPENAI_API_KEY": "${key}",\n`)).toBe(
      `"OPENAI_API_KEY": "[REDACTED:openai_api_key]",\n`,
    );
    expect(redactSecrets(`export KEY=${key}`)).toBe('export KEY=[REDACTED:openai_api_key]');
  });

  it('an Anthropic key is not reported as an OpenAI key', () => {
    expect(redactSecrets(`sk-ant-api03-${alnum(95)}`)).toBe('[REDACTED:anthropic_api_key]');
  });

  it('PEM private key blocks, whole, in every common flavour', () => {
    for (const label of [
      'PRIVATE KEY',
      'RSA PRIVATE KEY',
      'EC PRIVATE KEY',
      'OPENSSH PRIVATE KEY',
      'ENCRYPTED PRIVATE KEY',
      'PGP PRIVATE KEY BLOCK',
    ]) {
      const body = Array.from({ length: 12 }, (_, i) => alnum(64, i + 1)).join('\n');
      const pem = `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
      expect(redactSecrets(`key:\n${pem}\nnext line`)).toBe(
        'key:\n[REDACTED:private_key]\nnext line',
      );
    }
  });

  it('a PEM block with headers, and one JSON-escaped on a single line', () => {
    const withHeaders =
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n' +
      `${alnum(64)}\n${alnum(40)}==\n-----END RSA PRIVATE KEY-----`;
    expect(redactSecrets(withHeaders)).toBe('[REDACTED:private_key]');
    const escaped = `{"key":"-----BEGIN PRIVATE KEY-----\\n${alnum(64)}\\n${alnum(64)}\\n-----END PRIVATE KEY-----\\n"}`;
    expect(redactSecrets(escaped)).toBe('{"key":"[REDACTED:private_key]\\n"}');
  });

  it('a truncated PEM block (no END line) loses its key material', () => {
    const out = redactSecrets(`-----BEGIN PRIVATE KEY-----\n${alnum(64)}\n${alnum(30)}`);
    expect(out).toBe('[REDACTED:private_key]');
  });

  it('an AWS secret access key in its usual contexts, keeping the name', () => {
    const secret = `${alnum(20)}/${alnum(14)}+${alnum(4)}`;
    expect(secret).toHaveLength(40);
    expect(redactSecrets(`AWS_SECRET_ACCESS_KEY=${secret}`)).toBe(
      'AWS_SECRET_ACCESS_KEY=[REDACTED:aws_secret_access_key]',
    );
    expect(redactSecrets(`aws_secret_access_key = ${secret}`)).toBe(
      'aws_secret_access_key = [REDACTED:aws_secret_access_key]',
    );
    expect(redactSecrets(`{"SecretAccessKey": "${secret}"}`)).toBe(
      '{"SecretAccessKey": "[REDACTED:aws_secret_access_key]"}',
    );
  });

  it('bearer tokens and basic credentials in headers, keeping the header', () => {
    const opaque = `${alnum(32)}.${alnum(16)}`;
    expect(redactSecrets(`Authorization: Bearer ${opaque}`)).toBe(
      'Authorization: Bearer [REDACTED:bearer_token]',
    );
    expect(redactSecrets(`curl -H 'authorization: bearer ${opaque}'`)).toBe(
      "curl -H 'authorization: bearer [REDACTED:bearer_token]'",
    );
    const basic = Buffer.from('admin:hunter2hunter2').toString('base64');
    expect(redactSecrets(`Authorization: Basic ${basic}`)).toBe(
      'Authorization: Basic [REDACTED:basic_auth]',
    );
  });

  it('a provider key inside a bearer header is reported as that key', () => {
    expect(redactSecrets(`Authorization: Bearer sk-proj-${alnum(48)}`)).toBe(
      'Authorization: Bearer [REDACTED:openai_api_key]',
    );
  });

  it('passwords in URLs, keeping scheme, user and host', () => {
    expect(redactSecrets('DATABASE_URL=postgres://app:s3cr3t-P4ss@db.internal:5432/prod')).toBe(
      'DATABASE_URL=postgres://app:[REDACTED:url_password]@db.internal:5432/prod',
    );
    expect(redactSecrets('git clone https://oauth2:tok3n@gitlab.example.com/g/r.git')).toBe(
      'git clone https://oauth2:[REDACTED:url_password]@gitlab.example.com/g/r.git',
    );
    expect(redactSecrets('redis://:only-a-password@cache:6379')).toBe(
      'redis://:[REDACTED:url_password]@cache:6379',
    );
  });

  it('several secrets of several kinds in one text', () => {
    const text = `key ${`ghp_${alnum(36)}`} mail ops@example.com id AKIA${upperAlnum(16)}`;
    expect(redactSecrets(text)).toBe(
      'key [REDACTED:github_token] mail [REDACTED:email] id [REDACTED:aws_access_key_id]',
    );
  });
});

describe('redactSecrets: what must survive', () => {
  it.each([
    ['prose', 'The risk-assessment task-list asks each skier to update their skills by Friday.'],
    ['a sha-256 hash', 'sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
    ['a git sha', 'commit 5862827a1b2c3d4e5f60718293a4b5c6d7e8f901 fixes it'],
    ['a UUID', 'trace 123e4567-e89b-12d3-a456-426614174000 and span 00f067aa0ba902b7'],
    ['a path and a version', 'see src/providers/openai.ts at v1.2.3 (node >=20.19)'],
    ['short sk- words', 'the sk-learn wrapper and the sk-1234 ticket'],
    ['a URL without credentials', 'https://api.openai.com/v1/chat/completions?x=1'],
    ['an @-mention and a decorator', 'ping @alice about @Component({ selector })'],
    ['base64 without JWT structure', 'data: SGVsbG8gd29ybGQsIHRoaXMgaXMgbm90IGEgc2VjcmV0Lg=='],
    ['the word bearer alone', 'the bearer of bad news arrived'],
    ['uppercase identifiers', 'AKIAFOO is not a key, nor is ASIA_PACIFIC_REGION'],
  ])('%s', (_name, text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it('an empty string', () => {
    expect(redactSecrets('')).toBe('');
  });
});

describe('redactSecrets: linear time on adversarial input', () => {
  const N = 200_000;
  // A backtracking blow-up on any of these takes seconds to hours; linear takes milliseconds.
  const adversarial: [name: string, text: string][] = [
    ['a long run of local-part characters without @', 'a.'.repeat(N)],
    ['many @ with long domains and no TLD', `${'x'.repeat(60)}@${'b-'.repeat(N / 2)}`],
    ['repeated email-like prefixes', 'a@b.'.repeat(N / 4)],
    ['many PEM headers and no END', '-----BEGIN PRIVATE KEY-----!'.repeat(N / 28)],
    ['PEM header then endless dashes', `-----BEGIN PRIVATE KEY-----${'-'.repeat(N)}`],
    ['a long token prefix run', 'sk-'.repeat(N / 3)],
    ['scheme-like text with no @', `http://${'u'.repeat(250)}:${'p'.repeat(N)}`],
    ['many schemes', 'a://b:'.repeat(N / 6)],
    ['bearer followed by a near-token', `bearer ${'A'.repeat(N)}!`],
    ['jwt-like segments', `eyJ${'a'.repeat(N / 2)}.eyJ${'b'.repeat(N / 2)}`],
    ['aws context with near-miss values', 'aws_secret_access_key='.repeat(N / 22)],
    ['whitespace and colons', ': \t'.repeat(N / 3)],
  ];

  // No timed assertion: a backtracking blow-up never finishes within the test's own timeout.
  it.each(adversarial)('%s', { timeout: 10_000 }, (_name, text) => {
    expect(redactSecrets(text).length).toBeGreaterThan(0);
  });

  it('redacts a long text exactly as it redacts its repeated unit', { timeout: 10_000 }, () => {
    const unit = `Some prose with a mail to ops@example.com and sk-proj-${alnum(40)} and a hash ${'f'.repeat(64)}. `;
    expect(redactSecrets(unit.repeat(16_000))).toBe(redactSecrets(unit).repeat(16_000));
  });
});
