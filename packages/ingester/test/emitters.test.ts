/**
 * One LLM call span as each major emitter sends it (keys and value types as read in their
 * sources: docs/ingest.md "Emitters" cites each), normalised and priced with the real catalog.
 * The AI SDK and OpenInference are also tested with their real clients (test/emitters-real-clients).
 *
 * Prices per million tokens: claude-sonnet-4-5 $3 input, $0.30 cache read, $15 output;
 * gpt-4o $2.50, $1.25 cached, $10 output.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPricing, type PriceCatalog } from '@agentmeter/pricing';
import { canonicalProvider } from '@agentmeter/conventions';
import { Normaliser } from '../src/normalise.js';
import type { Attributes, DecodedSpan } from '../src/otlp/types.js';

const START_MS = Date.parse('2026-11-30T10:00:00Z');
let catalog: PriceCatalog;
beforeAll(async () => {
  catalog = await loadPricing();
});

let counter = 0;
function span(attributes: Attributes, over: Partial<DecodedSpan> = {}): DecodedSpan {
  counter++;
  return {
    traceId: 'cd'.repeat(16),
    spanId: counter.toString(16).padStart(16, '0'),
    parentSpanId: '',
    name: 'chat',
    kind: 3,
    startTimeUnixNano: BigInt(START_MS) * 1_000_000n,
    endTimeUnixNano: BigInt(START_MS + 1500) * 1_000_000n,
    attributes,
    statusCode: 0,
    statusMessage: '',
    events: [],
    ...over,
  };
}

function normalise(attributes: Attributes, over: Partial<DecodedSpan> = {}) {
  return new Normaliser(catalog).normalise({
    resourceSpans: [
      {
        resource: { 'service.name': 'svc' },
        scopeSpans: [{ scopeName: 'scope', scopeVersion: '1', spans: [span(attributes, over)] }],
      },
    ],
  });
}

function one(attributes: Attributes, over: Partial<DecodedSpan> = {}) {
  const result = normalise(attributes, over);
  expect(result.rejectReasons).toEqual([]);
  expect(result.rows).toHaveLength(1);
  return result.rows[0]!;
}

/** 2,150 input tokens of which 2,000 read from the cache, 310 output, on Sonnet 4.5: $0.0057. */
const SONNET_CACHED = {
  provider: 'anthropic',
  input_tokens: 2150,
  cache_read_tokens: 2000,
  output_tokens: 310,
  cost_usd: '0.0057',
};

describe('LangChain (LangSmith OTel export)', () => {
  it('Python: reads the cache from the dict repr of input_token_details, user from metadata', () => {
    const row = one({
      'langsmith.span.kind': 'llm',
      'langsmith.trace.name': 'ChatAnthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.usage.input_tokens': 2150,
      'gen_ai.usage.output_tokens': 310,
      'gen_ai.usage.total_tokens': 2460,
      'gen_ai.usage.input_token_details': "{'cache_read': 2000, 'cache_creation': 0}",
      'langsmith.metadata.ls_provider': 'anthropic',
      'langsmith.metadata.user_id': 'u_123',
      'langsmith.metadata.thread_id': 'thread-9',
      'gen_ai.response.finish_reasons': 'end_turn',
    });
    expect(row).toMatchObject({
      ...SONNET_CACHED,
      operation: 'chat',
      request_model: 'claude-sonnet-4-5',
      cost_source: 'catalog',
      user_id: 'u_123',
      conversation_id: 'thread-9',
      finish_reasons: ['end_turn'],
    });
  });

  it('JS: JSON details, and the provider from ls_provider when gen_ai.system is `langchain`', () => {
    const row = one({
      'langsmith.span.kind': 'llm',
      'gen_ai.system': 'langchain',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 85,
      'gen_ai.usage.input_token_details': '{"cache_read":1000,"cache_creation":0}',
      'langsmith.metadata.ls_provider': 'openai',
      'langsmith.metadata.ls_temperature': '0',
    });
    // 200 × $2.50 + 1,000 × $1.25 + 85 × $10 per million
    expect(row).toMatchObject({
      provider: 'openai',
      input_tokens: 1200,
      cache_read_tokens: 1000,
      cost_usd: '0.0026',
    });
  });

  it('stores no chain, tool or retriever span, whatever totals it repeats', () => {
    const result = normalise({
      'langsmith.span.kind': 'chain',
      'gen_ai.operation.name': 'chain',
      'gen_ai.usage.input_tokens': 2150,
      'gen_ai.usage.output_tokens': 310,
    });
    expect(result).toMatchObject({ rows: [], ignored: 1, rejected: 0 });
  });
});

