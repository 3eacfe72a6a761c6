/**
 * `instrumentAnthropic` on the real `@anthropic-ai/sdk` (1.x, which emits its own GenAI spans
 * whenever a tracer provider is registered), pointed at the fake provider, with a real registered
 * tracer provider: exactly one span with usage per call, ours, with cache reads and both cache
 * write TTLs, the hand-computed cost, TTFT for streams, and SDK errors mapped.
 */
import Anthropic from '@anthropic-ai/sdk';
import { trace, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadPricing, type PriceCatalog } from '@agentmeter/pricing';
import { Agentmeter, GenAi } from '@agentmeter/conventions';
import { instrumentAnthropic } from '../src/wrappers/anthropic.js';
import type { InstrumentOptions } from '../src/wrappers/options.js';
import { fakeErrors, startFakeProvider, type FakeProvider } from '@agentmeter/test-kit';

// Registered globally, as `register()` or any OTel setup does: this is what turns the SDK's own
// spans on.
const exporter = new InMemorySpanExporter();
/** Every span started, ended or not: a second span the SDK starts and never ends counts too. */
const started: Span[] = [];
const startRecorder: SpanProcessor = {
  onStart: (span) => void started.push(span),
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
trace.setGlobalTracerProvider(
  new BasicTracerProvider({
    spanProcessors: [startRecorder, new SimpleSpanProcessor(exporter)],
  }),
);

const SDK_SCOPE = 'com.anthropic.sdk.typescript';

let fake: FakeProvider;
let catalog: PriceCatalog;

beforeAll(async () => {
  [fake, catalog] = await Promise.all([startFakeProvider(), loadPricing()]);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  exporter.reset();
  started.length = 0;
});

function sdk(options: { openTelemetry?: false; maxRetries?: number } = {}): Anthropic {
  return new Anthropic({
    baseURL: fake.anthropicBaseURL,
    apiKey: 'test-key',
    maxRetries: 0,
    ...options,
  });
}

function client(options: InstrumentOptions = {}): Anthropic {
  return instrumentAnthropic(sdk(), { pricing: catalog, ...options });
}

/** Waits for the call's spans to end, then returns all of them. */
async function finishedSpans(): Promise<ReadableSpan[]> {
  await vi.waitFor(() => expect(exporter.getFinishedSpans().length).toBeGreaterThan(0));
  // Give a second span, if there were one, the same chance to end.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return exporter.getFinishedSpans();
}

/** The one span of the call: it fails on two spans, or on a span with usage that is not ours. */
async function onlySpan(): Promise<ReadableSpan> {
  const spans = await finishedSpans();
  expect(spans.map((s) => s.instrumentationScope.name)).toEqual(['@agentmeter/instrumentation']);
  expect(started).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

const withUsage = (spans: ReadableSpan[]): ReadableSpan[] =>
  spans.filter((s) => s.attributes[GenAi.USAGE_INPUT_TOKENS] !== undefined);

/** Integer nano-USD from micro-USD (tokens × USD per million tokens) → the USD the span carries. */
const usd = (microUsd: number): number => Math.round(microUsd * 1000) / 1e9;

const MODEL = 'claude-sonnet-4-6';
const messages = [{ role: 'user' as const, content: 'Say hello' }];
const CACHED_USAGE = {
  input_tokens: 1_000,
  cache_read_input_tokens: 50_000,
  cache_creation_input_tokens: 10_000,
  cache_creation: { ephemeral_5m_input_tokens: 4_000, ephemeral_1h_input_tokens: 6_000 },
  output_tokens: 2_000,
};
// claude-sonnet-4-6: $3 input, $0.30 cache read, $3.75 5-minute write, $6 one-hour write, $15 output.
const CACHED_COST = usd(1_000 * 3 + 50_000 * 0.3 + 4_000 * 3.75 + 6_000 * 6 + 2_000 * 15);

describe('the SDK’s own spans (control)', () => {
  it('an uninstrumented client emits its own span with usage: what the wrapper must not double', async () => {
    fake.enqueue({ kind: 'reply', anthropicUsage: CACHED_USAGE });
    await sdk().messages.create({ model: MODEL, max_tokens: 100, messages });
    const spans = await finishedSpans();
    expect(spans.map((s) => s.instrumentationScope.name)).toEqual([SDK_SCOPE]);
    expect(withUsage(spans)).toHaveLength(1);
  });
});

describe('instrumentAnthropic: one span per call', () => {
  it('messages.create: exactly one span with usage, ours, with cache reads, both write TTLs and the cost', async () => {
    fake.enqueue({ kind: 'reply', text: 'Hello!', anthropicUsage: CACHED_USAGE });
    const message = await client().messages.create({
      model: MODEL,
      max_tokens: 100,
      messages,
    });
    expect(message.content[0]).toEqual({ type: 'text', text: 'Hello!' });

    const spans = await finishedSpans();
    expect(withUsage(spans)).toHaveLength(1);
    const span = await onlySpan();
    expect(span.name).toBe(`chat ${MODEL}`);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toMatchObject({
      [GenAi.PROVIDER_NAME]: 'anthropic',
      [GenAi.REQUEST_MODEL]: MODEL,
      [GenAi.RESPONSE_MODEL]: MODEL,
      [GenAi.RESPONSE_ID]: message.id,
      [GenAi.RESPONSE_FINISH_REASONS]: ['end_turn'],
      [GenAi.REQUEST_MAX_TOKENS]: 100,
      // Anthropic's input_tokens exclude the cache: 1,000 + 50,000 + 10,000.
      [GenAi.USAGE_INPUT_TOKENS]: 61_000,
      [GenAi.USAGE_CACHE_READ_INPUT_TOKENS]: 50_000,
      [GenAi.USAGE_CACHE_CREATION_INPUT_TOKENS]: 10_000,
      [GenAi.USAGE_OUTPUT_TOKENS]: 2_000,
      [Agentmeter.PRICE_VERSION]: catalog.priceVersion,
    });
    expect(span.attributes[Agentmeter.COST_USD]).toBe(CACHED_COST);
    expect(span.attributes[Agentmeter.COST_CACHE_WRITE_USD]).toBe(usd(4_000 * 3.75 + 6_000 * 6));
  });

  it('create({ stream: true }): one span, usage from message_start and message_delta, TTFT', async () => {
    fake.enqueue({
      kind: 'reply',
      chunks: ['Hel', 'lo'],
      ttftMs: 40,
      anthropicUsage: CACHED_USAGE,
    });
    const stream = await client().messages.create({
      model: MODEL,
      max_tokens: 100,
      messages,
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const span = await onlySpan();
    expect(span.attributes).toMatchObject({
      [GenAi.REQUEST_STREAM]: true,
      [GenAi.USAGE_INPUT_TOKENS]: 61_000,
      [GenAi.USAGE_OUTPUT_TOKENS]: 2_000,
      [GenAi.USAGE_CACHE_CREATION_INPUT_TOKENS]: 10_000,
    });
    expect(span.attributes[Agentmeter.COST_USD]).toBe(CACHED_COST);
    expect(span.attributes[Agentmeter.TIME_TO_FIRST_TOKEN_MS]).toBeGreaterThanOrEqual(35);
  });

  it('the SDK’s messages.stream() helper: one span, its events and final message intact', async () => {
    fake.enqueue({ kind: 'reply', chunks: ['a', 'b', 'c'], anthropicUsage: CACHED_USAGE });
    const stream = client().messages.stream({ model: MODEL, max_tokens: 100, messages });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const final = await stream.finalMessage();
    expect(texts).toEqual(['a', 'b', 'c']);
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'abc' });
    expect(final.usage.output_tokens).toBe(2_000);

    const span = await onlySpan();
    expect(span.attributes[GenAi.USAGE_INPUT_TOKENS]).toBe(61_000);
    expect(span.attributes[Agentmeter.COST_USD]).toBe(CACHED_COST);
    expect(span.attributes[Agentmeter.TIME_TO_FIRST_TOKEN_MS]).toBeTypeOf('number');
  });

  it('a client built with openTelemetry: false, and one instrumented twice: still one span', async () => {
    await instrumentAnthropic(sdk({ openTelemetry: false }), { pricing: catalog }).messages.create({
      model: MODEL,
      max_tokens: 10,
      messages,
    });
    await onlySpan();
    exporter.reset();
    started.length = 0;

    const twice = instrumentAnthropic(client(), { pricing: catalog });
    await twice.messages.create({ model: MODEL, max_tokens: 10, messages });
    await onlySpan();
  });

  it('with SDK retries, one span covers the whole call', async () => {
    fake.enqueue(fakeErrors.overloaded(), { kind: 'reply' });
    const retrying = instrumentAnthropic(sdk({ maxRetries: 1 }), { pricing: catalog });
    await retrying.messages.create({ model: MODEL, max_tokens: 10, messages });
    expect(fake.requests).toHaveLength(2);
    expect((await onlySpan()).status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('instrumentAnthropic: errors', () => {
  it.each([
    [
      '529 overloaded',
      fakeErrors.overloaded(),
      'overloaded_error',
      'rate_limit',
      Anthropic.InternalServerError,
    ],
    [
      '429',
      fakeErrors.rateLimited({ retryAfterSeconds: 3 }),
      'rate_limit_error',
      'rate_limit',
      Anthropic.RateLimitError,
    ],
    [
      'prompt too long',
      fakeErrors.contextWindow(),
      'invalid_request_error',
      'validation',
      Anthropic.BadRequestError,
    ],
    ['401', fakeErrors.auth(), 'authentication_error', 'auth', Anthropic.AuthenticationError],
    ['500', fakeErrors.server(), 'api_error', 'server', Anthropic.InternalServerError],
  ] as const)(
    '%s: the caller gets the SDK’s error; the span error.type and category',
    async (_n, step, type, category, errorClass) => {
      fake.enqueue(step);
      await expect(
        client().messages.create({ model: MODEL, max_tokens: 10, messages }),
      ).rejects.toBeInstanceOf(errorClass);
      const span = await onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes[GenAi.ERROR_TYPE]).toBe(type);
      expect(span.attributes[Agentmeter.ERROR_CATEGORY]).toBe(category);
    },
  );

  it('an error event in the middle of a stream', async () => {
    fake.enqueue({
      kind: 'reply',
      chunks: ['a', 'b'],
      streamError: { afterChunks: 1, error: fakeErrors.overloaded() },
    });
    const stream = await client().messages.create({
      model: MODEL,
      max_tokens: 10,
      messages,
      stream: true,
    });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of stream) seen.push(event.type);
      })(),
    ).rejects.toBeInstanceOf(Anthropic.APIError);
    expect(seen).toContain('content_block_delta');
    const span = await onlySpan();
    expect(span.attributes[GenAi.ERROR_TYPE]).toBe('overloaded_error');
    expect(span.attributes[Agentmeter.ERROR_CATEGORY]).toBe('rate_limit');
  });
});

describe('instrumentAnthropic: content capture', () => {
  it('records the system prompt, messages and answer, redacted', async () => {
    const key = `sk-ant-api03-${'Zx9'.repeat(31)}`;
    fake.enqueue({ kind: 'reply', text: `AWS key AKIA${'ABCDEFGH12345678'}` });
    await client({ captureContent: true, category: 'ops' }).messages.create({
      model: MODEL,
      max_tokens: 10,
      system: 'Never reveal keys.',
      messages: [{ role: 'user', content: [{ type: 'text', text: `here: ${key}` }] }],
    });
    const span = await onlySpan();
    expect(span.attributes[Agentmeter.CATEGORY]).toBe('ops');
    expect(JSON.parse(span.attributes[GenAi.INPUT_MESSAGES] as string)).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Never reveal keys.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'here: [REDACTED:anthropic_api_key]' }] },
    ]);
    expect(span.attributes[GenAi.OUTPUT_MESSAGES]).toContain(
      'AWS key [REDACTED:aws_access_key_id]',
    );
  });
});
