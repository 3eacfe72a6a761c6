/**
 * Secret redaction for captured prompt and response content (seed 002's secret patterns, made
 * precise): every match becomes `[REDACTED:<kind>]`. Content is captured only when the user turns
 * capture on, and then always passes through here before it reaches a span.
 *
 * Linear time by construction, because JavaScript's regex engine backtracks:
 * - every rule starts with a literal prefix or is anchored by a lookbehind that refuses to start
 *   inside a run of the characters it consumes, so a failed start costs O(1) or a bounded scan;
 * - every open-ended repetition is either the last element of its rule (nothing after it can
 *   fail and force a retreat) or bounded ({1,64}, {0,20000}), and adjacent repetitions are
 *   separated by a character neither of them accepts, so no input can be split two ways.
 * The tests run each rule against long adversarial inputs to hold this.
 */

/** What a redaction says was there. */
export type SecretKind =
  | 'private_key'
  | 'anthropic_api_key'
  | 'openai_api_key'
  | 'google_api_key'
  | 'groq_api_key'
  | 'xai_api_key'
  | 'huggingface_token'
  | 'stripe_key'
  | 'slack_token'
  | 'github_token'
  | 'gitlab_token'
  | 'aws_access_key_id'
  | 'aws_secret_access_key'
  | 'jwt'
  | 'bearer_token'
  | 'basic_auth'
  | 'url_password'
  | 'email';

interface Rule {
  readonly kind: SecretKind;
  /** The secret itself. */
  readonly secret: string;
  /** Context kept in the output before the secret (a header name, a URL's user); not redacted. */
  readonly prefix?: string;
}

/** A token rule may not start inside a longer token: `task-…` is not an `sk-` key. */
const NOT_AFTER_TOKEN = '(?<![A-Za-z0-9_-])';

/**
 * Case-sensitive rules, most specific first: at one position the first rule that matches wins,
 * so `sk-ant-…` is an Anthropic key before it can be an OpenAI one.
 */
const EXACT_RULES: readonly Rule[] = [
  {
    kind: 'private_key',
    // A complete block, or (truncated, as in a log line) the header and the key material after it.
    secret:
      '-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----' +
      // The body stops at the next `-----` (PEM bodies have none), so a header without its END
      // costs a scan to the next dash run, not to the end of the input.
      '(?:(?:[^-]|-(?!----)){0,20000}-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\\s\\\\:,-]{0,20000})',
  },
  { kind: 'anthropic_api_key', secret: `${NOT_AFTER_TOKEN}sk-ant-[A-Za-z0-9_-]{20,}` },
  // `sk-…`, `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…` (and DeepSeek's `sk-<hex>`, same shape).
  { kind: 'openai_api_key', secret: `${NOT_AFTER_TOKEN}sk-[A-Za-z0-9_-]{20,}` },
  { kind: 'google_api_key', secret: `${NOT_AFTER_TOKEN}AIza[A-Za-z0-9_-]{35}` },
  { kind: 'groq_api_key', secret: `${NOT_AFTER_TOKEN}gsk_[A-Za-z0-9]{20,}` },
  { kind: 'xai_api_key', secret: `${NOT_AFTER_TOKEN}xai-[A-Za-z0-9]{20,}` },
  { kind: 'huggingface_token', secret: `${NOT_AFTER_TOKEN}hf_[A-Za-z0-9]{30,}` },
  { kind: 'stripe_key', secret: `${NOT_AFTER_TOKEN}[sr]k_(?:live|test)_[A-Za-z0-9]{16,}` },
  { kind: 'slack_token', secret: `${NOT_AFTER_TOKEN}xox[abpr]-[A-Za-z0-9-]{10,}` },
  {
    kind: 'github_token',
    secret: `${NOT_AFTER_TOKEN}(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})`,
  },
  { kind: 'gitlab_token', secret: `${NOT_AFTER_TOKEN}glpat-[A-Za-z0-9_-]{20,}` },
  { kind: 'aws_access_key_id', secret: '(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])' },
  // Header and payload are base64url JSON objects, so both start with `eyJ` (`{"`).
  {
    kind: 'jwt',
    secret: `${NOT_AFTER_TOKEN}eyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*`,
  },
  // `scheme://user:password@host`: the user stays, the password goes. Before `email`, which would
  // otherwise read `password@host` as an address.
  {
    kind: 'url_password',
    prefix: '(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\\s:/@]{0,256}:',
    secret: '[^\\s/@]{1,256}(?=@)',
  },
  {
    kind: 'email',
    secret:
      "(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]{1,64}@(?:[A-Za-z0-9-]{1,63}\\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])",
  },
];

/**
 * Rules whose context words are matched case-insensitively (`authorization: bearer`,
 * `AWS_SECRET_ACCESS_KEY`). They run after the exact rules, so a provider key inside a bearer
 * header is reported under its own kind: the redaction marker no longer looks like a token.
 */
const CONTEXT_RULES: readonly Rule[] = [
  {
    kind: 'aws_secret_access_key',
    // `AWS_SECRET_ACCESS_KEY=…`, `aws_secret_key: …`, STS JSON's `"SecretAccessKey": "…"`.
    prefix: `(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?\\s{0,8}[:=]\\s{0,8}["']?`,
    secret: '[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])',
  },
  { kind: 'bearer_token', prefix: '\\bbearer\\s{1,8}', secret: '[A-Za-z0-9._~+/-]{16,}=*' },
  {
    kind: 'basic_auth',
    prefix: 'authorization["\']?\\s{0,8}[:=]\\s{0,8}["\']?basic\\s{1,8}',
    secret: '[A-Za-z0-9+/]{8,}=*',
  },
];

interface CompiledPass {
  readonly pattern: RegExp;
  readonly rules: readonly Rule[];
}

/** One alternation per pass: group `p<i>` holds rule i's kept prefix, group `s<i>` its secret. */
function compile(rules: readonly Rule[], flags: string): CompiledPass {
  const source = rules
    .map((rule, i) => `${rule.prefix ? `(?<p${i}>${rule.prefix})` : ''}(?<s${i}>${rule.secret})`)
    .join('|');
  return { pattern: new RegExp(source, flags), rules };
}

const PASSES: readonly CompiledPass[] = [compile(EXACT_RULES, 'g'), compile(CONTEXT_RULES, 'gi')];

function redactPass(text: string, pass: CompiledPass): string {
  return text.replace(pass.pattern, (...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    for (let i = 0; i < pass.rules.length; i++) {
      if (groups[`s${i}`] !== undefined) {
        return `${groups[`p${i}`] ?? ''}[REDACTED:${(pass.rules[i] as Rule).kind}]`;
      }
    }
    return args[0] as string;
  });
}

/** Replaces every secret in `text` with `[REDACTED:<kind>]`; text without secrets is returned unchanged. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const pass of PASSES) out = redactPass(out, pass);
  return out;
}
