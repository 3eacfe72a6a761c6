/**
 * The HTTP provider clients against the fake provider: what they send, how each provider's usage
 * convention becomes semconv usage (and so the catalog price, computed here by hand from the
 * published per-MTok prices), streaming with TTFT, and every failure mapped to its ProviderError.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPricing, type PriceCatalog, type TokenUsage } from '@agentmeter/pricing';
import { anthropicProvider } from '../src/providers/anthropic.js';
import { errorKind, retryAfterMs } from '../src/providers/errors.js';
import { providerFromBaseURL } from '../src/providers/hosts.js';
import { openAIProvider } from '../src/providers/openai.js';
import { ProviderError, type ChatRequest, type ProviderClient } from '../src/types.js';
import { fakeErrors, startFakeProvider, type FakeProvider } from '@agentmeter/test-kit';

let fake: FakeProvider;
let catalog: PriceCatalog;

beforeAll(async () => {
  [fake, catalog] = await Promise.all([startFakeProvider({ apiKey: 'test-key' }), loadPricing()]);
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const messages: ChatRequest['messages'] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
];

/** micro-USD (tokens × USD per million tokens) → integer nano-USD, as the catalog reports it. */
const nanos = (microUsd: number): number => Math.round(microUsd * 1000);

function priceOf(provider: string, model: string, usage: TokenUsage): number {
  const result = catalog.priceCall({ provider, model, timestamp: Date.now(), usage });
  if (!result.priced) throw new Error(`unpriced: ${result.reason} ${result.detail}`);
  return result.costNanos;
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

const openai = (): ProviderClient =>
  openAIProvider({ baseURL: fake.openaiBaseURL, apiKey: 'test-key' });
const anthropic = (): ProviderClient =>
  anthropicProvider({ baseURL: fake.anthropicBaseURL, apiKey: 'test-key' });

describe('openAIProvider', () => {
  it('sends an OpenAI request and maps the completion', async () => {
    fake.enqueue({
      kind: 'reply',
      text: 'Hello!',
      model: 'gpt-4o-2024-08-06',
      openaiUsage: {
        prompt_tokens: 12_345,
        completion_tokens: 678,
        total_tokens: 13_023,
        prompt_tokens_details: { cached_tokens: 2_000, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
    const res = await openai().complete({
      model: 'gpt-4o',
      messages,
      maxTokens: 50,
      temperature: 0.2,
    });

    const [req] = fake.requests;
    expect(req?.headers['authorization']).toBe('Bearer test-key');
    expect(req?.body).toEqual({
      model: 'gpt-4o',
      messages,
      max_completion_tokens: 50,
      temperature: 0.2,
    });
    expect(res).toMatchObject({
      text: 'Hello!',
      model: 'gpt-4o-2024-08-06',
      finishReasons: ['stop'],
      responseId: expect.stringMatching(/^chatcmpl-fake-/),
    });
    expect(res.timeToFirstTokenMs).toBeUndefined();
    // OpenAI's prompt_tokens already include cached_tokens: nothing is added.
    expect(res.usage).toMatchObject({
      inputTokens: 12_345,
      cacheReadTokens: 2_000,
      outputTokens: 678,
    });
    // gpt-4o: $2.50 input, $1.25 cached input, $10 output per MTok.
    expect(priceOf('openai', res.model, res.usage)).toBe(
      nanos(10_345 * 2.5 + 2_000 * 1.25 + 678 * 10),
    );
  });

  it('keeps reasoning tokens inside the output (o-series), priced as output', async () => {
    fake.enqueue({
      kind: 'reply',
      openaiUsage: {
        prompt_tokens: 1_000,
        completion_tokens: 3_000,
        total_tokens: 4_000,
        completion_tokens_details: { reasoning_tokens: 2_500 },
      },
    });
    const res = await openai().complete({ model: 'o4-mini', messages });
    expect(res.usage).toMatchObject({
      inputTokens: 1_000,
      outputTokens: 3_000,
      reasoningTokens: 2_500,
    });
    // o4-mini: $1.10 input, $4.40 output.
    expect(priceOf('openai', 'o4-mini', res.usage)).toBe(nanos(1_000 * 1.1 + 3_000 * 4.4));
  });

  it('streams: text, finish reason, usage from the include_usage chunk, TTFT', async () => {
    fake.enqueue({
      kind: 'reply',
      chunks: ['Hel', 'lo', ' there'],
      ttftMs: 60,
      chunkDelayMs: 5,
      openaiUsage: {
        prompt_tokens: 500,
        completion_tokens: 3,
        total_tokens: 503,
        prompt_tokens_details: { cached_tokens: 128 },
      },
    });
    const started = performance.now();
    const res = await openai().complete({ model: 'gpt-4o', messages, stream: true });
    const elapsed = performance.now() - started;

    expect(fake.requests[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.text).toBe('Hello there');
    expect(res.finishReasons).toEqual(['stop']);
    expect(res.usage).toMatchObject({ inputTokens: 500, cacheReadTokens: 128, outputTokens: 3 });
    expect(res.timeToFirstTokenMs).toBeGreaterThanOrEqual(55);
    expect(res.timeToFirstTokenMs).toBeLessThan(elapsed);
  });

  it('covers OpenAI-compatible hosts by name: base URL defaults, max_tokens, own prices', async () => {
    expect(openAIProvider({ name: 'groq' }).baseURL).toBe('https://api.groq.com/openai/v1');
    expect(openAIProvider({ name: 'x_ai' }).baseURL).toBe('https://api.x.ai/v1');
    expect(() => openAIProvider({ name: 'my-gateway' })).toThrow(TypeError);
    expect(providerFromBaseURL('https://api.deepseek.com/v1')).toBe('deepseek');
    expect(providerFromBaseURL('https://my-res.openai.azure.com/openai')).toBe('azure.ai.openai');

    const deepseek = openAIProvider({
      name: 'deepseek',
      baseURL: fake.openaiBaseURL,
      apiKey: 'test-key',
    });
    expect(deepseek.name).toBe('deepseek');
    // DeepSeek: cache hits in its own field, inside prompt_tokens.
    fake.enqueue({
      kind: 'reply',
      openaiUsage: {
        prompt_tokens: 10_000,
        completion_tokens: 1_000,
        total_tokens: 11_000,
        prompt_cache_hit_tokens: 8_000,
        prompt_cache_miss_tokens: 2_000,
      },
    });
    const res = await deepseek.complete({ model: 'deepseek-chat', messages, maxTokens: 9 });
    expect(fake.requests[0]?.body['max_tokens']).toBe(9);
    expect(fake.requests[0]?.body['max_completion_tokens']).toBeUndefined();
    expect(res.usage).toMatchObject({
      inputTokens: 10_000,
      cacheReadTokens: 8_000,
      outputTokens: 1_000,
    });
    // deepseek-chat: $0.28 input, $0.028 cache hit, $0.42 output.
    expect(priceOf('deepseek', 'deepseek-chat', res.usage)).toBe(
      nanos(2_000 * 0.28 + 8_000 * 0.028 + 1_000 * 0.42),
    );
  });

  it('adds reasoning to the output for hosts that count it beside completion_tokens (xAI)', async () => {
    const xai = openAIProvider({ name: 'x_ai', baseURL: fake.openaiBaseURL, apiKey: 'test-key' });
    fake.enqueue({
      kind: 'reply',
      openaiUsage: {
        prompt_tokens: 200,
        completion_tokens: 50,
        total_tokens: 1_250,
        completion_tokens_details: { reasoning_tokens: 1_000 },
      },
    });
    const res = await xai.complete({ model: 'grok-3-mini', messages });
    expect(res.usage).toMatchObject({
      inputTokens: 200,
      outputTokens: 1_050,
      reasoningTokens: 1_000,
    });
    // grok-3-mini: $0.30 input, $0.50 output (reasoning billed as output).
    expect(priceOf('x_ai', 'grok-3-mini', res.usage)).toBe(nanos(200 * 0.3 + 1_050 * 0.5));
  });
});

describe('anthropicProvider', () => {
  it('sends a Messages request: system apart, max_tokens always, version header', async () => {
    fake.enqueue({ kind: 'reply', text: 'Hi!' });
    const res = await anthropic().complete({
      model: 'claude-sonnet-4-5',
      messages,
      temperature: 0,
    });
    const [req] = fake.requests;
    expect(req?.path).toBe('/v1/messages');
    expect(req?.headers['x-api-key']).toBe('test-key');
    expect(req?.headers['anthropic-version']).toBe('2023-06-01');
    expect(req?.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0,
    });
    expect(res).toMatchObject({
      text: 'Hi!',
      finishReasons: ['end_turn'],
      responseId: expect.stringMatching(/^msg_fake_/),
    });
  });

  it('adds cache reads and both cache-write TTLs to the input (Anthropic reports them beside it)', async () => {
    fake.enqueue({
      kind: 'reply',
      model: 'claude-sonnet-4-5-20250929',
      anthropicUsage: {
        input_tokens: 1_000,
        cache_read_input_tokens: 50_000,
        cache_creation_input_tokens: 10_000,
        cache_creation: { ephemeral_5m_input_tokens: 4_000, ephemeral_1h_input_tokens: 6_000 },
        output_tokens: 2_000,
      },
    });
    const res = await anthropic().complete({ model: 'claude-sonnet-4-5', messages });
    expect(res.usage).toMatchObject({
      inputTokens: 61_000,
      cacheReadTokens: 50_000,
      cacheWriteTokens: 10_000,
      cacheWrite1hTokens: 6_000,
      outputTokens: 2_000,
    });
    // claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 5-minute write, $6 one-hour write, $15 output.
    expect(priceOf('anthropic', res.model, res.usage)).toBe(
      nanos(1_000 * 3 + 50_000 * 0.3 + 4_000 * 3.75 + 6_000 * 6 + 2_000 * 15),
    );
  });

  it('streams: usage from message_start merged with message_delta, TTFT', async () => {
    fake.enqueue({
      kind: 'reply',
      chunks: ['Bon', 'jour'],
      ttftMs: 60,
      anthropicUsage: {
        input_tokens: 20,
        cache_read_input_tokens: 3_000,
        cache_creation_input_tokens: 0,
        output_tokens: 40,
      },
    });
    const res = await anthropic().complete({ model: 'claude-sonnet-4-5', messages, stream: true });
    expect(fake.requests[0]?.body['stream']).toBe(true);
    expect(res.text).toBe('Bonjour');
    expect(res.finishReasons).toEqual(['end_turn']);
    // The fake sends output_tokens: 1 in message_start and the final 40 in message_delta.
    expect(res.usage).toMatchObject({
      inputTokens: 3_020,
      cacheReadTokens: 3_000,
      outputTokens: 40,
    });
    expect(res.timeToFirstTokenMs).toBeGreaterThanOrEqual(55);
  });

  it('takes the input counts message_delta repeats (newer API versions) over message_start’s', async () => {
    fake.enqueue({
      kind: 'reply',
      anthropicUsage: { input_tokens: 20, cache_read_input_tokens: null, output_tokens: 5 },
      anthropicDeltaUsage: { input_tokens: 25, cache_read_input_tokens: 100 },
    });
    const res = await anthropic().complete({ model: 'claude-sonnet-4-5', messages, stream: true });
    expect(res.usage).toMatchObject({ inputTokens: 125, cacheReadTokens: 100, outputTokens: 5 });
  });

  it('refuses tool messages, which need a tool_use id ChatMessage lacks', async () => {
    const error = await failure(
      anthropic().complete({ model: 'm', messages: [{ role: 'tool', content: '42' }] }),
    );
    expect(error.kind).toBe('validation');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('errors', () => {
  const dialects: [name: string, client: () => ProviderClient, provider: string][] = [
    ['openai', openai, 'openai'],
    ['anthropic', anthropic, 'anthropic'],
  ];

  describe.each(dialects)('%s', (_name, client, provider) => {
    it.each([
      [
        'rate limit',
        fakeErrors.rateLimited(),
        'rate_limit',
        429,
        ['rate_limit_exceeded', 'rate_limit_error'],
      ],
      [
        'overloaded (529)',
        fakeErrors.overloaded(),
        'rate_limit',
        529,
        ['server_error', 'overloaded_error'],
      ],
      ['server error', fakeErrors.server(), 'server', 500, ['server_error', 'api_error']],
      [
        'context window',
        fakeErrors.contextWindow(),
        'context_window',
        400,
        ['context_length_exceeded', 'invalid_request_error'],
      ],
      [
        'content policy',
        fakeErrors.contentPolicy(),
        'content_policy',
        400,
        ['content_policy_violation', 'invalid_request_error'],
      ],
      ['auth', fakeErrors.auth(), 'auth', 401, ['invalid_api_key', 'authentication_error']],
      [
        'not found',
        fakeErrors.notFound(),
        'not_found',
        404,
        ['model_not_found', 'not_found_error'],
      ],
    ] as const)('%s', async (_case, step, kind, status, types) => {
      fake.enqueue(step);
      const error = await failure(client().complete({ model: 'm', messages }));
      expect(error.kind).toBe(kind);
      expect(error.options).toMatchObject({ provider, status });
      expect(error.options.errorType).toBe(provider === 'openai' ? types[0] : types[1]);
    });

    it('a wrong key is the provider’s 401', async () => {
      const bad =
        provider === 'openai'
          ? openAIProvider({ baseURL: fake.openaiBaseURL, apiKey: 'wrong' })
          : anthropicProvider({ baseURL: fake.anthropicBaseURL, apiKey: 'wrong' });
      expect((await failure(bad.complete({ model: 'm', messages }))).kind).toBe('auth');
    });

    it('carries Retry-After (seconds) and retry-after-ms (which wins)', async () => {
      fake.enqueue(fakeErrors.rateLimited({ retryAfterSeconds: 7 }));
      expect(
        (await failure(client().complete({ model: 'm', messages }))).options.retryAfterMs,
      ).toBe(7_000);
      fake.enqueue(fakeErrors.rateLimited({ retryAfterSeconds: 7, retryAfterMs: 1234.5 }));
      expect(
        (await failure(client().complete({ model: 'm', messages }))).options.retryAfterMs,
      ).toBe(1_235);
    });

    it('times out on a provider that never answers', async () => {
      fake.enqueue({ kind: 'hang' });
      const slow =
        provider === 'openai'
          ? openAIProvider({ baseURL: fake.openaiBaseURL, apiKey: 'test-key', timeoutMs: 100 })
          : anthropicProvider({
              baseURL: fake.anthropicBaseURL,
              apiKey: 'test-key',
              timeoutMs: 100,
            });
      const error = await failure(slow.complete({ model: 'm', messages }));
      expect(error.kind).toBe('timeout');
      expect(error.options.errorType).toBe('timeout');
    });

    it('times out on a stream that stalls halfway', async () => {
      fake.enqueue({ kind: 'reply', chunks: ['a', 'b', 'c'], chunkDelayMs: 1_000 });
      const slow =
        provider === 'openai'
          ? openAIProvider({ baseURL: fake.openaiBaseURL, apiKey: 'test-key', timeoutMs: 150 })
          : anthropicProvider({
              baseURL: fake.anthropicBaseURL,
              apiKey: 'test-key',
              timeoutMs: 150,
            });
      expect((await failure(slow.complete({ model: 'm', messages, stream: true }))).kind).toBe(
        'timeout',
      );
    });

    it('a connection reset before the answer is a network error', async () => {
      fake.enqueue({ kind: 'reset' });
      const error = await failure(client().complete({ model: 'm', messages }));
      expect(error.kind).toBe('network');
      expect(error.options.status).toBeUndefined();
    });

    it('a connection reset in the middle of a stream is a network error', async () => {
      fake.enqueue({ kind: 'reply', chunks: ['a', 'b', 'c'], resetAfterChunks: 1, ttftMs: 1 });
      expect((await failure(client().complete({ model: 'm', messages, stream: true }))).kind).toBe(
        'network',
      );
    });

    it('a stream that ends cleanly before the answer does is a network error', async () => {
      fake.enqueue({ kind: 'reply', chunks: ['a', 'b', 'c'], endAfterChunks: 2 });
      const error = await failure(client().complete({ model: 'm', messages, stream: true }));
      expect(error.kind).toBe('network');
      expect(error.options.errorType).toBe('stream_incomplete');
    });

    it('an error event inside a 200 stream is mapped by its type', async () => {
      fake.enqueue({
        kind: 'reply',
        chunks: ['a', 'b'],
        streamError: { afterChunks: 1, error: fakeErrors.overloaded() },
      });
      const error = await failure(client().complete({ model: 'm', messages, stream: true }));
      expect(error.options.status).toBeUndefined();
      if (provider === 'anthropic') {
        expect(error.kind).toBe('rate_limit');
        expect(error.options.errorType).toBe('overloaded_error');
      } else {
        expect(error.kind).toBe('server');
        expect(error.options.errorType).toBe('server_error');
      }
    });

    it('the caller’s own abort is rethrown as it is, not as a provider failure', async () => {
      fake.enqueue({ kind: 'hang' });
      const controller = new AbortController();
      const call = client().complete({ model: 'm', messages, signal: controller.signal });
      setTimeout(() => controller.abort(), 30);
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).not.toBeInstanceOf(ProviderError);
      expect((error as Error).name).toBe('AbortError');
    });
  });

  it('a network failure with nothing listening', async () => {
    const closed = await startFakeProvider();
    const url = closed.openaiBaseURL;
    await closed.close();
    const error = await failure(
      openAIProvider({ baseURL: url }).complete({ model: 'm', messages }),
    );
    expect(error.kind).toBe('network');
    expect(error.options.errorType).toBe('ECONNREFUSED');
  });

  it('classifies provider wording from other hosts', () => {
    expect(
      errorKind(400, {
        message:
          "This model's maximum prompt length is 131072 but the request contains 140000 tokens.",
      }),
    ).toBe('context_window');
    expect(errorKind(400, { code: 'content_filter', message: 'The response was filtered' })).toBe(
      'content_policy',
    );
    expect(errorKind(429, { message: 'Please reduce the length of the messages' })).toBe(
      'rate_limit',
    );
    expect(errorKind(503, {})).toBe('server');
    expect(errorKind(504, {})).toBe('timeout');
    expect(errorKind(409, {})).toBe('server');
    expect(errorKind(422, {})).toBe('validation');
    expect(errorKind(undefined, { type: 'rate_limit_error' })).toBe('rate_limit');
  });

  it('reads Retry-After as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const headers = new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' });
    expect(retryAfterMs(headers, now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });
});
