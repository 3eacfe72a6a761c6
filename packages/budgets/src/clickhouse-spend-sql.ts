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

/** Rollup column of each scope read from the rollups. */
export const ROLLUP_COLUMN = {
  project: 'project',
  agent: 'agent',
  workflow: 'workflow',
  model: 'request_model',
} as const satisfies Partial<Record<Scope, keyof LlmSpanRow>>;

/** The per-user rollups' column of scope `user`. */
const USER_COLUMN = 'user_id' satisfies (typeof USER_ROLLUP_DIMENSIONS)[number];

/** The column a scope's value is read from ('' for global). */
const scopeColumn = (scope: Scope): string =>
  scope === 'global' ? "''" : scope === 'user' ? USER_COLUMN : ROLLUP_COLUMN[scope];

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
  // Groups over the same window and tables share their scans (the engine's planning time grows
  // with every scan of a statement): each row is counted toward each of them it is in.
  const shared = new Map<string, { window: number; levels: Levels; members: number[] }>();
  groups.forEach((group, i) => {
    const levels = group.scope === 'user' ? USER_LEVELS : LADDER_LEVELS;
    const key = `${group.start} ${group.end} ${levels.day}`;
    let scans = shared.get(key);
    if (!scans) {
      const window = shared.size;
      params[`s${window}`] = group.start;
      params[`e${window}`] = group.end;
      shared.set(key, (scans = { window, levels, members: [] }));
    }
    scans.members.push(i);
    if (group.values !== null && group.scope !== 'global') params[`v${i}`] = [...group.values];
  });
  const parts = [...shared.values()].map(({ window, levels, members }) => {
    const counted = members.map((i) => {
      const value = scopeColumn(groups[i]!.scope);
      const entry = `[tuple(toUInt32(${i}), toString(${value}))]`;
      return params[`v${i}`] === undefined
        ? entry
        : `if(${value} IN {v${i}:Array(String)}, ${entry}, [])`;
    });
    const columns = members.map((i) => scopeColumn(groups[i]!.scope));
    return levelParts(database, window, groups[members[0]!]!, columns, counted, levels);
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

/**
 * Window `w`'s spend of every group counted: a scan per level (the column `cost_usd` and the
 * scope columns), each row repeated once per group it counts toward (ARRAY JOIN over the
 * scan, which keeps the engine free to read a projection).
 */
function levelParts(
  db: string,
  w: number,
  window: Pick<SpendGroup, 'start' | 'end'>,
  columns: readonly string[],
  counted: readonly string[],
  levels: Levels,
): string {
  const inside = (bucketStart: string, size: string): string =>
    `(${bucketStart} >= ${windowStart(w)} AND ${bucketStart} + INTERVAL 1 ${size} <= ${windowEnd(w)})`;
  const read = [...new Set(columns.filter((c) => c !== "''"))];
  const part = (table: string, where: string): string =>
    `SELECT gv.1 AS g, gv.2 AS v, sum(cost_usd) AS usd FROM (
    SELECT ${['cost_usd', ...read].join(', ')} FROM ${db}.${table}
    WHERE ${where}
  )
  ARRAY JOIN arrayConcat(${counted.join(', ')}) AS gv
  GROUP BY g, v`;
  const holds = (unit: 'HOUR' | 'DAY') => mayHoldWholeBucket(window.start, window.end, unit);
  const { finest } = levels;
  return [
    holds('DAY') && part(levels.day, inside('bucket', 'DAY')),
    holds('HOUR') &&
      part(
        levels.hour,
        `${inside('bucket', 'HOUR')} AND NOT ${inside('toStartOfDay(bucket)', 'DAY')}`,
      ),
    part(
      finest.table,
      `${finest.inWindow(w)} AND NOT ${inside(`toStartOfHour(${finest.time})`, 'HOUR')}`,
    ),
  ]
    .filter((p) => p !== false)
    .join('\nUNION ALL\n');
}
