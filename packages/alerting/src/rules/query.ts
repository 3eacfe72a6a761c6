/**
 * The one statement a threshold or anomaly rule runs per evaluation: its metric per series
 * (`GROUP BY` the rule's `group_by`, never a query per series) for one or more windows (an
 * anomaly's baseline windows ride in the same statement, told apart by `w`).
 *
 * A window is `(now − window, now]` in whole minutes: the minute buckets from the first after
 * `now − window` to the one holding `now`, which is still filling and included, so the newest
 * spans count (ingest lag aside). It reads each bucket once, at the coarsest rollup whose whole
 * bucket lies inside the window (the rule of `@agentmeter/budgets`' spend query): whole days
 * from `llm_usage_1d`, the other whole hours from `llm_usage_1h`, the minutes at the edges
 * from `llm_usage_1m`, so a window of any length is exact to the minute and a long one reads
 * few rows. How coarse a window may go is capped by its length: 1m under an hour, 1h under
 * three days, 1d beyond. The boundary tests use the views' own `toStartOfDay`/`toStartOfHour`,
 * so the parts never overlap whatever the server's time zone. Every value is a bound parameter;
 * column names come from the validated rule.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { Tables } from '@agentmeter/schema';
import { METRICS, type Dimension, type MetricName } from './metrics.js';
import type { Filter } from './rule.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Minute-aligned `[start, end)`, epoch ms. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** The minute buckets of `(now − window, now]`, the filling minute included. */
export function windowEndingAt(nowMs: number, windowMs: number): TimeWindow {
  const end = Math.floor(nowMs / MINUTE) * MINUTE + MINUTE;
  return { start: end - windowMs, end };
}

/** The window `shiftMs` earlier. */
export function shifted(w: TimeWindow, shiftMs: number): TimeWindow {
  return { start: w.start - shiftMs, end: w.end - shiftMs };
}

/** Rollup tables finest first, with the bucket each holds. */
const LEVELS = [
  { table: Tables.USAGE_1M, unit: 'MINUTE', start: 'toStartOfMinute' },
  { table: Tables.USAGE_1H, unit: 'HOUR', start: 'toStartOfHour' },
  { table: Tables.USAGE_1D, unit: 'DAY', start: 'toStartOfDay' },
] as const;

/** Index in LEVELS of the coarsest rollup a window of this length reads. */
function coarsestLevel(windowMs: number): number {
  if (windowMs < HOUR) return 0;
  if (windowMs < 3 * DAY) return 1;
  return 2;
}

export interface MetricQuerySpec {
  readonly metric: MetricName;
  readonly where: Filter;
  readonly groupBy: readonly Dimension[];
  readonly part: Filter | undefined;
  /** Windows of equal length: `w` in the rows is the index here. */
  readonly windows: readonly TimeWindow[];
  /** How much of each window has elapsed, in ms (`now` − its start). */
  readonly elapsedMs: number;
}

export interface Statement {
  readonly query: string;
  readonly params: Record<string, unknown>;
}

export function metricStatement(database: string, spec: MetricQuerySpec): Statement {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`invalid database name: ${database}`);
  }
  const metric = METRICS[spec.metric];
  const params: Record<string, unknown> = { hours: spec.elapsedMs / HOUR };
  const where = conditions(spec.where, 'f', params);
  const part = spec.part ? conditions(spec.part, 'p', params).join(' AND ') : '1';
  const dimensions = unique([
    ...spec.groupBy,
    ...Object.keys(spec.part ?? {}),
    ...metric.dimensions,
  ]);
  const columns = unique([...dimensions, ...metric.measures, 'requests']).join(', ');
  const first = spec.windows[0]!;
  const coarsest = coarsestLevel(first.end - first.start);
  const parts = spec.windows.flatMap((w, i) => {
    params[`s${i}`] = w.start / 1000;
    params[`e${i}`] = w.end / 1000;
    return timeParts(i, coarsest).map(
      ({ table, time }) =>
        `  SELECT toUInt16(${i}) AS w, ${columns} FROM ${database}.${table}\n  WHERE ${[time, ...where].join(' AND ')}`,
    );
  });
  const keys = ['w', ...spec.groupBy].join(', ');
  const value = metric.sql({
    part,
    hours: '{hours:Float64}',
    total: (expr) => `sum(${expr}) OVER (PARTITION BY w)`,
  });
  const requests = metric.share ? `sumIf(requests, ${part})` : 'sum(requests)';
  const query = `SELECT ${keys}, if(isFinite(v), v, NULL) AS value, n AS requests, u AS in_use
FROM (
  SELECT ${keys}, toFloat64(${value}) AS v, toFloat64(${requests}) AS n, toUInt8(${metric.inUse ?? '1'}) AS u
  FROM (
${parts.join('\n  UNION ALL\n')}
  )
  GROUP BY ${keys}
)
WHERE n > 0`;
  return { query, params };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** `provider IN {f0:Array(String)}` per dimension of the filter. */
function conditions(filter: Filter, prefix: string, params: Record<string, unknown>): string[] {
  return Object.entries(filter).map(([column, values], i) => {
    params[`${prefix}${i}`] = values;
    return `${column} IN {${prefix}${i}:Array(String)}`;
  });
}

/** Each level's share of window `i`: buckets inside it whose coarser bucket is not. */
function timeParts(i: number, coarsest: number): { table: string; time: string }[] {
  const S = `fromUnixTimestamp({s${i}:Int64})`;
  const E = `fromUnixTimestamp({e${i}:Int64})`;
  const inside = (bucketStart: string, unit: string): string =>
    `(${bucketStart} >= ${S} AND ${bucketStart} + INTERVAL 1 ${unit} <= ${E})`;
  return LEVELS.slice(0, coarsest + 1).map((level, l) => {
    const time = [`bucket >= ${S} AND bucket < ${E}`];
    if (l > 0) time.push(inside('bucket', level.unit));
    const coarser = LEVELS[l + 1];
    if (l < coarsest && coarser)
      time.push(`NOT ${inside(`${coarser.start}(bucket)`, coarser.unit)}`);
    return { table: level.table, time: time.join(' AND ') };
  });
}

/** One series of one window. */
export interface SeriesRow {
  readonly w: number;
  readonly labels: Record<string, string>;
  /** Null when the metric has no value there (no streamed call for TTFT, a zero total for a share). */
  readonly value: number | null;
  readonly requests: number;
  /** The metric's `inUse` condition held. */
  readonly inUse: boolean;
}

export async function runMetricQuery(
  client: Pick<ClickHouseClient, 'query'>,
  database: string,
  spec: MetricQuerySpec,
): Promise<SeriesRow[]> {
  const { query, params } = metricStatement(database, spec);
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  const rows = await rs.json<Record<string, unknown>>();
  return rows.map((row) => ({
    w: Number(row.w),
    labels: Object.fromEntries(spec.groupBy.map((d) => [d, String(row[d])])),
    value: row.value === null ? null : Number(row.value),
    requests: Number(row.requests),
    inUse: Number(row.in_use) === 1,
  }));
}
