/**
 * The one spelling table of the normaliser: every value a span can carry into a typed column,
 * with the attribute keys that spell it, highest priority first (current GenAI semconv, then
 * deprecated semconv, then the other emitters: the Anthropic SDK, OpenLIT, OpenLLMetry, the
 * Vercel AI SDK, OpenInference, LiteLLM). The first key present with a readable value wins, so
 * the result does not depend on attribute order. Every key listed here is promoted and left out
 * of the `attributes` map.
 */
import {
  Agentmeter,
  AiSdk,
  AI_SDK_APIS,
  canonicalProvider,
  Deprecated,
  Foreign,
  GenAi,
  NANOS_PER_USD,
  OPENINFERENCE_CALL_KINDS,
  OpenInference,
  usdToNanos,
} from '@agentmeter/conventions';
import type { AttributeValue, Attributes } from './otlp/types.js';

/** Records the first value that cannot be stored exactly; the span is rejected with it. */
export interface ProblemSink {
  problem: string | undefined;
}

type Read<T> = (v: AttributeValue, key: string, sink: ProblemSink) => T | undefined;

export const str = (v: AttributeValue): string => (typeof v === 'string' ? v : stringify(v));

export function stringify(v: AttributeValue): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const text: Read<string> = (v) => str(v);
const provider: Read<string> = (v) => canonicalProvider(str(v));
const flag: Read<boolean> = (v) => v === true || v === 'true' || v === 1;

const num = (v: AttributeValue): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
};
const ms: Read<number> = (v) => num(v);
const secondsAsMs: Read<number> = (v) => {
  const n = num(v);
  return n === undefined ? undefined : n * 1000;
};
const attempt: Read<number> = (v) => Math.min(65535, Math.trunc(num(v) ?? 0));
const list: Read<string[]> = (v) => (Array.isArray(v) ? v.map(str) : [str(v)]);

/**
 * A token count: a whole number from 0 to 2^53 - 1, as a number or a decimal string (an int64
 * beyond 2^53 arrives as its exact string). Anything else is the span's problem: `UInt64`
 * columns cannot hold 1.5 and pricing is exact only on safe integers.
 */
const tokens: Read<number> = (v, key, sink) => {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (Number.isSafeInteger(n) && n >= 0) return n;
  sink.problem ??= `${key} must be a whole number of tokens from 0 to 2^53-1, found ${shown(v)}`;
  return undefined;
};

/** Largest USD amount a span may carry: its nano-USD must be a safe integer (Decimal(18, 9) holds more). */
const MAX_SPAN_USD = Number.MAX_SAFE_INTEGER / NANOS_PER_USD;

/** A USD amount as integer nano-USD: finite, from 0 to MAX_SPAN_USD; else the span's problem. */
const usd: Read<number> = (v, key, sink) => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isFinite(n) && n >= 0 && n <= MAX_SPAN_USD) return usdToNanos(n);
  sink.problem ??= `${key} must be an amount in USD from 0 to ${MAX_SPAN_USD}, found ${shown(v)}`;
  return undefined;
};

function shown(v: AttributeValue): string {
  const t = typeof v === 'string' ? JSON.stringify(v) : stringify(v);
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

/** OpenLLMetry's `llm.request.type` values that differ from `gen_ai.operation.name`'s. */
const LLM_REQUEST_TYPES: Readonly<Record<string, string>> = {
  completion: 'text_completion',
  embedding: 'embeddings',
};
const requestType: Read<string> = (v) => LLM_REQUEST_TYPES[str(v)] ?? str(v);

/** `ai.generateText.doGenerate` → the operation its provider's API serves (`chat` by default). */
function aiSdkOperation(v: AttributeValue, attributes: Attributes): string | undefined {
  const id = str(v);
  if (id.endsWith('.doEmbed')) return 'embeddings';
  if (!id.endsWith('.doGenerate') && !id.endsWith('.doStream')) return undefined;
  const raw = attributes[AiSdk.MODEL_PROVIDER];
  const api = raw === undefined ? '' : str(raw).slice(str(raw).lastIndexOf('.') + 1);
  return AI_SDK_APIS[api] ?? 'chat';
}

/** A value of OpenInference's `llm.invocation_parameters` JSON (bounded: it may hold prompts). */
function invocationParameter(v: AttributeValue, name: string): unknown {
  if (typeof v !== 'string' || v.length > 65_536) return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)[name]
      : undefined;
  } catch {
    return undefined;
  }
}

/** One attribute key of a field, with its own reading when it differs from the field's. */
interface Spelling<T> {
  key: string;
  /** Also kept in `attributes`: the column holds only part of what the value says. */
  keep?: boolean;
  read?: (
    v: AttributeValue,
    key: string,
    sink: ProblemSink,
    attributes: Attributes,
  ) => T | undefined;
}

