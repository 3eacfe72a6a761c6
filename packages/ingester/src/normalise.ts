/**
 * Decoded OTLP spans → `llm_spans` rows. One pass over each span's attributes: every key we
 * promote to a column has a reader in `READERS`; every other key lands in the `attributes` map.
 * Current and deprecated GenAI semconv spellings, the Anthropic SDK's native spans, OpenLIT's
 * and OpenLLMetry's keys all map onto the same columns; where two spellings of one value are
 * present, the current semconv one wins (readers record with `set` = only if not yet set by a
 * higher-priority key).
 */
import {
  Agentmeter,
  classifyError,
  CostSource,
  LLM_SPAN_PREFIXES,
  nanosToDecimalString,
  CALL_SPAN_KINDS,
  GenAi,
  NON_CALL_OPERATIONS,
  Resource,
  Foreign,
} from '@agentmeter/conventions';
import { Tables, type LlmSpanRow } from '@agentmeter/schema';
import type { PriceCatalog } from '@agentmeter/pricing';
import { catalogCost, type SpanCost } from '@agentmeter/store';
import type { Attributes, DecodedSpan, DecodedTraceRequest } from './otlp/types.js';
import {
  PROMOTED_KEYS,
  readFields,
  str,
  type ProblemSink,
  type SpanFields,
} from './span-fields.js';
import { normaliseTokens, type Tokens } from './tokens.js';

/** What the ingester asks of the price catalog for a span that arrives without a cost. */
export type SpanPricer = Pick<PriceCatalog, 'priceCall'>;

/**
 * The span start times the store accepts, relative to `now()`: a span older than `maxAgeMs`
 * (its raw row would expire from `llm_spans` before a retry of it could be recognised) or more
 * than `maxFutureMs` ahead (a wrong clock) is rejected with the reason, never stored and dropped.
 */
export interface StartTimeWindow {
  now: () => number;
  maxAgeMs: number;
  maxFutureMs: number;
}

export interface NormaliseResult {
  rows: LlmSpanRow[];
  /** Spans refused as invalid (reported in partial_success). */
  rejected: number;
  rejectReasons: string[];
  /** Valid spans that carry no LLM attributes: accepted, not stored. */
  ignored: number;
}

const HEX_TRACE = /^[0-9a-f]{32}$/;
const HEX_SPAN = /^[0-9a-f]{16}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** Reasons quoted in one partial_success message. */
export const MAX_REASONS = 5;

/** Resource attributes that may carry tenancy for every span of the resource. */
const RESOURCE_TENANCY: readonly [string, 'project' | 'agent' | 'workflow'][] = [
  [Agentmeter.PROJECT, 'project'],
  [Agentmeter.AGENT, 'agent'],
  [Agentmeter.WORKFLOW, 'workflow'],
];

/**
 * A span is an LLM call when it carries a key of the GenAI, agentmeter or `llm.` families, and
 * is not marked as another kind of span (an agent, chain or tool span may repeat its calls'
 * token totals: storing it would count them twice).
 */
function isLlmSpan(attributes: Attributes): boolean {
  for (const key in CALL_SPAN_KINDS) {
    const kind = attributes[key];
    if (kind !== undefined && CALL_SPAN_KINDS[key]![str(kind)] === undefined) return false;
  }
  const operation = attributes[GenAi.OPERATION_NAME];
  if (operation !== undefined && NON_CALL_OPERATIONS.has(str(operation))) return false;
  for (const key in attributes) {
    for (const prefix of LLM_SPAN_PREFIXES) if (key.startsWith(prefix)) return true;
  }
  return false;
}

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** Start-time bounds of one request, in epoch nanoseconds. */
interface StartBounds {
  min: bigint;
  max: bigint;
}

/** No bound but the schema's: DateTime64(9) and the rollups' DateTime end in 2106. */
const SCHEMA_BOUNDS: StartBounds = { min: 1n, max: 4_294_967_295n * 1_000_000_000n };

export class Normaliser {
  constructor(
    private readonly pricer?: SpanPricer,
    private readonly window?: StartTimeWindow,
  ) {}

