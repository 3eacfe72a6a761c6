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
  CALL_SPAN_KINDS,
  canonicalProvider,
  Deprecated,
  Emitters,
  Foreign,
  FRAMEWORK_SYSTEMS,
  GenAi,
  NANOS_PER_USD,
  OpenInference,
  usdToNanos,
} from '@agentmeter/conventions';
import type { AttributeValue, Attributes } from './otlp/types.js';

/** Records the first value that cannot be stored exactly; the span is rejected with it. */
export interface ProblemSink {
  problem: string | undefined;
}

type Read<T> = (v: AttributeValue, key: string, sink: ProblemSink) => T | undefined;

/** What a spelling may need beside its value: the other attributes, the span's start. */
export interface SpanContext {
  attributes: Attributes;
  startMs: number;
}

export const str = (v: AttributeValue): string => (typeof v === 'string' ? v : stringify(v));

export function stringify(v: AttributeValue): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** An empty string says nothing: a lower-priority spelling may still. */
const text: Read<string> = (v) => str(v) || undefined;
/** A framework's name in a provider key (`langchain`, `spring_ai`) is no provider. */
const provider: Read<string> = (v) => {
  const name = canonicalProvider(str(v));
  return name === '' || FRAMEWORK_SYSTEMS.has(name) ? undefined : name;
};
const flag: Read<boolean> = (v) =>
  v === true || v === 1 || (typeof v === 'string' && v.toLowerCase() === 'true');

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
const splitList = (t: string): string[] =>
  t
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** A string array, or one spelled as a JSON array (`["stop"]`) or comma-joined (`stop,length`). */
const list: Read<string[]> = (v) => {
  if (Array.isArray(v)) return v.map(str);
  const t = str(v).trim();
  if (t.startsWith('[') && t.endsWith(']')) {
    const parsed = parseObject(t);
    if (Array.isArray(parsed)) return parsed.map((x) => String(x));
    return splitList(t.slice(1, -1)); // `[Stop]`: a .NET enum list
  }
  return splitList(t);
};

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
const requestType: Read<string> = (v) =>
  LITELLM_CALL_TYPES[str(v)] ?? LLM_REQUEST_TYPES[str(v)] ?? text(v, '', SILENT);

/** `ai.generateText.doGenerate` → the operation its provider's API serves (`chat` by default). */
function aiSdkOperation(v: AttributeValue, attributes: Attributes): string | undefined {
  const id = str(v);
  if (id.endsWith('.doEmbed')) return 'embeddings';
  if (!id.endsWith('.doGenerate') && !id.endsWith('.doStream')) return undefined;
  const raw = attributes[AiSdk.MODEL_PROVIDER];
  const api = raw === undefined ? '' : str(raw).slice(str(raw).lastIndexOf('.') + 1);
  return AI_SDK_APIS[api] ?? 'chat';
}

/**
 * A JSON object or array held in a string attribute, or a Python dict repr of one (LangSmith's
 * Python SDK writes `str(dict)`); bounded, since such values may hold prompts.
 */
function parseObject(v: AttributeValue): unknown {
  if (typeof v !== 'string' || v.length > 65_536) return undefined;
  for (const text of [v, v.replaceAll("'", '"')]) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON: try the Python repr's quoting, then give up.
    }
  }
  return undefined;
}

/** `path` of a JSON object held in a string attribute. */
function member(v: AttributeValue, ...path: string[]): unknown {
  let at: unknown = parseObject(v);
  for (const name of path) {
    at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[name] : undefined;
  }
  return at;
}

/** A token count found inside a JSON attribute: same rules as a token attribute. */
function nestedTokens(...path: string[]) {
  return (v: AttributeValue, key: string, sink: ProblemSink): number | undefined => {
    const n = member(v, ...path);
    return typeof n === 'number' || typeof n === 'string'
      ? tokens(n, `${key}.${path.join('.')}`, sink)
      : undefined;
  };
}

/** The operation a span-kind value is, for the emitters that mark calls by kind. */
const callKind =
  (key: string): Read<string> =>
  (v) =>
    CALL_SPAN_KINDS[key]?.[str(v)];

/** LiteLLM's call types (`acompletion`, …) where it puts them in the operation keys. */
const LITELLM_CALL_TYPES: Readonly<Record<string, string>> = {
  acompletion: 'chat',
  responses: 'chat',
  aresponses: 'chat',
  anthropic_messages: 'chat',
  aembedding: 'embeddings',
  embedding: 'embeddings',
};
const operationName: Read<string> = (v) => LITELLM_CALL_TYPES[str(v)] ?? text(v, '', SILENT);
const SILENT: ProblemSink = { problem: undefined };