interface Field<T> {
  read: Read<T>;
  spellings: readonly (string | Spelling<T>)[];
}

const field = <T>(read: Read<T>, ...spellings: (string | Spelling<T>)[]): Field<T> => ({
  read,
  spellings,
});

export const FIELDS = {
  operation: field(
    text,
    GenAi.OPERATION_NAME,
    { key: Foreign.LLM_REQUEST_TYPE, read: requestType },
    { key: AiSdk.OPERATION_ID, read: (v, _k, _s, a) => aiSdkOperation(v, a) },
    { key: OpenInference.SPAN_KIND, keep: true, read: (v) => OPENINFERENCE_CALL_KINDS[str(v)] },
  ),
  provider: field(
    provider,
    GenAi.PROVIDER_NAME,
    Deprecated.SYSTEM,
    OpenInference.PROVIDER,
    OpenInference.SYSTEM,
    AiSdk.MODEL_PROVIDER,
  ),
  requestModel: field(
    text,
    GenAi.REQUEST_MODEL,
    AiSdk.MODEL_ID,
    {
      key: OpenInference.INVOCATION_PARAMETERS,
      keep: true,
      read: (v) => {
        const model = invocationParameter(v, 'model');
        return typeof model === 'string' ? model : undefined;
      },
    },
    OpenInference.MODEL_NAME,
    OpenInference.EMBEDDING_MODEL_NAME,
  ),
  responseModel: field(
    text,
    GenAi.RESPONSE_MODEL,
    AiSdk.RESPONSE_MODEL,
    OpenInference.MODEL_NAME,
    OpenInference.EMBEDDING_MODEL_NAME,
  ),
  input: field(
    tokens,
    GenAi.USAGE_INPUT_TOKENS,
    Deprecated.USAGE_PROMPT_TOKENS,
    AiSdk.USAGE_INPUT_TOKENS,
    AiSdk.USAGE_PROMPT_TOKENS,
    AiSdk.USAGE_TOKENS,
    OpenInference.TOKEN_COUNT_PROMPT,
  ),
  /** AI SDK v6: input tokens read from neither cache (input = this + cache read + cache write). */
  inputNoCache: field(tokens, AiSdk.USAGE_INPUT_NO_CACHE_TOKENS),
  output: field(
    tokens,
    GenAi.USAGE_OUTPUT_TOKENS,
    Deprecated.USAGE_COMPLETION_TOKENS,
    AiSdk.USAGE_OUTPUT_TOKENS,
    AiSdk.USAGE_COMPLETION_TOKENS,
    OpenInference.TOKEN_COUNT_COMPLETION,
  ),
  cacheRead: field(
    tokens,
    GenAi.USAGE_CACHE_READ_INPUT_TOKENS,
    Deprecated.USAGE_CACHE_READ_INPUT_TOKENS,
    Foreign.OPENLIT_CACHE_READ,
    AiSdk.USAGE_INPUT_CACHE_READ_TOKENS,
    AiSdk.USAGE_CACHED_INPUT_TOKENS,
    OpenInference.TOKEN_COUNT_CACHE_READ,
  ),
  cacheWrite: field(
    tokens,
    GenAi.USAGE_CACHE_CREATION_INPUT_TOKENS,
    Foreign.ANTHROPIC_CACHE_WRITE_INPUT_TOKENS,
    Deprecated.USAGE_CACHE_CREATION_INPUT_TOKENS,
    Foreign.OPENLIT_CACHE_WRITE,
    AiSdk.USAGE_INPUT_CACHE_WRITE_TOKENS,
    OpenInference.TOKEN_COUNT_CACHE_WRITE,
  ),
  cacheWrite5m: field(tokens, Foreign.ANTHROPIC_CACHE_WRITE_5M),
  cacheWrite1h: field(tokens, Foreign.ANTHROPIC_CACHE_WRITE_1H),
  reasoning: field(
    tokens,
    GenAi.USAGE_REASONING_OUTPUT_TOKENS,
    Foreign.OPENLIT_REASONING_TOKENS,
    AiSdk.USAGE_OUTPUT_REASONING_TOKENS,
    AiSdk.USAGE_REASONING_TOKENS,
    OpenInference.TOKEN_COUNT_REASONING,
  ),
  costNanos: field(
    usd,
    Agentmeter.COST_USD,
    GenAi.USAGE_COST,
    Foreign.LITELLM_TOTAL_COST,
    OpenInference.COST_TOTAL,
  ),
  costInput: field(usd, Agentmeter.COST_INPUT_USD),
  costOutput: field(usd, Agentmeter.COST_OUTPUT_USD),
  costCacheRead: field(usd, Agentmeter.COST_CACHE_READ_USD),
  costCacheWrite: field(usd, Agentmeter.COST_CACHE_WRITE_USD),
  priceVersion: field(text, Agentmeter.PRICE_VERSION),
  category: field(text, Agentmeter.CATEGORY),
  categorySource: field(text, Agentmeter.CATEGORY_SOURCE),
  strategy: field(text, Agentmeter.STRATEGY),
  role: field(text, Agentmeter.ROLE),
  attempt: field(attempt, Agentmeter.ATTEMPT),
  escalated: field(flag, Agentmeter.ESCALATED),
  escalatedFrom: field(text, Agentmeter.ESCALATED_FROM),
  escalationReason: field(text, Agentmeter.ESCALATION_REASON),
  errorType: field(text, GenAi.ERROR_TYPE),
  errorCategory: field(text, Agentmeter.ERROR_CATEGORY),
  finishReasons: field(
    list,
    GenAi.RESPONSE_FINISH_REASONS,
    AiSdk.RESPONSE_FINISH_REASON,
    OpenInference.FINISH_REASON,
  ),
  isStream: field(
    flag,
    GenAi.REQUEST_STREAM,
    Foreign.OPENLIT_IS_STREAM,
    { key: AiSdk.OPERATION_ID, read: (v) => str(v).endsWith('.doStream') },
    {
      key: OpenInference.INVOCATION_PARAMETERS,
      keep: true,
      read: (v) => invocationParameter(v, 'stream') === true,
    },
  ),
  ttftMs: field(
    ms,
    Agentmeter.TIME_TO_FIRST_TOKEN_MS,
    { key: GenAi.RESPONSE_TIME_TO_FIRST_CHUNK, read: secondsAsMs },
    { key: Foreign.OPENLIT_TTFT, read: secondsAsMs },
    AiSdk.RESPONSE_MS_TO_FIRST_CHUNK,
  ),
  cacheHit: field(flag, Agentmeter.RESPONSE_CACHE_HIT),
  cacheSavedNanos: field(usd, Agentmeter.RESPONSE_CACHE_SAVED_USD),
  quotaDecision: field(text, Agentmeter.QUOTA_DECISION),
  budgetDecision: field(text, Agentmeter.BUDGET_DECISION),
  budgetId: field(text, Agentmeter.BUDGET_ID),
  rateLimitDecision: field(text, Agentmeter.RATE_LIMIT_DECISION),
  project: field(text, Agentmeter.PROJECT),
  user: field(
    text,
    Agentmeter.USER,
    Foreign.USER_ID,
    Foreign.OPENLIT_REQUEST_USER,
    AiSdk.TELEMETRY_USER_ID,
  ),
  agent: field(text, Agentmeter.AGENT, GenAi.AGENT_NAME),
  workflow: field(
    text,
    Agentmeter.WORKFLOW,
    Foreign.TRACELOOP_WORKFLOW_NAME,
    AiSdk.TELEMETRY_FUNCTION_ID,
  ),
  conversation: field(text, GenAi.CONVERSATION_ID, Foreign.SESSION_ID, AiSdk.TELEMETRY_SESSION_ID),
};

