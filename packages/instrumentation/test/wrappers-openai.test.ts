/**
 * `instrumentOpenAI` on the real `openai` SDK, pointed at the fake provider, with a real tracer
 * provider and an in-memory exporter: one span per call with semconv attributes, the cost the
 * catalog's published prices give by hand, TTFT for streams, what the caller sees unchanged, and
 * SDK errors mapped on the span.
 */
import OpenAI from 'openai';
import { trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadPricing, type PriceCatalog } from '@agentmeter/pricing';
import { Agentmeter, GenAi } from '@agentmeter/conventions';
import { instrumentOpenAI, type InstrumentOpenAIOptions } from '../src/wrappers/openai.js';
import { fakeErrors, startFakeProvider, type FakeProvider } from '@agentmeter/test-kit';

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);

let fake: FakeProvider;
let catalog: PriceCatalog;

beforeAll(async () => {
  [fake, catalog] = await Promise.all([startFakeProvider(), loadPricing()]);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  exporter.reset();
});

function sdk(): OpenAI {
  return new OpenAI({ baseURL: fake.openaiBaseURL, apiKey: 'test-key', maxRetries: 0 });
}

function client(options: InstrumentOpenAIOptions = {}): OpenAI {
  return instrumentOpenAI(sdk(), { pricing: catalog, ...options });
}

