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
  Deprecated,
  Foreign,
  GenAi,
  LLM_SPAN_PREFIXES,
  NANOS_PER_USD,
  nanosToDecimalString,
  PROVIDER_RENAMES,
  Resource,
  usdToNanos,
} from '@agentmeter/conventions';
import { Tables, type LlmSpanRow } from '@agentmeter/schema';
import type { PriceCatalog } from '@agentmeter/pricing';
import { catalogCost, type SpanCost } from '@agentmeter/store';
import type { AttributeValue, Attributes, DecodedSpan, DecodedTraceRequest } from './otlp/types.js';

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

/** Span fields collected from attributes before the row is assembled. */
interface Collected {
  operation: string;
  provider: string;
  requestModel: string;
  responseModel: string;
  input: number | undefined;
  output: number | undefined;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
  cacheWrite5m: number;
  cacheWrite1h: number;
  reasoning: number | undefined;
  costNanos: number | undefined;
  costParts: [number, number, number, number];
  priceVersion: string;
  category: string;
  categorySource: string;
  strategy: string;
  role: string;
  attempt: number;
  escalated: boolean;
  escalatedFrom: string;
  escalationReason: string;
  errorType: string;
  errorCategory: string;
  finishReasons: string[];
  isStream: boolean;
  ttftMs: number | null;
  cacheHit: boolean;
  cacheSavedNanos: number;
  quotaDecision: string;
  budgetDecision: string;
  budgetId: string;
  rateLimitDecision: string;
  project: string;
  user: string;
  agent: string;
  workflow: string;
  conversation: string;
  /** The first value that cannot be stored exactly; the span is rejected with it. */
  problem: string | undefined;
}

function emptyCollected(): Collected {
  return {
    operation: '',
    provider: '',
    requestModel: '',
    responseModel: '',
    input: undefined,
    output: undefined,
    cacheRead: undefined,
    cacheWrite: undefined,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    reasoning: undefined,
    costNanos: undefined,
    costParts: [0, 0, 0, 0],
    priceVersion: '',
    category: '',
    categorySource: '',
    strategy: '',
    role: '',
    attempt: 0,
    escalated: false,
    escalatedFrom: '',
    escalationReason: '',
    errorType: '',
    errorCategory: '',
    finishReasons: [],
    isStream: false,
    ttftMs: null,
    cacheHit: false,
    cacheSavedNanos: 0,
    quotaDecision: '',
    budgetDecision: '',
    budgetId: '',
    rateLimitDecision: '',
    project: '',
    user: '',
    agent: '',
    workflow: '',
    conversation: '',
    problem: undefined,
  };
}

const str = (v: AttributeValue): string => (typeof v === 'string' ? v : stringify(v));
/**
 * A token count: a whole number from 0 to 2^53 - 1, as a number or a decimal string (an int64
 * beyond 2^53 arrives as its exact string). Anything else is recorded as the span's problem:
 * `UInt64` columns cannot hold 1.5 and pricing is exact only on safe integers.
 */
function count(c: Collected, key: string, v: AttributeValue): number | undefined {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (Number.isSafeInteger(n) && n >= 0) return n;
  c.problem ??= `${key} must be a whole number of tokens from 0 to 2^53-1, found ${shown(v)}`;
  return undefined;
}

/** Largest USD amount a span may carry: its nano-USD must be a safe integer (Decimal(18, 9) holds more). */
const MAX_SPAN_USD = Number.MAX_SAFE_INTEGER / NANOS_PER_USD;

/** A USD amount as integer nano-USD: finite, from 0 to MAX_SPAN_USD; else the span's problem. */
function usd(c: Collected, key: string, v: AttributeValue): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isFinite(n) && n >= 0 && n <= MAX_SPAN_USD) return usdToNanos(n);
  c.problem ??= `${key} must be an amount in USD from 0 to ${MAX_SPAN_USD}, found ${shown(v)}`;
  return undefined;
}