describe('Mastra', () => {
  it('v1 (semconv names): cache, agent, conversation, and time to first token from completion_start_time', () => {
    const row = one({
      'gen_ai.operation.name': 'chat',
      'mastra.span.type': 'model_generation',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.response.model': 'claude-sonnet-4-5',
      'gen_ai.usage.input_tokens': 2150,
      'gen_ai.usage.output_tokens': 310,
      'gen_ai.usage.cache_read.input_tokens': 2000,
      'gen_ai.usage.cache_creation.input_tokens': 0,
      'gen_ai.usage.reasoning_tokens': 0,
      'gen_ai.response.finish_reasons': '["stop"]',
      'gen_ai.agent.name': 'Support Agent',
      'gen_ai.conversation.id': 'thread-123',
      'mastra.completion_start_time': new Date(START_MS + 412).toISOString(),
    });
    expect(row).toMatchObject({
      ...SONNET_CACHED,
      agent: 'Support Agent',
      conversation_id: 'thread-123',
      time_to_first_token_ms: 412,
      finish_reasons: ['stop'],
    });
  });

  it('0.x: the AI SDK provider id and cached_input_tokens', () => {
    const row = one({
      'gen_ai.operation.name': 'chat',
      'mastra.span.type': 'llm_generation',
      'gen_ai.system': 'openai.chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 85,
      'gen_ai.usage.cached_input_tokens': 1000,
    });
    expect(row).toMatchObject({ provider: 'openai', cache_read_tokens: 1000, cost_usd: '0.0026' });
  });

  it('stores no agent or workflow span', () => {
    const result = normalise({
      'mastra.span.type': 'agent_run',
      'gen_ai.usage.input_tokens': 2150,
      'gen_ai.usage.output_tokens': 310,
    });
    expect(result).toMatchObject({ rows: [], ignored: 1 });
  });
});

describe('Semantic Kernel', () => {
  it('.NET: gen_ai.system, the singular finish_reason, a URL as server.address', () => {
    const row = one({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'server.address': 'https://api.openai.com/v1/',
      'server.port': 443,
      'gen_ai.response.finish_reason': '[Stop]',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 85,
    });
    // 1,200 × $2.50 + 85 × $10 per million
    expect(row).toMatchObject({
      provider: 'openai',
      cost_usd: '0.00385',
      finish_reasons: ['Stop'],
      attributes: expect.objectContaining({ 'server.address': 'https://api.openai.com/v1/' }),
    });
  });

  it("Python: a failed call's error.type as Python prints a class", () => {
    const row = one(
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'googleai',
        'gen_ai.request.model': 'gemini-2.5-flash',
        'error.type': "<class 'openai.RateLimitError'>",
      },
      { statusCode: 2 },
    );
    expect(row).toMatchObject({
      provider: 'gcp.gemini',
      status: 'error',
      error_type: 'openai.RateLimitError',
      error_category: 'rate_limit',
      cost_source: 'catalog', // a refused call costs nothing
      unpriced_reason: '',
    });
  });
});

describe('Spring AI (Micrometer observations)', () => {
  it('reads token counts sent as strings and adds the cache its Anthropic input leaves out', () => {
    const row = one({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.request.temperature': '0.2',
      'gen_ai.response.finish_reasons': '["end_turn"]',
      'gen_ai.usage.input_tokens': '3000',
      'gen_ai.usage.output_tokens': '310',
      'gen_ai.usage.total_tokens': '3310',
      'gen_ai.usage.cache_read.input_tokens': '2000',
      'gen_ai.usage.cache_creation.input_tokens': '0',
    });
    // 3,000 uncached × $3 + 2,000 × $0.30 + 310 × $15 per million
    expect(row).toMatchObject({
      provider: 'anthropic',
      input_tokens: 5000,
      cache_read_tokens: 2000,
      cost_usd: '0.01425',
      finish_reasons: ['end_turn'],
    });
  });

  it('maps bedrock_converse, and stores no ChatClient (framework) span', () => {
    expect(canonicalProvider('bedrock_converse')).toBe('aws.bedrock');
    const result = normalise({
      'gen_ai.operation.name': 'framework',
      'gen_ai.system': 'spring_ai',
      'spring.ai.kind': 'chat_client',
    });
    expect(result).toMatchObject({ rows: [], ignored: 1 });
  });
});

describe('Pydantic Logfire and pydantic-ai (genai-prices costs)', () => {
  it('Logfire: operation.cost is the cost, the cache read comes from gen_ai.usage.raw', () => {
    const row = one({
      'gen_ai.system': 'anthropic',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 2150,
      'gen_ai.usage.output_tokens': 310,
      'gen_ai.usage.raw':
        '{"input_tokens":150,"cache_creation_input_tokens":0,"cache_read_input_tokens":2000,"output_tokens":310}',
      'operation.cost': 0.0057,
    });
    expect(row).toMatchObject({ ...SONNET_CACHED, cost_source: 'span' });
  });

  it('pydantic-ai: semconv cache, reasoning details and time to first chunk in seconds', () => {
    const row = one({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 85,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.details.reasoning_tokens': 0,
      'gen_ai.client.operation.time_to_first_chunk': 0.25,
      'operation.cost': 0.0026,
    });
    expect(row).toMatchObject({
      cache_read_tokens: 1000,
      time_to_first_token_ms: 250,
      cost_usd: '0.0026',
      cost_source: 'span',
    });
  });

  it('stores no agent run span (invoke_agent), which repeats its calls’ usage', () => {
    const result = normalise({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'support',
      'gen_ai.usage.input_tokens': 2150,
    });
    expect(result).toMatchObject({ rows: [], ignored: 1 });
  });
});