type FieldName = keyof typeof FIELDS;
type FieldValue<F extends FieldName> = (typeof FIELDS)[F] extends Field<infer T> ? T : never;
export type SpanFields = { [F in FieldName]: FieldValue<F> | undefined };

const spellingsOf = (f: Field<unknown>) =>
  f.spellings.map((s) => (typeof s === 'string' ? { key: s } : s));

/** Every attribute key some field reads: promoted to a column, not copied into `attributes`. */
export const PROMOTED_KEYS: ReadonlySet<string> = new Set(
  Object.values(FIELDS)
    .flatMap(spellingsOf)
    .filter((s) => !s.keep)
    .map((s) => s.key),
);

const FIELD_ENTRIES = Object.entries(FIELDS) as [FieldName, Field<unknown>][];

/** Reads every field from a span's attributes; problems go to `sink`. */
export function readFields(attributes: Attributes, sink: ProblemSink): SpanFields {
  const out: Partial<Record<FieldName, unknown>> = {};
  for (const [name, f] of FIELD_ENTRIES) {
    for (const s of f.spellings) {
      const key = typeof s === 'string' ? s : s.key;
      const v = attributes[key];
      if (v === undefined) continue;
      const value =
        typeof s === 'string' || !s.read ? f.read(v, key, sink) : s.read(v, key, sink, attributes);
      if (value !== undefined) {
        out[name] = value;
        break;
      }
    }
  }
  return out as SpanFields;
}