/** The one span the call made (failing when there are more or fewer). */
async function onlySpan(): Promise<ReadableSpan> {
  await vi.waitFor(() => expect(exporter.getFinishedSpans().length).toBeGreaterThan(0));
  const spans = exporter.getFinishedSpans();
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

/** Integer nano-USD from micro-USD (tokens × USD per million tokens) → the USD the span carries. */
const usd = (microUsd: number): number => Math.round(microUsd * 1000) / 1e9;

const messages = [{ role: 'user' as const, content: 'Say hello' }];

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const USAGE = {
  prompt_tokens: 12_345,
  completion_tokens: 678,
  total_tokens: 13_023,
  prompt_tokens_details: { cached_tokens: 2_000, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 },
};

describe('instrumentOpenAI: completions', () => {
  it('one CLIENT span per call with semconv usage, the hand-computed cost and the price version', async () => {
    fake.enqueue({ kind: 'reply', text: 'Hello!', model: 'gpt-4o-2024-08-06', openaiUsage: USAGE });
    const completion = await client().chat.completions.create({
      model: 'gpt-4o',
      messages,
      max_tokens: 64,
      temperature: 0.5,
    });
    expect(completion.choices[0]?.message.content).toBe('Hello!');

    const span = await onlySpan();
    expect(span.name).toBe('chat gpt-4o');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.instrumentationScope.name).toBe('@agentmeter/instrumentation');
    expect(span.attributes).toMatchObject({
      [GenAi.OPERATION_NAME]: 'chat',
      [GenAi.PROVIDER_NAME]: 'openai',
      [GenAi.REQUEST_MODEL]: 'gpt-4o',
      [GenAi.RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
      [GenAi.RESPONSE_ID]: completion.id,
      [GenAi.RESPONSE_FINISH_REASONS]: ['stop'],
      [GenAi.REQUEST_STREAM]: false,
      [GenAi.REQUEST_MAX_TOKENS]: 64,
      [GenAi.REQUEST_TEMPERATURE]: 0.5,
      [GenAi.SERVER_ADDRESS]: '127.0.0.1',
      // prompt_tokens already include the cached tokens: input is 12,345, not 14,345.
      [GenAi.USAGE_INPUT_TOKENS]: 12_345,
      [GenAi.USAGE_CACHE_READ_INPUT_TOKENS]: 2_000,
      [GenAi.USAGE_OUTPUT_TOKENS]: 678,
      [Agentmeter.PRICE_VERSION]: catalog.priceVersion,
    });
    // gpt-4o: $2.50 input, $1.25 cached input, $10 output per MTok.
    expect(span.attributes[Agentmeter.COST_USD]).toBe(usd(10_345 * 2.5 + 2_000 * 1.25 + 678 * 10));
    expect(span.attributes[GenAi.USAGE_COST]).toBe(span.attributes[Agentmeter.COST_USD]);
    expect(span.attributes[Agentmeter.COST_CACHE_READ_USD]).toBe(usd(2_000 * 1.25));
    expect(span.attributes[Agentmeter.TIME_TO_FIRST_TOKEN_MS]).toBeUndefined();
    expect(span.attributes[GenAi.INPUT_MESSAGES]).toBeUndefined();
    expect(span.attributes[GenAi.OUTPUT_MESSAGES]).toBeUndefined();
  });

  it('reasoning tokens stay inside the output and are priced as output', async () => {
    fake.enqueue({
      kind: 'reply',
      openaiUsage: {
        prompt_tokens: 1_000,
        completion_tokens: 3_000,
        total_tokens: 4_000,
        completion_tokens_details: { reasoning_tokens: 2_500 },
      },
    });
    await client().chat.completions.create({ model: 'o4-mini', messages });
    const span = await onlySpan();
    expect(span.attributes[GenAi.USAGE_OUTPUT_TOKENS]).toBe(3_000);
    expect(span.attributes[GenAi.USAGE_REASONING_OUTPUT_TOKENS]).toBe(2_500);
    // o4-mini: $1.10 input, $4.40 output.
    expect(span.attributes[Agentmeter.COST_USD]).toBe(usd(1_000 * 1.1 + 3_000 * 4.4));
  });

  it('keeps the APIPromise: withResponse() and asResponse() work as without the wrapper', async () => {
    const { data, response } = await client()
      .chat.completions.create({ model: 'gpt-4o', messages })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.object).toBe('chat.completion');
    await onlySpan();
    exporter.reset();

    const raw = await client().chat.completions.create({ model: 'gpt-4o', messages }).asResponse();
    // The wrapper has not read the body the caller asked to read itself.
    expect(((await raw.json()) as { object: string }).object).toBe('chat.completion');
  });

  it('tenancy, category and a provider name for another OpenAI-compatible host', async () => {
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
    await client({
      provider: 'deepseek',
      category: 'docs',
      tenancy: { project: 'p1', user: 'u1', agent: 'a1', workflow: 'w1' },
    }).chat.completions.create({ model: 'deepseek-chat', messages });
    const span = await onlySpan();
    expect(span.attributes).toMatchObject({
      [GenAi.PROVIDER_NAME]: 'deepseek',
      [Agentmeter.CATEGORY]: 'docs',
      [Agentmeter.CATEGORY_SOURCE]: 'explicit',
      [Agentmeter.PROJECT]: 'p1',
      [Agentmeter.USER]: 'u1',
      [Agentmeter.AGENT]: 'a1',
      [Agentmeter.WORKFLOW]: 'w1',
      [GenAi.USAGE_INPUT_TOKENS]: 10_000,
      [GenAi.USAGE_CACHE_READ_INPUT_TOKENS]: 8_000,
    });
    // deepseek-chat at DeepSeek's prices: $0.28 input, $0.028 cache hit, $0.42 output.
    expect(span.attributes[Agentmeter.COST_USD]).toBe(
      usd(2_000 * 0.28 + 8_000 * 0.028 + 1_000 * 0.42),
    );
  });

  it('instrumenting twice still gives one span per call', async () => {
    const twice = instrumentOpenAI(client(), { pricing: catalog });
    await twice.chat.completions.create({ model: 'gpt-4o', messages });
    await onlySpan();
  });

  it('prices with the bundled catalog when none is given', async () => {
    fake.enqueue({ kind: 'reply', openaiUsage: { prompt_tokens: 1_000, completion_tokens: 100 } });
    await instrumentOpenAI(sdk()).chat.completions.create({ model: 'gpt-4o', messages });
    const span = await onlySpan();
    expect(span.attributes[Agentmeter.COST_USD]).toBe(usd(1_000 * 2.5 + 100 * 10));
  });

  it('an unknown model is left unpriced (no cost attribute), never $0', async () => {
    await client().chat.completions.create({ model: 'my-private-finetune-xyz', messages });
    const span = await onlySpan();
    expect(span.attributes[Agentmeter.COST_USD]).toBeUndefined();
    expect(span.attributes[Agentmeter.PRICE_VERSION]).toBe(catalog.priceVersion);
  });
});