describe("LiteLLM's OTel callback", () => {
  it('cost from gen_ai.cost.total_cost, call type as operation, "False" streaming, team as project', () => {
    const row = one({
      'metadata.user_api_key_team_id': 'team-a',
      'metadata.user_api_key_end_user_id': '',
      hidden_params: '{"model_id": "c1f3", "response_cost": 0.0057}',
      'gen_ai.cost.input_cost': 0.00105,
      'gen_ai.cost.output_cost': 0.00465,
      'gen_ai.cost.total_cost': 0.0057,
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'llm.request.type': 'acompletion',
      'gen_ai.system': 'anthropic',
      'llm.is_streaming': 'False',
      'llm.user': 'u_123',
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.usage.total_tokens': 2460,
      'gen_ai.usage.output_tokens': 310,
      'gen_ai.usage.input_tokens': 2150,
    });
    expect(row).toMatchObject({
      provider: 'anthropic',
      operation: 'chat',
      is_stream: false,
      project: 'team-a',
      user_id: 'u_123',
      cost_usd: '0.0057',
      cost_source: 'span',
    });
  });
});

describe('the Vercel AI SDK, versions the real-client test does not install', () => {
  it('v5 with Anthropic: inputTokens leaves the cache out, so it is added', () => {
    const row = one(
      {
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.model.provider': 'anthropic.messages',
        'ai.model.id': 'claude-sonnet-4-5',
        'gen_ai.system': 'anthropic.messages',
        'gen_ai.request.model': 'claude-sonnet-4-5',
        'ai.usage.inputTokens': 150,
        'ai.usage.outputTokens': 310,
        'ai.usage.cachedInputTokens': 2000,
        'gen_ai.usage.input_tokens': 150,
        'gen_ai.usage.output_tokens': 310,
      },
      { name: 'ai.generateText.doGenerate' },
    );
    expect(row).toMatchObject({ ...SONNET_CACHED, operation: 'chat' });
  });

  it('v4: promptTokens and completionTokens; the outer generateText span is not a call', () => {
    const row = one({
      'ai.operationId': 'ai.streamText.doStream',
      'ai.model.provider': 'openai.chat',
      'gen_ai.system': 'openai.chat',
      'gen_ai.request.model': 'gpt-4o',
      'ai.usage.promptTokens': 1200,
      'ai.usage.completionTokens': 85,
      'ai.response.msToFirstChunk': 321.5,
      'ai.telemetry.functionId': 'summarise',
      'ai.telemetry.metadata.userId': 'u_7',
    });
    expect(row).toMatchObject({
      provider: 'openai',
      input_tokens: 1200,
      is_stream: true,
      time_to_first_token_ms: 321.5,
      workflow: 'summarise',
      user_id: 'u_7',
      cost_usd: '0.00385',
    });
    const outer = normalise({
      'ai.operationId': 'ai.generateText',
      'ai.model.provider': 'openai.chat',
      'ai.usage.inputTokens': 1200,
    });
    expect(outer).toMatchObject({ rows: [], ignored: 1 });
  });

  it('provider ids of hosted models land on their gen_ai.provider.name', () => {
    expect(
      [
        'openai.responses',
        'azure.chat',
        'google.vertex.chat',
        'vertex.anthropic.messages',
        'google.generative-ai',
        'amazon-bedrock',
        'mistral.chat',
        'xai.chat',
        'cerebras.chat',
      ].map(canonicalProvider),
    ).toEqual([
      'openai',
      'azure.ai.openai',
      'gcp.vertex_ai',
      'gcp.vertex_ai',
      'gcp.gemini',
      'aws.bedrock',
      'mistral_ai',
      'x_ai',
      'cerebras',
    ]);
  });
});

describe('OpenInference, kinds the real-client test does not emit', () => {
  it('Azure-hosted: llm.provider (the host) wins over llm.system (the model family)', () => {
    const row = one({
      'openinference.span.kind': 'LLM',
      'llm.provider': 'azure',
      'llm.system': 'openai',
      'llm.model_name': 'gpt-4o',
      'llm.invocation_parameters': '{"model":"gpt-4o","stream":true,"temperature":0}',
      'llm.token_count.prompt': 1200,
      'llm.token_count.completion': 85,
      'llm.token_count.prompt_details.cache_read': 1000,
    });
    expect(row).toMatchObject({
      provider: 'azure.ai.openai',
      request_model: 'gpt-4o',
      is_stream: true,
      cost_source: 'catalog',
      attributes: expect.objectContaining({
        'llm.invocation_parameters': '{"model":"gpt-4o","stream":true,"temperature":0}',
      }),
    });
  });

  it('stores no CHAIN or AGENT span even when it carries token counts', () => {
    const result = normalise({
      'openinference.span.kind': 'AGENT',
      'llm.token_count.prompt': 2150,
      'llm.token_count.completion': 310,
    });
    expect(result).toMatchObject({ rows: [], ignored: 1 });
  });
});
