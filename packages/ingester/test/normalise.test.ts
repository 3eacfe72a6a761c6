import { describe, expect, it } from 'vitest';
import { Agentmeter, Deprecated, Foreign, GenAi } from '@agentmeter/conventions';
import { Normaliser, type SpanPricer } from '../src/normalise.js';
import type { Attributes, DecodedSpan, DecodedTraceRequest } from '../src/otlp/types.js';

let counter = 0;
function span(attributes: Attributes, over: Partial<DecodedSpan> = {}): DecodedSpan {
  counter++;
  return {
    traceId: 'ab'.repeat(16),
    spanId: counter.toString(16).padStart(16, '0'),
    parentSpanId: '',
    name: 'chat',
    kind: 3,
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    endTimeUnixNano: 1_700_000_001_623_456_789n,
    attributes,
    statusCode: 0,
    statusMessage: '',
    events: [],
    ...over,
  };
}

function request(
  spans: DecodedSpan[],
  resource: Attributes = { 'service.name': 'svc' },
  scopeName = 'scope',
): DecodedTraceRequest {
  return { resourceSpans: [{ resource, scopeSpans: [{ scopeName, scopeVersion: '1', spans }] }] };
}

const one = (attributes: Attributes, over: Partial<DecodedSpan> = {}, pricer?: SpanPricer) => {
  const result = new Normaliser(pricer).normalise(request([span(attributes, over)]));
  expect(result.rows).toHaveLength(1);
  return result.rows[0]!;
};

