/**
 * The queries only the reports run: what no dashboard panel shows. Tables are named as the
 * catalogue names them (`sql.ts`); values are bound (`{name:Type}`), the period as `[from, to)`
 * in epoch milliseconds.
 */
import { CategorySource } from '@agentmeter/conventions';
import { BEST_FIRST } from '@agentmeter/conventions';
import { SPANS } from '../sql.js';
import type { Period } from './panels.js';

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
FROM ${SPANS}
WHERE category_source = {source:String} AND ${IN_PERIOD}
ORDER BY cityHash64(trace_id, parent_span_id, category, {seed:UInt64}), timestamp, span_id
LIMIT 1 BY trace_id, parent_span_id, category
LIMIT {size:UInt32}`,
  params: (p: Period & { seed: bigint; size: number }) => ({
    from: p.from,
    to: p.to,
    source: CategorySource.DETECTED,
    seed: p.seed.toString(),
    size: p.size,
  }),
};

/**
 * Seed 000's immediate trigger ">50% escalation rate for best_first category": the dashboard's
 * escalation panel leaves best_first out (the routing client never escalates it), so only the
 * report looks for spans of other emitters that did. `rollup` is the level the panels read.
 */
export const BEST_FIRST_ESCALATION = {
  sql: `SELECT category, sum(escalations) AS escalated_calls, sum(requests) AS calls,
  escalated_calls / calls AS escalation_rate
FROM {database:Identifier}.{rollup:Identifier}
WHERE strategy = {strategy:String}
  AND bucket >= fromUnixTimestamp64Milli({from:Int64}) AND bucket < fromUnixTimestamp64Milli({to:Int64})
GROUP BY category HAVING escalated_calls > 0 ORDER BY escalation_rate DESC`,
  params: (p: Period & { database: string; rollup: string }) => ({ ...p, strategy: BEST_FIRST }),
};
