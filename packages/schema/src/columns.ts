/**
 * The `llm_spans` contract, spelled once: every column with its ClickHouse type, the TypeScript
 * type of its insert value and the schema version that added it. The row type the ingester
 * inserts (`LlmSpanRow`), the insert column list (`LLM_SPAN_COLUMNS`) and the DDL of every schema
 * version are all derived from this table, so they cannot drift apart.
 */
import type { CostSourceValue, UnpricedReasonValue } from '@agentmeter/conventions';

/** Phantom values naming each column's TypeScript type (never read at run time). */
const T = {
  string: '' as string,
  number: 0 as number,
  nullableNumber: null as number | null,
  boolean: false as boolean,
  strings: [] as string[],
  map: {} as Record<string, string>,
  /** Decimal(18, 9) USD as an exact decimal string. */
  usd: '' as string,
  status: 'ok' as 'ok' | 'error',
  costSource: 'span' as CostSourceValue,
  unpricedReason: '' as UnpricedReasonValue | '',
};

interface Column<N extends string, V> {
  readonly name: N;
  /** Type and codec, as in `CREATE TABLE`. */
  readonly ddl: string;
  /** Schema version that added the column (1: the first). */
  readonly since: number;
  /** Phantom: the TypeScript type of the column's insert value. */
  readonly value: V;
}

function column<N extends string, V>(
  name: N,
  ddl: string,
  value: V,
  options: { since?: number } = {},
): Column<N, V> {
  return { name, ddl, since: options.since ?? 1, value };
}

/** Every `llm_spans` column the ingester inserts, in insert (and table) order. */
export const SPAN_COLUMNS = [
  /** Span start, nanoseconds since the epoch, as a decimal string (DateTime64(9) parses it). */
  column('timestamp', 'DateTime64(9) CODEC(Delta(8), ZSTD(1))', T.string),
  column('duration_ms', 'Float64 CODEC(ZSTD(1))', T.number),
  column('trace_id', 'String CODEC(ZSTD(1))', T.string),
  column('span_id', 'String CODEC(ZSTD(1))', T.string),
  column('parent_span_id', 'String CODEC(ZSTD(1))', T.string),
  column('span_name', 'LowCardinality(String)', T.string),
  column('span_kind', 'LowCardinality(String)', T.string),
  column('service_name', 'LowCardinality(String)', T.string),
  column('service_version', 'LowCardinality(String)', T.string),
  column('environment', 'LowCardinality(String)', T.string),
  column('scope_name', 'LowCardinality(String)', T.string),
  column('resource_attributes', 'Map(LowCardinality(String), String) CODEC(ZSTD(1))', T.map),
  column('operation', 'LowCardinality(String)', T.string),
  column('provider', 'LowCardinality(String)', T.string),
  column('request_model', 'LowCardinality(String)', T.string),
  column('response_model', 'LowCardinality(String)', T.string),
  column('category', 'LowCardinality(String)', T.string),
  column('category_source', 'LowCardinality(String)', T.string),
  column('strategy', 'LowCardinality(String)', T.string),
  column('role', 'LowCardinality(String)', T.string),
  column('attempt', 'UInt16', T.number),
  column('escalated', 'Bool', T.boolean),
  column('escalated_from', 'LowCardinality(String)', T.string),
  column('escalation_reason', 'LowCardinality(String)', T.string),
  column('status', 'LowCardinality(String)', T.status),
  column('error_type', 'LowCardinality(String)', T.string),
  column('error_category', 'LowCardinality(String)', T.string),
  column('status_message', 'String CODEC(ZSTD(1))', T.string),
  column('finish_reasons', 'Array(LowCardinality(String))', T.strings),
  column('is_stream', 'Bool', T.boolean),
  column('time_to_first_token_ms', 'Nullable(Float64)', T.nullableNumber),
  column('input_tokens', 'UInt64 CODEC(T64, ZSTD(1))', T.number),
  column('output_tokens', 'UInt64 CODEC(T64, ZSTD(1))', T.number),
  column('cache_read_tokens', 'UInt64 CODEC(T64, ZSTD(1))', T.number),
  column('cache_write_tokens', 'UInt64 CODEC(T64, ZSTD(1))', T.number),
  column('cache_write_5m_tokens', 'UInt64 CODEC(T64, ZSTD(1))', T.number),
  column('cache_write_1h_tokens', 'UInt64 CODEC(T64, ZSTD(1))', T.number),
  column('reasoning_tokens', 'UInt64 CODEC(T64, ZSTD(1))', T.number),
  /** Decimal(18, 9) USD as an exact decimal string. */
  column('cost_usd', 'Decimal(18, 9) CODEC(ZSTD(1))', T.usd),
  column('cost_input_usd', 'Decimal(18, 9) CODEC(ZSTD(1))', T.usd),
  column('cost_output_usd', 'Decimal(18, 9) CODEC(ZSTD(1))', T.usd),
  column('cost_cache_read_usd', 'Decimal(18, 9) CODEC(ZSTD(1))', T.usd),
  column('cost_cache_write_usd', 'Decimal(18, 9) CODEC(ZSTD(1))', T.usd),
  column('cost_source', 'LowCardinality(String)', T.costSource),
  column('price_version', 'LowCardinality(String)', T.string),
  column('unpriced_reason', 'LowCardinality(String)', T.unpricedReason, { since: 3 }),
  column('response_cache_hit', 'Bool', T.boolean),
  column('cache_saved_usd', 'Decimal(18, 9) CODEC(ZSTD(1))', T.usd),
  column('quota_decision', 'LowCardinality(String)', T.string),
  column('budget_decision', 'LowCardinality(String)', T.string),
  /** The budget that blocked, downgraded or alerted the call (schema v2). */
  column('budget_id', 'LowCardinality(String)', T.string, { since: 2 }),
  column('rate_limit_decision', 'LowCardinality(String)', T.string),
  column('project', 'LowCardinality(String)', T.string),
  column('user_id', 'String CODEC(ZSTD(1))', T.string),
  column('agent', 'LowCardinality(String)', T.string),
  column('workflow', 'LowCardinality(String)', T.string),
  column('conversation_id', 'String CODEC(ZSTD(1))', T.string),
  column('attributes', 'Map(LowCardinality(String), String) CODEC(ZSTD(1))', T.map),
] as const;

