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
 * whatever the server's time zone. `user` is not a dimension of that ladder: it reads the
 * per-user rollups the same way, `llm_usage_users_1d` then `_1h`, and only the spans of
 * partial hours from `llm_spans` (which keeps 7 days by default: a month of a user's spend
 * read from it alone came up short).
 */
import {
  mayHoldWholeBucket,
  Tables,
  type LlmSpanRow,
  type USER_ROLLUP_DIMENSIONS,
} from '@agentmeter/schema';
import type { Scope } from './scope.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Rollup column of each scope read from the rollups. */
export const ROLLUP_COLUMN = {
  project: 'project',
  agent: 'agent',
  workflow: 'workflow',
  model: 'request_model',
} as const satisfies Partial<Record<Scope, keyof LlmSpanRow>>;

/** The per-user rollups' column of scope `user`. */
const USER_COLUMN = 'user_id' satisfies (typeof USER_ROLLUP_DIMENSIONS)[number];

const ladderColumn = (scope: Exclude<Scope, 'user'>): string =>
  scope === 'global' ? "''" : ROLLUP_COLUMN[scope];

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
      ? levelParts(database, i, group, USER_COLUMN, filter, USER_LEVELS)
      : levelParts(database, i, group, ladderColumn(group.scope), filter, LADDER_LEVELS);
  });
  const query = `SELECT g, v, toString(toInt64(sum(usd) * 1000000000)) AS nanos
FROM (
${parts.join('\nUNION ALL\n')}
)
GROUP BY g, v`;
  return { query, params };
}

/**
 * The tables a scope's spend is read from: whole days, whole hours of partial days, and the
 * finest table for the rest of the window, its rows placed in hours by their `time` column.
 */
interface Levels {
  day: string;
  hour: string;
  finest: { table: string; time: string; inWindow: (i: number) => string };
}

const LADDER_LEVELS: Levels = {
  day: Tables.USAGE_1D,
  hour: Tables.USAGE_1H,
  finest: {
    table: Tables.USAGE_1M,
    time: 'bucket',
    inWindow: (i) => `bucket >= ${windowStart(i)} AND bucket < ${windowEnd(i)}`,
  },
};

// Spans are read to the millisecond, as before the per-user rollups existed.
const USER_LEVELS: Levels = {
  day: Tables.USAGE_USERS_1D,
  hour: Tables.USAGE_USERS_1H,
  finest: {
    table: Tables.SPANS,
    time: 'timestamp',
    inWindow: (i) =>
      `timestamp >= fromUnixTimestamp64Milli({s${i}:Int64}) AND timestamp < fromUnixTimestamp64Milli({e${i}:Int64})`,
  },
};

const windowStart = (i: number): string => `toDateTime(intDiv({s${i}:Int64}, 1000))`;
const windowEnd = (i: number): string => `toDateTime(intDiv({e${i}:Int64}, 1000))`;

function levelParts(
  db: string,
  i: number,
  window: Pick<SpendGroup, 'start' | 'end'>,
  column: string,
  filter: string,
  levels: Levels,
): string {
  const inside = (bucketStart: string, size: string): string =>
    `(${bucketStart} >= ${windowStart(i)} AND ${bucketStart} + INTERVAL 1 ${size} <= ${windowEnd(i)})`;
  const part = (table: string, where: string): string =>
    `SELECT toUInt32(${i}) AS g, ${column} AS v, sum(cost_usd) AS usd FROM ${db}.${table}
  WHERE ${where}${filter}
  GROUP BY v`;
  const holds = (ms: number) => mayHoldWholeBucket(window.start, window.end, ms);
  const { finest } = levels;
  return [
    holds(DAY_MS) && part(levels.day, inside('bucket', 'DAY')),
    holds(HOUR_MS) &&
      part(
        levels.hour,
        `${inside('bucket', 'HOUR')} AND NOT ${inside('toStartOfDay(bucket)', 'DAY')}`,
      ),
    part(
      finest.table,
      `${finest.inWindow(i)} AND NOT ${inside(`toStartOfHour(${finest.time})`, 'HOUR')}`,
    ),
  ]
    .filter((p) => p !== false)
    .join('\nUNION ALL\n');
}
