/**
 * The queries only the reports run: what no dashboard panel shows. Values are bound
 * (`{name:Type}`); the period is `[from, to)` in epoch milliseconds (`DateTime64(3)`).
 */
import { CategorySource } from '@agentmeter/conventions';
import { Tables } from '@agentmeter/schema';

/** Parameters every report query binds. */
export interface PeriodParams {
  readonly database: string;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
}

const IN_PERIOD =
  'timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND timestamp < fromUnixTimestamp64Milli({to:Int64})';

/**
 * Seed 000's review sample: random calls whose category was detected, one row per routed call
 * (the provider-call spans of one `complete()` share their parent and category; its first span
 * stands for it). The order is a hash salted with `seed`, so one seed gives one sample.
 */
export const REVIEW_SAMPLE = {
  sql: `SELECT span_id, trace_id, toString(timestamp, 'UTC') AS started_at, service_name, project, workflow,
  agent, provider, request_model, strategy, category AS detected_category
FROM {database:Identifier}.${Tables.SPANS}
WHERE category_source = {source:String} AND ${IN_PERIOD}
ORDER BY cityHash64(trace_id, parent_span_id, category, {seed:UInt64}), timestamp, span_id
LIMIT 1 BY trace_id, parent_span_id, category
LIMIT {size:UInt32}`,
  params: (p: PeriodParams & { seed: bigint; size: number }) => ({
    database: p.database,
    from: p.from,
    to: p.to,
    source: CategorySource.DETECTED,
    seed: p.seed.toString(),
    size: p.size,
  }),
};