describe('instrumentOpenAI: streams', () => {
  it('asks usage for the span, and the caller reads exactly the chunks it would have without the wrapper', async () => {
    const reply = { kind: 'reply' as const, chunks: ['Hel', 'lo'], openaiUsage: USAGE, ttftMs: 40 };
    fake.enqueue(reply);
    const plain = await collect(
      await sdk().chat.completions.create({ model: 'gpt-4o', messages, stream: true }),
    );
    fake.enqueue(reply);
    const observed = await collect(
      await client().chat.completions.create({ model: 'gpt-4o', messages, stream: true }),
    );
    const comparable = (chunks: typeof plain) =>
      chunks.map(({ id: _id, created: _c, ...rest }) => rest);
    expect(comparable(observed)).toEqual(comparable(plain));
    expect(observed.some((c) => 'usage' in c)).toBe(false);
    expect(fake.requests[0]?.body['stream_options']).toBeUndefined();
    expect(fake.requests[1]?.body['stream_options']).toEqual({ include_usage: true });

    const span = await onlySpan();
    expect(span.attributes).toMatchObject({
      [GenAi.REQUEST_STREAM]: true,
      [GenAi.USAGE_INPUT_TOKENS]: 12_345,
      [GenAi.USAGE_CACHE_READ_INPUT_TOKENS]: 2_000,
      [GenAi.USAGE_OUTPUT_TOKENS]: 678,
      [GenAi.RESPONSE_FINISH_REASONS]: ['stop'],
    });
    expect(span.attributes[Agentmeter.COST_USD]).toBe(usd(10_345 * 2.5 + 2_000 * 1.25 + 678 * 10));
    const ttft = span.attributes[Agentmeter.TIME_TO_FIRST_TOKEN_MS] as number;
    expect(ttft).toBeGreaterThanOrEqual(35);
    expect(span.attributes[GenAi.RESPONSE_TIME_TO_FIRST_CHUNK]).toBe(ttft / 1000);
  });

  it('a caller who asked for usage still gets its usage chunk', async () => {
    fake.enqueue({ kind: 'reply', openaiUsage: USAGE });
    const chunks = await collect(
      await client().chat.completions.create({
        model: 'gpt-4o',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(chunks.at(-1)?.usage?.prompt_tokens).toBe(12_345);
    expect((await onlySpan()).attributes[GenAi.USAGE_INPUT_TOKENS]).toBe(12_345);
  });

  it('with streamUsage off, the request is sent as given (and the span has no usage to price)', async () => {
    fake.enqueue({ kind: 'reply', openaiUsage: USAGE });
    await collect(
      await client({ streamUsage: false }).chat.completions.create({
        model: 'gpt-4o',
        messages,
        stream: true,
      }),
    );
    expect(fake.requests[0]?.body['stream_options']).toBeUndefined();
    expect((await onlySpan()).attributes[GenAi.USAGE_INPUT_TOKENS]).toBe(0);
  });

  it('the SDK’s stream() helper goes through the wrapper: one span, final completion intact', async () => {
    fake.enqueue({ kind: 'reply', chunks: ['a', 'b', 'c'], openaiUsage: USAGE });
    const runner = client().chat.completions.stream({ model: 'gpt-4o', messages });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('abc');
    const span = await onlySpan();
    expect(span.attributes[GenAi.USAGE_INPUT_TOKENS]).toBe(12_345);
    expect(span.attributes[Agentmeter.TIME_TO_FIRST_TOKEN_MS]).toBeTypeOf('number');
  });

  it('tee() is observed too', async () => {
    fake.enqueue({ kind: 'reply', chunks: ['x', 'y'], openaiUsage: USAGE });
    const stream = await client().chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
    });
    const [left, right] = stream.tee();
    const [a, b] = await Promise.all([collect(left), collect(right)]);
    expect(a).toEqual(b);
    expect((await onlySpan()).attributes[GenAi.USAGE_OUTPUT_TOKENS]).toBe(678);
  });

  it('a stream the caller abandons ends its span as abandoned, without usage', async () => {
    fake.enqueue({ kind: 'reply', chunks: ['a', 'b', 'c', 'd'], chunkDelayMs: 20 });
    const stream = await client().chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
    });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[GenAi.ERROR_TYPE]).toBe('StreamAbandonedError');
    expect(span.attributes[GenAi.USAGE_INPUT_TOKENS]).toBeUndefined();
  });
});