function shown(v: AttributeValue): string {
  const text = typeof v === 'string' ? JSON.stringify(v) : stringify(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

const num = (v: AttributeValue): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
};
const bool = (v: AttributeValue): boolean => v === true || v === 'true' || v === 1;

const OPERATION_ALIASES: Readonly<Record<string, string>> = {
  completion: 'text_completion',
  embedding: 'embeddings',
};

type Reader = (c: Collected, v: AttributeValue) => void;

/**
 * Readers per attribute key. Keys of equal meaning are listed from lowest to highest priority
 * where they overwrite (`=`), or guarded with `??=` where the first spelling seen must not be
 * replaced by a deprecated one.
 */
const READERS = new Map<string, Reader>([
  [GenAi.OPERATION_NAME, (c, v) => (c.operation = str(v))],
  [Foreign.LLM_REQUEST_TYPE, (c, v) => (c.operation ||= OPERATION_ALIASES[str(v)] ?? str(v))],
  [GenAi.PROVIDER_NAME, (c, v) => (c.provider = providerName(str(v)))],
  [Deprecated.SYSTEM, (c, v) => (c.provider ||= providerName(str(v)))],
  [GenAi.REQUEST_MODEL, (c, v) => (c.requestModel = str(v))],
  [GenAi.RESPONSE_MODEL, (c, v) => (c.responseModel = str(v))],
  [GenAi.USAGE_INPUT_TOKENS, (c, v) => (c.input = count(c, GenAi.USAGE_INPUT_TOKENS, v))],
  [
    Deprecated.USAGE_PROMPT_TOKENS,
    (c, v) => (c.input ??= count(c, Deprecated.USAGE_PROMPT_TOKENS, v)),
  ],
  [GenAi.USAGE_OUTPUT_TOKENS, (c, v) => (c.output = count(c, GenAi.USAGE_OUTPUT_TOKENS, v))],
  [
    Deprecated.USAGE_COMPLETION_TOKENS,
    (c, v) => (c.output ??= count(c, Deprecated.USAGE_COMPLETION_TOKENS, v)),
  ],
  [
    GenAi.USAGE_CACHE_READ_INPUT_TOKENS,
    (c, v) => (c.cacheRead = count(c, GenAi.USAGE_CACHE_READ_INPUT_TOKENS, v)),
  ],
  [
    Deprecated.USAGE_CACHE_READ_INPUT_TOKENS,
    (c, v) => (c.cacheRead ??= count(c, Deprecated.USAGE_CACHE_READ_INPUT_TOKENS, v)),
  ],
  [Foreign.OPENLIT_CACHE_READ, (c, v) => (c.cacheRead ??= count(c, Foreign.OPENLIT_CACHE_READ, v))],
  [
    GenAi.USAGE_CACHE_CREATION_INPUT_TOKENS,
    (c, v) => (c.cacheWrite = count(c, GenAi.USAGE_CACHE_CREATION_INPUT_TOKENS, v)),
  ],
  [
    Foreign.ANTHROPIC_CACHE_WRITE_INPUT_TOKENS,
    (c, v) => (c.cacheWrite ??= count(c, Foreign.ANTHROPIC_CACHE_WRITE_INPUT_TOKENS, v)),
  ],
  [
    Deprecated.USAGE_CACHE_CREATION_INPUT_TOKENS,
    (c, v) => (c.cacheWrite ??= count(c, Deprecated.USAGE_CACHE_CREATION_INPUT_TOKENS, v)),
  ],
  [
    Foreign.OPENLIT_CACHE_WRITE,
    (c, v) => (c.cacheWrite ??= count(c, Foreign.OPENLIT_CACHE_WRITE, v)),
  ],
  [
    Foreign.ANTHROPIC_CACHE_WRITE_5M,
    (c, v) => (c.cacheWrite5m = count(c, Foreign.ANTHROPIC_CACHE_WRITE_5M, v) ?? 0),
  ],
  [
    Foreign.ANTHROPIC_CACHE_WRITE_1H,
    (c, v) => (c.cacheWrite1h = count(c, Foreign.ANTHROPIC_CACHE_WRITE_1H, v) ?? 0),
  ],
  [
    GenAi.USAGE_REASONING_OUTPUT_TOKENS,
    (c, v) => (c.reasoning = count(c, GenAi.USAGE_REASONING_OUTPUT_TOKENS, v)),
  ],
  [
    Foreign.OPENLIT_REASONING_TOKENS,
    (c, v) => (c.reasoning ??= count(c, Foreign.OPENLIT_REASONING_TOKENS, v)),
  ],
  [Agentmeter.COST_USD, (c, v) => (c.costNanos = usd(c, Agentmeter.COST_USD, v))],
  [GenAi.USAGE_COST, (c, v) => (c.costNanos ??= usd(c, GenAi.USAGE_COST, v))],
  [Foreign.LITELLM_TOTAL_COST, (c, v) => (c.costNanos ??= usd(c, Foreign.LITELLM_TOTAL_COST, v))],
  [
    Agentmeter.COST_INPUT_USD,
    (c, v) => (c.costParts[0] = usd(c, Agentmeter.COST_INPUT_USD, v) ?? 0),
  ],
  [
    Agentmeter.COST_OUTPUT_USD,
    (c, v) => (c.costParts[1] = usd(c, Agentmeter.COST_OUTPUT_USD, v) ?? 0),
  ],
  [
    Agentmeter.COST_CACHE_READ_USD,
    (c, v) => (c.costParts[2] = usd(c, Agentmeter.COST_CACHE_READ_USD, v) ?? 0),
  ],
  [
    Agentmeter.COST_CACHE_WRITE_USD,
    (c, v) => (c.costParts[3] = usd(c, Agentmeter.COST_CACHE_WRITE_USD, v) ?? 0),
  ],
  [Agentmeter.PRICE_VERSION, (c, v) => (c.priceVersion = str(v))],
  [Agentmeter.CATEGORY, (c, v) => (c.category = str(v))],
  [Agentmeter.CATEGORY_SOURCE, (c, v) => (c.categorySource = str(v))],
  [Agentmeter.STRATEGY, (c, v) => (c.strategy = str(v))],
  [Agentmeter.ROLE, (c, v) => (c.role = str(v))],
  [Agentmeter.ATTEMPT, (c, v) => (c.attempt = Math.min(65535, Math.trunc(num(v) ?? 0)))],
  [Agentmeter.ESCALATED, (c, v) => (c.escalated = bool(v))],
  [Agentmeter.ESCALATED_FROM, (c, v) => (c.escalatedFrom = str(v))],
  [Agentmeter.ESCALATION_REASON, (c, v) => (c.escalationReason = str(v))],
  [GenAi.ERROR_TYPE, (c, v) => (c.errorType = str(v))],
  [Agentmeter.ERROR_CATEGORY, (c, v) => (c.errorCategory = str(v))],
  [
    GenAi.RESPONSE_FINISH_REASONS,
    (c, v) => (c.finishReasons = Array.isArray(v) ? v.map(str) : [str(v)]),
  ],
  [GenAi.REQUEST_STREAM, (c, v) => (c.isStream = bool(v))],
  [Foreign.OPENLIT_IS_STREAM, (c, v) => (c.isStream ||= bool(v))],
  [Agentmeter.TIME_TO_FIRST_TOKEN_MS, (c, v) => (c.ttftMs = num(v) ?? null)],
  [GenAi.RESPONSE_TIME_TO_FIRST_CHUNK, (c, v) => (c.ttftMs ??= secondsToMs(v))],
  [Foreign.OPENLIT_TTFT, (c, v) => (c.ttftMs ??= secondsToMs(v))],
  [Agentmeter.RESPONSE_CACHE_HIT, (c, v) => (c.cacheHit = bool(v))],
  [
    Agentmeter.RESPONSE_CACHE_SAVED_USD,
    (c, v) => (c.cacheSavedNanos = usd(c, Agentmeter.RESPONSE_CACHE_SAVED_USD, v) ?? 0),
  ],
  [Agentmeter.QUOTA_DECISION, (c, v) => (c.quotaDecision = str(v))],
  [Agentmeter.BUDGET_DECISION, (c, v) => (c.budgetDecision = str(v))],
  [Agentmeter.BUDGET_ID, (c, v) => (c.budgetId = str(v))],
  [Agentmeter.RATE_LIMIT_DECISION, (c, v) => (c.rateLimitDecision = str(v))],
  [Agentmeter.PROJECT, (c, v) => (c.project = str(v))],
  [Agentmeter.USER, (c, v) => (c.user = str(v))],
  [Foreign.USER_ID, (c, v) => (c.user ||= str(v))],
  [Foreign.OPENLIT_REQUEST_USER, (c, v) => (c.user ||= str(v))],
  [Agentmeter.AGENT, (c, v) => (c.agent = str(v))],
  [GenAi.AGENT_NAME, (c, v) => (c.agent ||= str(v))],
  [Agentmeter.WORKFLOW, (c, v) => (c.workflow = str(v))],
  [Foreign.TRACELOOP_WORKFLOW_NAME, (c, v) => (c.workflow ||= str(v))],
  [GenAi.CONVERSATION_ID, (c, v) => (c.conversation = str(v))],
  [Foreign.SESSION_ID, (c, v) => (c.conversation ||= str(v))],
]);

/** Resource attributes that may carry tenancy for every span of the resource. */
const RESOURCE_TENANCY: readonly [
  string,
  keyof Pick<Collected, 'project' | 'agent' | 'workflow'>,
][] = [
  [Agentmeter.PROJECT, 'project'],
  [Agentmeter.AGENT, 'agent'],
  [Agentmeter.WORKFLOW, 'workflow'],
];

function secondsToMs(v: AttributeValue): number | null {
  const n = num(v);
  return n === undefined ? null : n * 1000;
}

function providerName(raw: string): string {
  const lower = raw.toLowerCase();
  return PROVIDER_RENAMES[lower] ?? lower;
}

function stringify(v: AttributeValue): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function isLlmSpan(attributes: Attributes): boolean {
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
    const c = emptyCollected();
    for (const [key, value] of RESOURCE_TENANCY) {
      const v = resourceAttrs[key];
      if (v !== undefined) c[value] = str(v);
    }
    const rest: Record<string, string> = {};
    for (const key in span.attributes) {
      const value = span.attributes[key]!;
      const reader = READERS.get(key);
      if (reader) reader(c, value);
      else rest[key] = str(value);
    }
    if (c.problem) return c.problem;

    const isError = span.statusCode === 2 || c.errorType !== '';
    if (isError && !c.errorType) c.errorType = exceptionType(span) || '_OTHER';
    if (isError && !c.errorCategory) c.errorCategory = classifyError(c.errorType);

    const tokens = normaliseTokens(c);
    const cost = this.cost(c, tokens, span);
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
      operation: c.operation,
      provider: c.provider,
      request_model: c.requestModel,
      response_model: c.responseModel,
      category: c.category,
      category_source: c.categorySource,
      strategy: c.strategy,
      role: c.role,
      attempt: c.attempt,
      escalated: c.escalated,
      escalated_from: c.escalatedFrom,
      escalation_reason: c.escalationReason,
      status: isError ? 'error' : 'ok',
      error_type: c.errorType,
      error_category: c.errorCategory,
      status_message: span.statusMessage,
      finish_reasons: c.finishReasons,
      is_stream: c.isStream,
      time_to_first_token_ms: c.ttftMs,
      input_tokens: tokens.input,
      output_tokens: tokens.output,
      cache_read_tokens: tokens.cacheRead,
      cache_write_tokens: tokens.cacheWrite,
      cache_write_5m_tokens: c.cacheWrite5m,
      cache_write_1h_tokens: c.cacheWrite1h,
      reasoning_tokens: tokens.reasoning,
      cost_usd: nanosToDecimalString(cost.total),
      cost_input_usd: nanosToDecimalString(cost.input),
      cost_output_usd: nanosToDecimalString(cost.output),
      cost_cache_read_usd: nanosToDecimalString(cost.cacheRead),
      cost_cache_write_usd: nanosToDecimalString(cost.cacheWrite),
      cost_source: cost.source,
      price_version: cost.priceVersion,
      response_cache_hit: c.cacheHit,
      cache_saved_usd: nanosToDecimalString(c.cacheSavedNanos),
      quota_decision: c.quotaDecision,
      budget_decision: c.budgetDecision,
      budget_id: c.budgetId,
      rate_limit_decision: c.rateLimitDecision,
      project: c.project,
      user_id: c.user,
      agent: c.agent,
      workflow: c.workflow,
      conversation_id: c.conversation,
      attributes: rest,
    };
  }

  private cost(c: Collected, t: Tokens, span: DecodedSpan): SpanCost {
    if (c.costNanos !== undefined) {
      const [input, output, cacheRead, cacheWrite] = c.costParts;
      return {
        total: c.costNanos,
        input,
        output,
        cacheRead,
        cacheWrite,
        source: CostSource.SPAN,
        priceVersion: c.priceVersion,
      };
    }
    return catalogCost(this.pricer, {
      provider: c.provider,
      requestModel: c.requestModel,
      responseModel: c.responseModel,
      timestampMs: Number(span.startTimeUnixNano / 1_000_000n),
      inputTokens: t.input,
      outputTokens: t.output,
      cacheReadTokens: t.cacheRead,
      cacheWriteTokens: t.cacheWrite,
      cacheWrite1hTokens: c.cacheWrite1h,
      reasoningTokens: t.reasoning,
    });
  }
}

interface Tokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

/**
 * Brings token counts to the GenAI semconv meaning: input includes cache reads and writes,
 * output includes reasoning. An emitter that reports input without its cache tokens (the
 * Anthropic API's own convention) shows itself by an input smaller than its cache parts;
 * only then are the cache tokens added, so a semconv-conformant span is never counted twice.
 */
function normaliseTokens(c: Collected): Tokens {
  const cacheRead = c.cacheRead ?? 0;
  const cacheWrite = c.cacheWrite ?? c.cacheWrite5m + c.cacheWrite1h;
  let input = c.input ?? 0;
  if (input < cacheRead + cacheWrite) input += cacheRead + cacheWrite;
  const reasoning = c.reasoning ?? 0;
  let output = c.output ?? 0;
  if (output < reasoning) output += reasoning;
  return { input, output, cacheRead, cacheWrite, reasoning };
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
