/**
 * The one statement the ClickHouse ledger runs: period-to-date cost per scope value for a set
 * of (scope, window) groups, in integer nano-USD.
 *
 * Rollup level by alignment, not freshness: the materialized views cascade on every insert,
 * so `llm_usage_1d` is as current as `llm_usage_1m`. What differs is the bucket size. A bucket
 * is read at the coarsest level whose whole bucket lies inside the window: whole days from
 * `_1d`, the hours of partial days from `_1h`, the minutes of partial hours from `_1m` (a
 * budget in Asia/Kolkata starts at :30 UTC, Pacific/Chatham at :15 or :45). Each level's test
 * uses the same `toStartOfDay`/`toStartOfHour` as the views, so the three parts never overlap
 * whatever the server's time zone. `user` is not a rollup dimension: it is read from `llm_spans`.
 */
import { Tables, type LlmSpanRow } from '@agentmeter/schema';
import type { Scope } from './scope.js';

/** Rollup column of each scope read from the rollups. */
export const ROLLUP_COLUMN = {
  project: 'project',
  agent: 'agent',
  workflow: 'workflow',
  model: 'request_model',
} as const satisfies Partial<Record<Scope, keyof LlmSpanRow>>;

export interface SpendGroup {
  readonly scope: Scope;
  readonly start: number;
  readonly end: number;
  /** Values to read; null reads them all. */
  readonly values: ReadonlySet<string> | null;
}

export interface SpendStatement {
  query: string;
  params: Record<string, unknown>;
}

/** Rows come back as `{ g: group index, v: scope value ('' for global), nanos: Int64 text }`. */
export function spendStatement(database: string, groups: readonly SpendGroup[]): SpendStatement {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
    throw new Error(`invalid database name: ${database}`);
  const params: Record<string, unknown> = {};
  const parts = groups.map((group, i) => {
    params[`s${i}`] = group.start;
    params[`e${i}`] = group.end;
    let filter = '';
    if (group.values !== null && group.scope !== 'global') {
      params[`v${i}`] = [...group.values];
      filter = ` AND v IN {v${i}:Array(String)}`;
    }
    return group.scope === 'user'
      ? spansPart(database, i, filter)
      : rollupParts(
          database,
          i,
          group.scope === 'global' ? "''" : ROLLUP_COLUMN[group.scope],
          filter,
        );
  });
  const query = `SELECT g, v, toString(toInt64(sum(usd) * 1000000000)) AS nanos
FROM (
${parts.join('\nUNION ALL\n')}
)
GROUP BY g, v`;
  return { query, params };
}

function spansPart(db: string, i: number, filter: string): string {
  return `SELECT toUInt32(${i}) AS g, user_id AS v, sum(cost_usd) AS usd FROM ${db}.${Tables.SPANS}
  WHERE timestamp >= fromUnixTimestamp64Milli({s${i}:Int64}) AND timestamp < fromUnixTimestamp64Milli({e${i}:Int64})${filter}
  GROUP BY v`;
}

function rollupParts(db: string, i: number, column: string, filter: string): string {
  const S = `toDateTime(intDiv({s${i}:Int64}, 1000))`;
  const E = `toDateTime(intDiv({e${i}:Int64}, 1000))`;
  const inside = (bucketStart: string, size: string): string =>
    `(${bucketStart} >= ${S} AND ${bucketStart} + INTERVAL 1 ${size} <= ${E})`;
  const part = (table: string, where: string): string =>
    `SELECT toUInt32(${i}) AS g, ${column} AS v, sum(cost_usd) AS usd FROM ${db}.${table}
  WHERE ${where}${filter}
  GROUP BY v`;
  return [
    part(Tables.USAGE_1D, inside('bucket', 'DAY')),
    part(
      Tables.USAGE_1H,
      `${inside('bucket', 'HOUR')} AND NOT ${inside('toStartOfDay(bucket)', 'DAY')}`,
    ),
    part(
      Tables.USAGE_1M,
      `bucket >= ${S} AND bucket < ${E} AND NOT ${inside('toStartOfHour(bucket)', 'HOUR')}`,
    ),
  ].join('\nUNION ALL\n');
}