  normalise(request: DecodedTraceRequest): NormaliseResult {
    const out: NormaliseResult = { rows: [], rejected: 0, rejectReasons: [], ignored: 0 };
    const bounds = this.bounds();
    const reject = (problem: string) => {
      out.rejected++;
      if (out.rejectReasons.length < MAX_REASONS) out.rejectReasons.push(problem);
    };
    for (const rs of request.resourceSpans) {
      const resource = resourceColumns(rs.resource);
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          const problem = validate(span, bounds);
          if (problem) {
            reject(problem);
            continue;
          }
          if (!isLlmSpan(span.attributes)) {
            out.ignored++;
            continue;
          }
          const row = this.row(span, ss.scopeName, rs.resource, resource);
          if (typeof row === 'string') reject(`span ${span.spanId}: ${row}`);
          else out.rows.push(row);
        }
      }
    }
    return out;
  }

  private bounds(): StartBounds {
    if (!this.window) return SCHEMA_BOUNDS;
    const now = BigInt(Math.trunc(this.window.now())) * 1_000_000n;
    const min = now - BigInt(this.window.maxAgeMs) * 1_000_000n;
    const max = now + BigInt(this.window.maxFutureMs) * 1_000_000n;
    return {
      min: min > SCHEMA_BOUNDS.min ? min : SCHEMA_BOUNDS.min,
      max: max < SCHEMA_BOUNDS.max ? max : SCHEMA_BOUNDS.max,
    };
  }

  private row(
    span: DecodedSpan,
    scopeName: string,
    resourceAttrs: Attributes,
    resource: ResourceColumns,
  ): LlmSpanRow | string {
    const sink: ProblemSink = { problem: undefined };
    const f = readFields(
      { attributes: span.attributes, startMs: Number(span.startTimeUnixNano / 1_000_000n) },
      sink,
    );
    if (sink.problem) return sink.problem;
    for (const [key, name] of RESOURCE_TENANCY) {
      const v = resourceAttrs[key];
      if (f[name] === undefined && v !== undefined) f[name] = str(v);
    }
    const rest: Record<string, string> = {};
    for (const key in span.attributes) {
      if (!PROMOTED_KEYS.has(key)) rest[key] = str(span.attributes[key]!);
    }

    const isError = span.statusCode === 2 || (f.errorType ?? '') !== '';
    const errorType = isError
      ? f.errorType || exceptionType(span) || '_OTHER'
      : (f.errorType ?? '');
    const errorCategory = f.errorCategory || (isError ? classifyError(errorType) : '');

    const tokens = normaliseTokens(f, span.attributes);
    const cost = this.cost(f, tokens, span, isError);
    const start = span.startTimeUnixNano;
    return {
      timestamp: start.toString(),
      duration_ms: Number(span.endTimeUnixNano - start) / 1e6,
      trace_id: span.traceId,
      span_id: span.spanId,
      parent_span_id: span.parentSpanId,
      span_name: span.name,
      span_kind: SPAN_KINDS[span.kind] ?? 'unspecified',
      service_name: resource.serviceName,
      service_version: resource.serviceVersion,
      environment: resource.environment,
      scope_name: scopeName,
      resource_attributes: resource.attributes,
      operation: f.operation ?? '',
      provider: f.provider ?? '',
      request_model: f.requestModel ?? '',
      response_model: f.responseModel ?? '',
      category: f.category ?? '',
      category_source: f.categorySource ?? '',
      strategy: f.strategy ?? '',
      role: f.role ?? '',
      attempt: f.attempt ?? 0,
      escalated: f.escalated ?? false,
      escalated_from: f.escalatedFrom ?? '',
      escalation_reason: f.escalationReason ?? '',
      status: isError ? 'error' : 'ok',
      error_type: errorType,
      error_category: errorCategory,
      status_message: span.statusMessage,
      finish_reasons: f.finishReasons ?? [],
      is_stream: f.isStream ?? false,
      time_to_first_token_ms: f.ttftMs ?? null,
      input_tokens: tokens.input,
      output_tokens: tokens.output,
      cache_read_tokens: tokens.cacheRead,
      cache_write_tokens: tokens.cacheWrite,
      cache_write_5m_tokens: f.cacheWrite5m ?? 0,
      cache_write_1h_tokens: f.cacheWrite1h ?? 0,
      reasoning_tokens: tokens.reasoning,
      cost_usd: nanosToDecimalString(cost.total),
      cost_input_usd: nanosToDecimalString(cost.input),
      cost_output_usd: nanosToDecimalString(cost.output),
      cost_cache_read_usd: nanosToDecimalString(cost.cacheRead),
      cost_cache_write_usd: nanosToDecimalString(cost.cacheWrite),
      cost_source: cost.source,
      price_version: cost.priceVersion,
      unpriced_reason: cost.unpricedReason,
      response_cache_hit: f.cacheHit ?? false,
      cache_saved_usd: nanosToDecimalString(f.cacheSavedNanos ?? 0),
      quota_decision: f.quotaDecision ?? '',
      budget_decision: f.budgetDecision ?? '',
      budget_id: f.budgetId ?? '',
      rate_limit_decision: f.rateLimitDecision ?? '',
      project: f.project ?? '',
      user_id: f.user ?? '',
      agent: f.agent ?? '',
      workflow: f.workflow ?? '',
      conversation_id: f.conversation ?? '',
      attributes: rest,
    };
  }

  private cost(f: SpanFields, t: Tokens, span: DecodedSpan, isError: boolean): SpanCost {
    if (f.costNanos !== undefined) {
      return {
        total: f.costNanos,
        input: f.costInput ?? 0,
        output: f.costOutput ?? 0,
        cacheRead: f.costCacheRead ?? 0,
        cacheWrite: f.costCacheWrite ?? 0,
        source: CostSource.SPAN,
        unpricedReason: '',
        priceVersion: f.priceVersion ?? '',
      };
    }
    return catalogCost(this.pricer, {
      provider: f.provider ?? '',
      requestModel: f.requestModel ?? '',
      responseModel: f.responseModel ?? '',
      timestampMs: Number(span.startTimeUnixNano / 1_000_000n),
      inputTokens: t.input,
      outputTokens: t.output,
      cacheReadTokens: t.cacheRead,
      cacheWriteTokens: t.cacheWrite,
      cacheWrite1hTokens: f.cacheWrite1h ?? 0,
      reasoningTokens: t.reasoning,
      free: isError || (f.cacheHit ?? false),
    });
  }
}