/** Python's `str(type(e))`, `<class 'openai.RateLimitError'>` (Semantic Kernel), → the class name. */
const errorType: Read<string> = (v) => {
  const t = str(v);
  return /^<class '(.+)'>$/.exec(t)?.[1] ?? (t || undefined);
};

/** Mastra's ISO time of the first token, as milliseconds after the span's start. */
function msSinceStart(v: AttributeValue, ctx: SpanContext): number | undefined {
  const at = Date.parse(str(v));
  return Number.isFinite(at) && at >= ctx.startMs ? at - ctx.startMs : undefined;
}

/** One attribute key of a field, with its own reading when it differs from the field's. */
interface Spelling<T> {
  key: string;
  /** Also kept in `attributes`: the column holds only part of what the value says. */
  keep?: boolean;
  read?: (v: AttributeValue, key: string, sink: ProblemSink, ctx: SpanContext) => T | undefined;
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
    operationName,
    GenAi.OPERATION_NAME,
    { key: Foreign.LLM_REQUEST_TYPE, read: requestType },
    { key: AiSdk.OPERATION_ID, read: (v, _k, _s, ctx) => aiSdkOperation(v, ctx.attributes) },
    ...Object.keys(CALL_SPAN_KINDS).map((key) => ({ key, keep: true, read: callKind(key) })),
  ),
  provider: field(
    provider,
    GenAi.PROVIDER_NAME,
    Deprecated.SYSTEM,
    OpenInference.PROVIDER,
    OpenInference.SYSTEM,
    AiSdk.MODEL_PROVIDER,
    Emitters.LANGSMITH_PROVIDER,
  ),
  requestModel: field(
    text,
    GenAi.REQUEST_MODEL,
    AiSdk.MODEL_ID,
    {
      key: OpenInference.INVOCATION_PARAMETERS,
      keep: true,
      read: (v) => {
        const model = member(v, 'model');
        return typeof model === 'string' && model !== '' ? model : undefined;
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
    Emitters.MASTRA_CACHED_INPUT_TOKENS,
    { key: Emitters.LANGSMITH_INPUT_TOKEN_DETAILS, read: nestedTokens('cache_read') },
    { key: Emitters.LOGFIRE_USAGE_RAW, keep: true, read: nestedTokens('cache_read_input_tokens') },
    {
      key: Emitters.LOGFIRE_USAGE_RAW,
      keep: true,
      read: nestedTokens('prompt_tokens_details', 'cached_tokens'),
    },
  ),
  cacheWrite: field(
    tokens,
    GenAi.USAGE_CACHE_CREATION_INPUT_TOKENS,
    Foreign.ANTHROPIC_CACHE_WRITE_INPUT_TOKENS,
    Deprecated.USAGE_CACHE_CREATION_INPUT_TOKENS,
    Foreign.OPENLIT_CACHE_WRITE,
    AiSdk.USAGE_INPUT_CACHE_WRITE_TOKENS,
    OpenInference.TOKEN_COUNT_CACHE_WRITE,
    { key: Emitters.LANGSMITH_INPUT_TOKEN_DETAILS, read: nestedTokens('cache_creation') },
    {
      key: Emitters.LOGFIRE_USAGE_RAW,
      keep: true,
      read: nestedTokens('cache_creation_input_tokens'),
    },
  ),
  cacheWrite5m: field(tokens, Foreign.ANTHROPIC_CACHE_WRITE_5M, Emitters.MASTRA_CACHE_WRITE_5M),
  cacheWrite1h: field(tokens, Foreign.ANTHROPIC_CACHE_WRITE_1H, Emitters.MASTRA_CACHE_WRITE_1H),
  reasoning: field(
    tokens,
    GenAi.USAGE_REASONING_OUTPUT_TOKENS,
    Foreign.OPENLIT_REASONING_TOKENS,
    AiSdk.USAGE_OUTPUT_REASONING_TOKENS,
    AiSdk.USAGE_REASONING_TOKENS,
    OpenInference.TOKEN_COUNT_REASONING,
    Emitters.PYDANTIC_AI_REASONING_TOKENS,
    { key: Emitters.LANGSMITH_OUTPUT_TOKEN_DETAILS, read: nestedTokens('reasoning') },
  ),
  costNanos: field(
    usd,
    Agentmeter.COST_USD,
    GenAi.USAGE_COST,
    Foreign.LITELLM_TOTAL_COST,
    OpenInference.COST_TOTAL,
    Emitters.OPERATION_COST,
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
  errorType: field(errorType, GenAi.ERROR_TYPE),
  errorCategory: field(text, Agentmeter.ERROR_CATEGORY),
  finishReasons: field(
    list,
    GenAi.RESPONSE_FINISH_REASONS,
    Emitters.SK_FINISH_REASON,
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
      read: (v) => member(v, 'stream') === true,
    },
    Emitters.LITELLM_IS_STREAMING,
    Emitters.LANGSMITH_STREAMING,
  ),
  ttftMs: field(
    ms,
    Agentmeter.TIME_TO_FIRST_TOKEN_MS,
    { key: GenAi.RESPONSE_TIME_TO_FIRST_CHUNK, read: secondsAsMs },
    { key: Foreign.OPENLIT_TTFT, read: secondsAsMs },
    AiSdk.RESPONSE_MS_TO_FIRST_CHUNK,
    { key: Emitters.PYDANTIC_AI_TIME_TO_FIRST_CHUNK, read: secondsAsMs },
    { key: Emitters.MASTRA_COMPLETION_START_TIME, read: (v, _k, _s, ctx) => msSinceStart(v, ctx) },
  ),
  cacheHit: field(flag, Agentmeter.RESPONSE_CACHE_HIT),
  cacheSavedNanos: field(usd, Agentmeter.RESPONSE_CACHE_SAVED_USD),
  quotaDecision: field(text, Agentmeter.QUOTA_DECISION),
  budgetDecision: field(text, Agentmeter.BUDGET_DECISION),
  budgetId: field(text, Agentmeter.BUDGET_ID),
  rateLimitDecision: field(text, Agentmeter.RATE_LIMIT_DECISION),
  project: field(text, Agentmeter.PROJECT, Emitters.LITELLM_TEAM_ALIAS, Emitters.LITELLM_TEAM_ID),
  user: field(
    text,
    Agentmeter.USER,
    Foreign.USER_ID,
    Foreign.OPENLIT_REQUEST_USER,
    AiSdk.TELEMETRY_USER_ID,
    Emitters.LANGSMITH_USER_ID,
    Emitters.LITELLM_END_USER_ID,
    Emitters.LITELLM_USER,
    Emitters.LITELLM_USER_ID,
  ),
  agent: field(text, Agentmeter.AGENT, GenAi.AGENT_NAME),
  workflow: field(
    text,
    Agentmeter.WORKFLOW,
    Foreign.TRACELOOP_WORKFLOW_NAME,
    AiSdk.TELEMETRY_FUNCTION_ID,
  ),
  conversation: field(
    text,
    GenAi.CONVERSATION_ID,
    Foreign.SESSION_ID,
    AiSdk.TELEMETRY_SESSION_ID,
    Emitters.LANGSMITH_SESSION_ID,
    Emitters.LANGSMITH_THREAD_ID,
  ),
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

/** A spelling resolved once: its field, its rank there (0 = highest) and how to read it. */
interface CompiledSpelling {
  field: number;
  rank: number;
  key: string;
  read: (v: AttributeValue, key: string, sink: ProblemSink, ctx: SpanContext) => unknown;
}

const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];
const COMPILED: CompiledSpelling[][] = FIELD_NAMES.map((name, field) => {
  const f = FIELDS[name] as Field<unknown>;
  return spellingsOf(f).map((s, rank) => ({
    field,
    rank,
    key: s.key,
    read: s.read ?? ((v, key, sink) => f.read(v, key, sink)),
  }));
});
/** Every field absent: copied per span, so each row's fields share one object shape. */
const NO_FIELDS = Object.fromEntries(FIELD_NAMES.map((name) => [name, undefined])) as Record<
  FieldName,
  unknown
>;
/** Attribute key → the spellings it is (a key may spell several fields). */
const BY_KEY = new Map<string, CompiledSpelling[]>();
for (const spelling of COMPILED.flat()) {
  BY_KEY.set(spelling.key, [...(BY_KEY.get(spelling.key) ?? []), spelling]);
}

/**
 * Reads every field from a span's attributes; problems go to `sink`. One pass over the span's
 * attributes finds each field's highest-ranked key present; only when its value is unreadable
 * are the field's other spellings tried, in order.
 */
export function readFields(ctx: SpanContext, sink: ProblemSink): SpanFields {
  const { attributes } = ctx;
  const best: (CompiledSpelling | undefined)[] = new Array(FIELD_NAMES.length);
  for (const key in attributes) {
    const spellings = BY_KEY.get(key);
    if (spellings === undefined) continue;
    for (const s of spellings) {
      const current = best[s.field];
      if (current === undefined || s.rank < current.rank) best[s.field] = s;
    }
  }
  const out = { ...NO_FIELDS };
  for (let field = 0; field < FIELD_NAMES.length; field++) {
    const first = best[field];
    if (first === undefined) continue;
    let value = first.read(attributes[first.key]!, first.key, sink, ctx);
    for (const s of COMPILED[field]!) {
      if (value !== undefined) break;
      const v = s.rank > first.rank ? attributes[s.key] : undefined;
      if (v !== undefined) value = s.read(v, s.key, sink, ctx);
    }
    if (value !== undefined) out[FIELD_NAMES[field]!] = value;
  }
  return out as SpanFields;
}
