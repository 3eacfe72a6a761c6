/**
 * GenAI emitters nobody on the team wrote, used as their users use them, exporting through the
 * real OTel SDK to the running product: the Vercel AI SDK (`ai` 6 with its mock model, and with
 * `@ai-sdk/openai` / `@ai-sdk/anthropic` against a fake provider on 127.0.0.1) and OpenInference's
 * OpenAI instrumentation with the `openai` client. Each call must land as one row with the
 * provider under its semconv name, the model, every token kind and the exact catalog cost.
 *
 * The fake provider answers 1,500 prompt tokens (1,024 read from the cache) and 120 completion
 * tokens. gpt-4o-mini: 476 × $0.15 + 1,024 × $0.075 + 120 × $0.60 per million = $0.0002202.
 * claude-sonnet-4-5: 476 × $3 + 1,024 × $0.30 + 120 × $15 per million = $0.0035352.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { generateText, streamText } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import OpenAI from 'openai';
import { startFakeProvider, type FakeProvider } from '@agentmeter/test-kit';
import { startProduct, type Running } from './helpers.js';

const OPENAI_USAGE = {
  prompt_tokens: 1500,
  completion_tokens: 120,
  total_tokens: 1620,
  prompt_tokens_details: { cached_tokens: 1024 },
};
const ANTHROPIC_USAGE = {
  input_tokens: 476,
  cache_read_input_tokens: 1024,
  cache_creation_input_tokens: 0,
  output_tokens: 120,
};
const GPT_4O_MINI_COST = '0.0002202';
const SONNET_COST = '0.0035352';

let product: Running;
let fake: FakeProvider;

beforeAll(async () => {
  product = await startProduct();
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake?.close();
  await product?.stop();
});

/** A tracer provider exporting each span at once, over OTLP/protobuf, as a service named `service`. */
function tracing(service: string) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${product.otlpUrl}/v1/traces` })),
    ],
  });
  return { provider, tracer: provider.getTracer(service) };
}

interface StoredCall {
  span_name: string;
  operation: string;
  provider: string;
  request_model: string;
  response_model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  is_stream: boolean;
  ttft: number | null;
  cost: string;
  cost_source: string;
  unpriced_reason: string;
}

const callsOf = (service: string) =>
  product.rows<StoredCall>(
    `SELECT span_name, operation, provider, request_model, response_model, input_tokens,
       output_tokens, cache_read_tokens, cache_write_tokens, is_stream,
       time_to_first_token_ms AS ttft, toString(cost_usd) AS cost, cost_source, unpriced_reason
     FROM agentmeter.llm_spans WHERE service_name = {service:String} ORDER BY timestamp`,
    { service },
  );

const priced = (o: Partial<StoredCall>) => ({
  input_tokens: 1500,
  output_tokens: 120,
  cache_read_tokens: 1024,
  cache_write_tokens: 0,
  cost_source: 'catalog',
  unpriced_reason: '',
  ...o,
});

describe('the Vercel AI SDK (ai 6, experimental_telemetry)', () => {
  it('with its mock model: one row per model call (not per generateText), cache tokens priced', async () => {
    const { provider, tracer } = tracing('ai-sdk-mock');
    const model = new MockLanguageModelV3({
      provider: 'openai.chat',
      modelId: 'gpt-4o-mini',
      doGenerate: {
        content: [{ type: 'text', text: 'hello' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 1500, noCache: 476, cacheRead: 1024, cacheWrite: 0 },
          outputTokens: { total: 120, text: 120, reasoning: 0 },
        },
        warnings: [],
      },
    });
    await generateText({
      model,
      prompt: 'hi',
      experimental_telemetry: { isEnabled: true, tracer },
    });
    await provider.forceFlush();
    await provider.shutdown();
    expect(await callsOf('ai-sdk-mock')).toEqual([
      expect.objectContaining(
        priced({
          span_name: 'ai.generateText.doGenerate',
          operation: 'chat',
          provider: 'openai',
          request_model: 'gpt-4o-mini',
          is_stream: false,
          cost: GPT_4O_MINI_COST,
        }),
      ),
    ]);
  });

  it('with @ai-sdk/openai and @ai-sdk/anthropic against a provider: generate and stream', async () => {
    const { provider, tracer } = tracing('ai-sdk-providers');
    const telemetry = { isEnabled: true, tracer };
    fake.enqueue(
      { kind: 'reply', openaiUsage: OPENAI_USAGE },
      { kind: 'reply', openaiUsage: OPENAI_USAGE, ttftMs: 30 },
      { kind: 'reply', anthropicUsage: ANTHROPIC_USAGE },
      { kind: 'reply', anthropicUsage: ANTHROPIC_USAGE },
    );
    const openai = createOpenAI({ baseURL: fake.openaiBaseURL, apiKey: 'k' });
    const anthropic = createAnthropic({ baseURL: `${fake.anthropicBaseURL}/v1`, apiKey: 'k' });
    await generateText({
      model: openai.chat('gpt-4o-mini'),
      prompt: 'hi',
      experimental_telemetry: telemetry,
    });
    const stream = streamText({
      model: openai.chat('gpt-4o-mini'),
      prompt: 'hi',
      experimental_telemetry: telemetry,
    });
    await stream.consumeStream();
    await generateText({
      model: anthropic('claude-sonnet-4-5'),
      prompt: 'hi',
      experimental_telemetry: telemetry,
    });
    const stream2 = streamText({
      model: anthropic('claude-sonnet-4-5'),
      prompt: 'hi',
      experimental_telemetry: telemetry,
    });
    await stream2.consumeStream();
    await provider.forceFlush();
    await provider.shutdown();

    const calls = await callsOf('ai-sdk-providers');
    const gpt = {
      operation: 'chat',
      provider: 'openai',
      request_model: 'gpt-4o-mini',
      response_model: 'gpt-4o-mini',
      cost: GPT_4O_MINI_COST,
    };
    const sonnet = {
      operation: 'chat',
      provider: 'anthropic',
      request_model: 'claude-sonnet-4-5',
      cost: SONNET_COST,
    };
    expect(calls).toEqual([
      expect.objectContaining(
        priced({ ...gpt, span_name: 'ai.generateText.doGenerate', is_stream: false, ttft: null }),
      ),
      expect.objectContaining(
        priced({ ...gpt, span_name: 'ai.streamText.doStream', is_stream: true }),
      ),
      expect.objectContaining(
        priced({ ...sonnet, span_name: 'ai.generateText.doGenerate', is_stream: false }),
      ),
      expect.objectContaining(
        priced({ ...sonnet, span_name: 'ai.streamText.doStream', is_stream: true }),
      ),
    ]);
    // msToFirstChunk arrives as the stream's time to first token (the fake waits 30 ms).
    expect(calls[1]!.ttft).toBeGreaterThanOrEqual(30);
    // One provider, one rollup row: no `openai.chat` / `anthropic.messages` split.
    const providers = await product.rows<{ provider: string; requests: number }>(
      `SELECT provider, sum(requests) AS requests FROM agentmeter.llm_usage_1m_view
       WHERE service_name = 'ai-sdk-providers' GROUP BY provider ORDER BY provider`,
    );
    expect(providers).toEqual([
      { provider: 'anthropic', requests: 2 },
      { provider: 'openai', requests: 2 },
    ]);
  });
});

describe('OpenInference (@arizeai/openinference-instrumentation-openai with openai)', () => {
  it('prices a chat completion exactly, and marks a stream it recorded no usage for as unpriced (no_usage), never $0 from the catalog', async () => {
    const { provider } = tracing('openinference');
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.setTracerProvider(provider);
    instrumentation.manuallyInstrument(OpenAI);
    fake.enqueue(
      { kind: 'reply', openaiUsage: OPENAI_USAGE },
      { kind: 'reply', openaiUsage: OPENAI_USAGE },
    );
    const client = new OpenAI({ baseURL: fake.openaiBaseURL, apiKey: 'k' });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) void chunk;
    instrumentation.disable();
    await provider.forceFlush();
    await provider.shutdown();

    const [call, streamed] = await callsOf('openinference');
    expect(call).toMatchObject(
      priced({
        operation: 'chat',
        provider: 'openai',
        request_model: 'gpt-4o-mini',
        response_model: 'gpt-4o-mini',
        is_stream: false,
        cost: GPT_4O_MINI_COST,
      }),
    );
    // The instrumentation (4.x) records no token counts on streamed completions.
    expect(streamed).toMatchObject({
      provider: 'openai',
      is_stream: true,
      input_tokens: 0,
      cost: '0',
      cost_source: 'unpriced',
      unpriced_reason: 'no_usage',
    });
  });
});