describe('normaliser', () => {
  it('keeps the exact nanosecond start and the duration in ms', () => {
    const row = one({ [GenAi.REQUEST_MODEL]: 'gpt-4o' });
    expect(row.timestamp).toBe('1700000000123456789');
    expect(row.duration_ms).toBe(1500);
    expect(row.span_kind).toBe('client');
    expect(row.service_name).toBe('svc');
  });

  it('reads current GenAI semconv keys into typed columns and leaves the rest in attributes', () => {
    const row = one({
      [GenAi.OPERATION_NAME]: 'chat',
      [GenAi.PROVIDER_NAME]: 'openai',
      [GenAi.REQUEST_MODEL]: 'gpt-4o',
      [GenAi.RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
      [GenAi.USAGE_INPUT_TOKENS]: 1200,
      [GenAi.USAGE_OUTPUT_TOKENS]: 300,
      [GenAi.USAGE_CACHE_READ_INPUT_TOKENS]: 1000,
      [GenAi.RESPONSE_FINISH_REASONS]: ['stop'],
      'gen_ai.request.temperature': 0.2,
      'custom.flag': true,
    });
    expect(row).toMatchObject({
      operation: 'chat',
      provider: 'openai',
      request_model: 'gpt-4o',
      response_model: 'gpt-4o-2024-08-06',
      input_tokens: 1200,
      output_tokens: 300,
      cache_read_tokens: 1000,
      finish_reasons: ['stop'],
    });
    expect(row.attributes).toEqual({ 'gen_ai.request.temperature': '0.2', 'custom.flag': 'true' });
  });

  it('maps deprecated spellings, and the current spelling wins whichever comes first', () => {
    const deprecatedOnly = one({
      [Deprecated.SYSTEM]: 'xai',
      [Deprecated.USAGE_PROMPT_TOKENS]: 50,
      [Deprecated.USAGE_COMPLETION_TOKENS]: 7,
    });
    expect(deprecatedOnly).toMatchObject({ provider: 'x_ai', input_tokens: 50, output_tokens: 7 });

    const both = one({
      [Deprecated.USAGE_PROMPT_TOKENS]: 1,
      [GenAi.USAGE_INPUT_TOKENS]: 99,
      [GenAi.PROVIDER_NAME]: 'anthropic',
      [Deprecated.SYSTEM]: 'openai',
    });
    expect(both).toMatchObject({ input_tokens: 99, provider: 'anthropic' });
  });

  it("reads the Anthropic SDK's native span without counting cache tokens twice", () => {
    // The SDK reports input_tokens as input + cache read + cache creation (semconv-inclusive).
    const row = one(
      {
        [GenAi.PROVIDER_NAME]: 'anthropic',
        [GenAi.REQUEST_MODEL]: 'claude-sonnet-4-20250514',
        [GenAi.USAGE_INPUT_TOKENS]: 100 + 2000 + 500,
        [GenAi.USAGE_OUTPUT_TOKENS]: 40,
        [GenAi.USAGE_CACHE_READ_INPUT_TOKENS]: 2000,
        [Foreign.ANTHROPIC_CACHE_WRITE_INPUT_TOKENS]: 500,
        [Foreign.ANTHROPIC_CACHE_WRITE_5M]: 200,
        [Foreign.ANTHROPIC_CACHE_WRITE_1H]: 300,
      },
      {},
    );
    expect(row).toMatchObject({
      input_tokens: 2600,
      cache_read_tokens: 2000,
      cache_write_tokens: 500,
      cache_write_5m_tokens: 200,
      cache_write_1h_tokens: 300,
    });
  });

  it('adds cache tokens to an input that evidently excludes them (Anthropic API convention)', () => {
    const row = one({
      [Deprecated.USAGE_PROMPT_TOKENS]: 100,
      [Deprecated.USAGE_CACHE_READ_INPUT_TOKENS]: 2000,
      [Deprecated.USAGE_CACHE_CREATION_INPUT_TOKENS]: 500,
    });
    expect(row).toMatchObject({
      input_tokens: 2600,
      cache_read_tokens: 2000,
      cache_write_tokens: 500,
    });
  });

  it('treats reasoning tokens as part of output, never on top', () => {
    expect(
      one({ [GenAi.USAGE_OUTPUT_TOKENS]: 500, [GenAi.USAGE_REASONING_OUTPUT_TOKENS]: 300 }),
    ).toMatchObject({
      output_tokens: 500,
      reasoning_tokens: 300,
    });
    expect(
      one({ [GenAi.USAGE_OUTPUT_TOKENS]: 10, [Foreign.OPENLIT_REASONING_TOKENS]: 300 }),
    ).toMatchObject({
      output_tokens: 310,
      reasoning_tokens: 300,
    });
  });

  it("reads OpenLIT's and OpenLLMetry's keys", () => {
    const openlit = one({
      [Deprecated.SYSTEM]: 'openai',
      [GenAi.USAGE_INPUT_TOKENS]: 10,
      [GenAi.USAGE_COST]: 0.000123,
      [Foreign.OPENLIT_CACHE_READ]: 4,
      [Foreign.OPENLIT_IS_STREAM]: true,
      [Foreign.OPENLIT_REQUEST_USER]: 'u1',
    });
    expect(openlit).toMatchObject({
      cost_usd: '0.000123',
      cost_source: 'span',
      cache_read_tokens: 4,
      is_stream: true,
      user_id: 'u1',
    });
    const openllmetry = one({
      [Foreign.LLM_REQUEST_TYPE]: 'completion',
      [Foreign.TRACELOOP_WORKFLOW_NAME]: 'wf',
      [Foreign.LLM_USAGE_TOTAL_TOKENS]: 17,
    });
    expect(openllmetry).toMatchObject({ operation: 'text_completion', workflow: 'wf' });
    expect(openllmetry.attributes[Foreign.LLM_USAGE_TOTAL_TOKENS]).toBe('17');
  });

  it('reads agentmeter routing, decision, cost and tenancy attributes', () => {
    const row = one({
      [Agentmeter.CATEGORY]: 'docs',
      [Agentmeter.CATEGORY_SOURCE]: 'detected',
      [Agentmeter.STRATEGY]: 'cheap_first',
      [Agentmeter.ROLE]: 'builder',
      [Agentmeter.ATTEMPT]: 3,
      [Agentmeter.ESCALATED]: true,
      [Agentmeter.ESCALATED_FROM]: 'gpt-4o-mini',
      [Agentmeter.COST_USD]: 0.0125,
      [Agentmeter.COST_INPUT_USD]: 0.01,
      [Agentmeter.COST_OUTPUT_USD]: 0.0025,
      [Agentmeter.PRICE_VERSION]: 'genai-prices@0.1.8',
      [Agentmeter.QUOTA_DECISION]: 'allowed',
      [Agentmeter.BUDGET_DECISION]: 'downgraded',
      [Agentmeter.BUDGET_ID]: 'team-monthly',
      [Agentmeter.RESPONSE_CACHE_HIT]: true,
      [Agentmeter.RESPONSE_CACHE_SAVED_USD]: 0.5,
      [Agentmeter.PROJECT]: 'p1',
      [Agentmeter.USER]: 'alice',
      [Agentmeter.AGENT]: 'coder',
    });
    expect(row).toMatchObject({
      category: 'docs',
      category_source: 'detected',
      strategy: 'cheap_first',
      role: 'builder',
      attempt: 3,
      escalated: true,
      escalated_from: 'gpt-4o-mini',
      cost_usd: '0.0125',
      cost_input_usd: '0.01',
      cost_output_usd: '0.0025',
      cost_source: 'span',
      price_version: 'genai-prices@0.1.8',
      budget_decision: 'downgraded',
      budget_id: 'team-monthly',
      response_cache_hit: true,
      cache_saved_usd: '0.5',
      project: 'p1',
      user_id: 'alice',
      agent: 'coder',
    });
    expect(row.attributes).toEqual({});
  });

  it('takes tenancy from resource attributes when the span has none', () => {
    const result = new Normaliser().normalise(
      request([span({ [GenAi.REQUEST_MODEL]: 'm' })], {
        'service.name': 's',
        [Agentmeter.PROJECT]: 'from-resource',
      }),
    );
    expect(result.rows[0]!.project).toBe('from-resource');
  });

  it('prices a span without cost from the catalog, and marks it unpriced when the catalog does not know it', () => {
    const pricer: SpanPricer = {
      priceCall: ({ model, usage }) =>
        model === 'known'
          ? {
              priced: true,
              costNanos: usage.inputTokens * 3 + usage.outputTokens * 15,
              parts: {
                input: usage.inputTokens * 3,
                output: usage.outputTokens * 15,
                cacheRead: 0,
                cacheWrite: 0,
                request: 0,
              },
              priceVersion: 'v1',
              priceSource: 'catalog',
              provider: 'p',
              catalogProvider: 'p',
              catalogModel: 'known',
            }
          : { priced: false, reason: 'unknown_model', detail: '', priceVersion: 'v1' },
    };
    const known = one(
      {
        [GenAi.REQUEST_MODEL]: 'known',
        [GenAi.USAGE_INPUT_TOKENS]: 1000,
        [GenAi.USAGE_OUTPUT_TOKENS]: 100,
      },
      {},
      pricer,
    );
    expect(known).toMatchObject({
      cost_usd: '0.0000045',
      cost_source: 'catalog',
      price_version: 'v1',
    });
    const unknown = one(
      { [GenAi.REQUEST_MODEL]: 'mystery', [GenAi.USAGE_INPUT_TOKENS]: 10 },
      {},
      pricer,
    );
    expect(unknown).toMatchObject({
      cost_usd: '0',
      cost_source: 'unpriced',
      unpriced_reason: 'unknown_model',
    });
    expect(known.unpriced_reason).toBe('');
  });

  it('never prices an LLM call without model or usage at $0: unpriced with the reason', () => {
    const pricer: SpanPricer = {
      priceCall: () => {
        throw new Error('not asked: nothing to price');
      },
    };
    const noUsage = one({ [GenAi.REQUEST_MODEL]: 'known' }, {}, pricer);
    expect(noUsage).toMatchObject({ cost_source: 'unpriced', unpriced_reason: 'no_usage' });
    const noModel = one({ [GenAi.USAGE_INPUT_TOKENS]: 10 }, {}, pricer);
    expect(noModel).toMatchObject({ cost_source: 'unpriced', unpriced_reason: 'no_model' });
    const noCatalog = one({ [GenAi.REQUEST_MODEL]: 'known', [GenAi.USAGE_INPUT_TOKENS]: 10 });
    expect(noCatalog).toMatchObject({ cost_source: 'unpriced', unpriced_reason: 'no_catalog' });
    // What costs nothing is $0 from the catalog: a failed call, a response-cache hit.
    const failed = one({ [GenAi.REQUEST_MODEL]: 'known' }, { statusCode: 2 }, pricer);
    expect(failed).toMatchObject({ cost_source: 'catalog', cost_usd: '0', unpriced_reason: '' });
    const cached = one(
      { [GenAi.REQUEST_MODEL]: 'known', [Agentmeter.RESPONSE_CACHE_HIT]: true },
      {},
      pricer,
    );
    expect(cached).toMatchObject({ cost_source: 'catalog', cost_usd: '0', unpriced_reason: '' });
  });

  it('classifies errors from status, error.type and exception events', () => {
    const rateLimited = one(
      { [GenAi.REQUEST_MODEL]: 'm', [GenAi.ERROR_TYPE]: '429' },
      { statusCode: 2 },
    );
    expect(rateLimited).toMatchObject({
      status: 'error',
      error_type: '429',
      error_category: 'rate_limit',
    });
    const fromEvent = one(
      { [GenAi.REQUEST_MODEL]: 'm' },
      {
        statusCode: 2,
        statusMessage: 'boom',
        events: [
          { name: 'exception', attributes: { 'exception.type': 'APIConnectionTimeoutError' } },
        ],
      },
    );
    expect(fromEvent).toMatchObject({
      status: 'error',
      error_type: 'APIConnectionTimeoutError',
      error_category: 'timeout',
      status_message: 'boom',
    });
    const bare = one({ [GenAi.REQUEST_MODEL]: 'm' }, { statusCode: 2 });
    expect(bare).toMatchObject({ status: 'error', error_type: '_OTHER', error_category: 'other' });
    expect(one({ [GenAi.REQUEST_MODEL]: 'm' }, { statusCode: 1 }).status).toBe('ok');
  });

  it('rejects invalid spans with reasons, ignores non-LLM spans, and keeps the valid ones', () => {
    const result = new Normaliser().normalise(
      request([
        span({ [GenAi.REQUEST_MODEL]: 'm' }),
        span({ [GenAi.REQUEST_MODEL]: 'm' }, { traceId: 'xyz' }),
        span({ [GenAi.REQUEST_MODEL]: 'm' }, { spanId: '0'.repeat(16) }),
        span({ [GenAi.REQUEST_MODEL]: 'm' }, { endTimeUnixNano: 1n }),
        span({ 'http.method': 'GET' }),
      ]),
    );
    expect(result.rows).toHaveLength(1);
    expect(result.rejected).toBe(3);
    expect(result.ignored).toBe(1);
    expect(result.rejectReasons.join('\n')).toMatch(
      /invalid trace id 'xyz'[\s\S]*invalid span id[\s\S]*ends before it starts/,
    );
  });

  it('rejects, with the reason, values the schema cannot hold exactly; accepts whole numbers in any spelling', () => {
    const n = new Normaliser();
    const result = n.normalise(
      request([
        span({ [GenAi.USAGE_INPUT_TOKENS]: 1.5 }),
        span({ [GenAi.USAGE_OUTPUT_TOKENS]: '9007199254740992' }),
        span({ [GenAi.USAGE_OUTPUT_TOKENS]: -1 }),
        span({ [Agentmeter.COST_USD]: -5 }),
        span({ [Agentmeter.COST_USD]: 'NaN' }),
        span({ [Agentmeter.COST_USD]: 9_007_199.3 }),
        span({ [GenAi.USAGE_INPUT_TOKENS]: 250, [GenAi.USAGE_OUTPUT_TOKENS]: ' 12 ' }),
      ]),
    );
    expect(result.rejected).toBe(6);
    expect(result.rejectReasons[0]).toMatch(
      /gen_ai\.usage\.input_tokens must be a whole number .* found 1\.5$/,
    );
    expect(result.rows.map((r) => [r.input_tokens, r.output_tokens])).toEqual([[250, 12]]);
  });

  it('accepts start times within the window around its clock, and refuses the rest with the range', () => {
    const now = 1_700_000_000_000;
    const n = new Normaliser(undefined, { now: () => now, maxAgeMs: 60_000, maxFutureMs: 1_000 });
    const at = (ms: number) => ({
      startTimeUnixNano: BigInt(ms) * 1_000_000n,
      endTimeUnixNano: BigInt(ms) * 1_000_000n,
    });
    const result = n.normalise(
      request([
        span({ [GenAi.REQUEST_MODEL]: 'm' }, at(now - 60_000)),
        span({ [GenAi.REQUEST_MODEL]: 'm' }, at(now + 1_000)),
        span({ [GenAi.REQUEST_MODEL]: 'm' }, at(now - 60_001)),
        span({ [GenAi.REQUEST_MODEL]: 'm' }, at(now + 1_001)),
      ]),
    );
    expect(result.rows).toHaveLength(2);
    expect(result.rejected).toBe(2);
    expect(result.rejectReasons[0]).toContain(
      'outside the accepted range 2023-11-14T22:12:20.000Z',
    );
  });
});