describe('instrumentOpenAI: errors', () => {
  it.each([
    [
      '429 with retry-after',
      fakeErrors.rateLimited({ retryAfterSeconds: 2 }),
      'rate_limit_exceeded',
      'rate_limit',
      OpenAI.RateLimitError,
    ],
    ['500', fakeErrors.server(), 'server_error', 'server', OpenAI.InternalServerError],
    [
      'context window',
      fakeErrors.contextWindow(),
      'context_length_exceeded',
      'validation',
      OpenAI.BadRequestError,
    ],
    [
      'content policy',
      fakeErrors.contentPolicy(),
      'content_policy_violation',
      'validation',
      OpenAI.BadRequestError,
    ],
    ['auth', fakeErrors.auth(), 'invalid_api_key', 'auth', OpenAI.AuthenticationError],
  ] as const)(
    '%s: the caller gets the SDK’s error, the span error.type and category',
    async (_n, step, type, category, errorClass) => {
      fake.enqueue(step);
      await expect(
        client().chat.completions.create({ model: 'gpt-4o', messages }),
      ).rejects.toBeInstanceOf(errorClass);
      const span = await onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes[GenAi.ERROR_TYPE]).toBe(type);
      expect(span.attributes[Agentmeter.ERROR_CATEGORY]).toBe(category);
      expect(span.attributes[GenAi.USAGE_INPUT_TOKENS]).toBeUndefined();
      expect(span.events.some((e) => e.name === 'exception')).toBe(true);
    },
  );

  it('a connection reset is a network error; a hang past the SDK timeout is a timeout', async () => {
    fake.enqueue({ kind: 'reset' });
    await expect(
      client().chat.completions.create({ model: 'gpt-4o', messages }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect((await onlySpan()).attributes[Agentmeter.ERROR_CATEGORY]).toBe('network');
    exporter.reset();

    fake.enqueue({ kind: 'hang' });
    const impatient = instrumentOpenAI(
      new OpenAI({ baseURL: fake.openaiBaseURL, apiKey: 'k', maxRetries: 0, timeout: 100 }),
      { pricing: catalog },
    );
    await expect(
      impatient.chat.completions.create({ model: 'gpt-4o', messages }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const span = await onlySpan();
    expect(span.attributes[GenAi.ERROR_TYPE]).toBe('timeout');
    expect(span.attributes[Agentmeter.ERROR_CATEGORY]).toBe('timeout');
  });

  it('with SDK retries, one span covers the whole call', async () => {
    fake.enqueue(fakeErrors.rateLimited({ retryAfterMs: 10 }), { kind: 'reply' });
    const retrying = instrumentOpenAI(
      new OpenAI({ baseURL: fake.openaiBaseURL, apiKey: 'k', maxRetries: 1 }),
      { pricing: catalog },
    );
    await retrying.chat.completions.create({ model: 'gpt-4o', messages });
    expect(fake.requests).toHaveLength(2);
    expect((await onlySpan()).status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('instrumentOpenAI: content capture', () => {
  it('is off by default and, when on, records redacted messages in the semconv shape', async () => {
    const key = `sk-proj-${'A1b2C3d4'.repeat(6)}`;
    fake.enqueue({ kind: 'reply', text: 'Mail me at ops@example.com' });
    await client({ captureContent: true }).chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: `my key is ${key}` },
      ],
    });
    const span = await onlySpan();
    const input = JSON.parse(span.attributes[GenAi.INPUT_MESSAGES] as string) as unknown;
    expect(input).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'my key is [REDACTED:openai_api_key]' }] },
    ]);
    expect(span.attributes[GenAi.INPUT_MESSAGES]).not.toContain(key);
    const output = JSON.parse(span.attributes[GenAi.OUTPUT_MESSAGES] as string) as unknown;
    expect(output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'Mail me at [REDACTED:email]' }],
        finish_reason: 'stop',
      },
    ]);
  });

  it('captures a streamed answer too', async () => {
    fake.enqueue({ kind: 'reply', chunks: ['token: ', `ghp_${'x1Y2'.repeat(9)}`] });
    const stream = await client({ captureContent: true }).chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
    });
    await collect(stream);
    const output = (await onlySpan()).attributes[GenAi.OUTPUT_MESSAGES] as string;
    expect(output).toContain('token: [REDACTED:github_token]');
  });
});