function exceptionType(span: DecodedSpan): string {
  for (const event of span.events) {
    const type = event.attributes['exception.type'];
    if (type !== undefined) return str(type);
  }
  return '';
}

function validate(span: DecodedSpan, bounds: StartBounds): string | undefined {
  if (!HEX_TRACE.test(span.traceId) || span.traceId === ZERO_TRACE) {
    return `span ${span.spanId || '?'}: invalid trace id '${span.traceId}'`;
  }
  if (!HEX_SPAN.test(span.spanId) || span.spanId === ZERO_SPAN) {
    return `span in trace ${span.traceId}: invalid span id '${span.spanId}'`;
  }
  if (span.parentSpanId !== '' && !HEX_SPAN.test(span.parentSpanId)) {
    return `span ${span.spanId}: invalid parent span id '${span.parentSpanId}'`;
  }
  const start = span.startTimeUnixNano;
  if (start <= 0n) return `span ${span.spanId}: missing start time`;
  if (span.endTimeUnixNano < start) return `span ${span.spanId}: ends before it starts`;
  if (start < bounds.min || start > bounds.max) {
    return `span ${span.spanId}: starts at ${isoTime(start)}, outside the accepted range ${isoTime(bounds.min)} .. ${isoTime(bounds.max)} (${Tables.SPANS} retention, clock skew)`;
  }
  return undefined;
}

function isoTime(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${nanos} ns`;
}

interface ResourceColumns {
  serviceName: string;
  serviceVersion: string;
  environment: string;
  attributes: Record<string, string>;
}

function resourceColumns(resource: Attributes): ResourceColumns {
  const attributes: Record<string, string> = {};
  for (const key in resource) attributes[key] = str(resource[key]!);
  return {
    serviceName: attributes[Resource.SERVICE_NAME] || 'unknown_service',
    serviceVersion: attributes[Resource.SERVICE_VERSION] ?? '',
    environment:
      attributes[Resource.DEPLOYMENT_ENVIRONMENT_NAME] ??
      attributes[Resource.DEPLOYMENT_ENVIRONMENT] ??
      attributes[Foreign.OPENLIT_ENVIRONMENT] ??
      '',
    attributes,
  };
}
