/**
 * The `llm_spans` row: one typed column per field of the span contract (DESIGN.md).
 * This interface is the JSONEachRow shape the ingester inserts; the DDL in `tables.ts`
 * declares the same names. Keep the two in step (a test compares them).
 */
export interface LlmSpanRow {
  /** Span start, nanoseconds since the epoch, as a decimal string (DateTime64(9) parses it). */
  timestamp: string;
  duration_ms: number;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  span_name: string;
  span_kind: string;
  service_name: string;
  service_version: string;
  environment: string;
  scope_name: string;
  resource_attributes: Record<string, string>;
  operation: string;
  provider: string;
  request_model: string;
  response_model: string;
  category: string;
  category_source: string;
  strategy: string;
  role: string;
  attempt: number;
  escalated: boolean;
  escalated_from: string;
  escalation_reason: string;
  status: 'ok' | 'error';
  error_type: string;
  error_category: string;
  status_message: string;
  finish_reasons: string[];
  is_stream: boolean;
  time_to_first_token_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  reasoning_tokens: number;
  /** Decimal(18, 9) USD as an exact decimal string. */
  cost_usd: string;
  cost_input_usd: string;
  cost_output_usd: string;
  cost_cache_read_usd: string;
  cost_cache_write_usd: string;
  cost_source: 'span' | 'catalog' | 'unpriced';
  price_version: string;
  response_cache_hit: boolean;
  cache_saved_usd: string;
  quota_decision: string;
  budget_decision: string;
  budget_id: string;
  rate_limit_decision: string;
  project: string;
  user_id: string;
  agent: string;
  workflow: string;
  conversation_id: string;
  attributes: Record<string, string>;
}

/** Every `LlmSpanRow` field in insert order (the ingester inserts JSONCompactEachRow rows in this order). */
export const LLM_SPAN_COLUMNS = [
  'timestamp',
  'duration_ms',
  'trace_id',
  'span_id',
  'parent_span_id',
  'span_name',
  'span_kind',
  'service_name',
  'service_version',
  'environment',
  'scope_name',
  'resource_attributes',
  'operation',
  'provider',
  'request_model',
  'response_model',
  'category',
  'category_source',
  'strategy',
  'role',
  'attempt',
  'escalated',
  'escalated_from',
  'escalation_reason',
  'status',
  'error_type',
  'error_category',
  'status_message',
  'finish_reasons',
  'is_stream',
  'time_to_first_token_ms',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_5m_tokens',
  'cache_write_1h_tokens',
  'reasoning_tokens',
  'cost_usd',
  'cost_input_usd',
  'cost_output_usd',
  'cost_cache_read_usd',
  'cost_cache_write_usd',
  'cost_source',
  'price_version',
  'response_cache_hit',
  'cache_saved_usd',
  'quota_decision',
  'budget_decision',
  'budget_id',
  'rate_limit_decision',
  'project',
  'user_id',
  'agent',
  'workflow',
  'conversation_id',
  'attributes',
] as const satisfies readonly (keyof LlmSpanRow)[];

// Compile-time check that the list names every field: adding a field to LlmSpanRow without
// listing it here fails the build.
type Missing = Exclude<keyof LlmSpanRow, (typeof LLM_SPAN_COLUMNS)[number]>;
const everyColumnListed: [Missing] extends [never] ? true : Missing = true;
void everyColumnListed;

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

/** Quantile levels kept in every latency state; the views expose them as p50/p90/p95/p99. */
export const QUANTILE_LEVELS = [0.5, 0.9, 0.95, 0.99] as const;