/**
 * Columns the server fills (`DEFAULT`), after the inserted ones; never in an insert.
 * `ingested_at` is when the row was stored: the de-duplicator's memory is seeded from it.
 */
export const SPAN_SERVER_COLUMNS = [
  { name: 'ingested_at', ddl: 'DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(1))', since: 1 },
] as const;

type SpanColumn = (typeof SPAN_COLUMNS)[number];

/** The `llm_spans` row as the ingester inserts it (JSONCompactEachRow values in column order). */
export type LlmSpanRow = { [C in SpanColumn as C['name']]: C['value'] };

/** Every `LlmSpanRow` field in insert order. */
export const LLM_SPAN_COLUMNS = SPAN_COLUMNS.map((c) => c.name) as readonly SpanColumn['name'][];

/** Rollup dimensions, shared by the three rollup levels and their views (order = ORDER BY). */
export const ROLLUP_DIMENSIONS = [
  'project',
  'service_name',
  'environment',
  'provider',
  'request_model',
  'response_model',
  'category',
  'category_source',
  'strategy',
  'role',
  'operation',
  'agent',
  'workflow',
  'error_category',
] as const satisfies readonly (keyof LlmSpanRow)[];

/** Dimensions of the per-user rollups (schema v5), in ORDER BY order after `project, bucket`. */
export const USER_ROLLUP_DIMENSIONS = [
  'project',
  'user_id',
] as const satisfies readonly (keyof LlmSpanRow)[];

/** Quantile levels kept in every latency state; the views expose them as p50/p90/p95/p99. */
export const QUANTILE_LEVELS = [0.5, 0.9, 0.95, 0.99] as const;
