/**
 * How a rule's window is read from the rollups, for the statements that read windows
 * (`window-sums.ts`, `window-quantiles.ts`): one or more windows of equal length in one
 * statement, told apart by `w`.
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
import { MEASURES, Tables } from '@agentmeter/schema';
import type { Leaf } from './formula.js';
import type { Dimension } from './metrics.js';
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

/** What one or more rules read of a statement's windows: the series of `groupBy` within `where`. */
export interface Scope {
  /** Indexes of the statement's windows it reads. */
  readonly windows: readonly number[];
  readonly where: Filter;
  readonly groupBy: readonly Dimension[];
  /** Share metrics: what is counted, within `where`. */
  readonly part: Filter | undefined;
  /** The leaves its rules read. */
  readonly leaves: readonly Leaf[];
}

/** The dimensions a scope reads: its own, and `error_category` for errors of a category. */
export function dimensionsOf(scope: Scope): Dimension[] {
  return [
    ...scope.groupBy,
    ...(Object.keys(scope.where) as Dimension[]),
    ...(Object.keys(scope.part ?? {}) as Dimension[]),
    ...(scope.leaves.some((l) => l.op === 'errors') ? (['error_category'] as const) : []),
  ];
}

export interface Statement {
  readonly query: string;
  readonly params: Record<string, unknown>;
}

/**
 * The rows of `windows` (all of one length), each window's parts tagged `w` = its index:
 * `SELECT toUInt16(w) AS w, <columns(w)> FROM <rollup> WHERE <time>`, joined by UNION ALL; a
 * window whose `columns` are undefined is not read. Each window has its own select list, so
 * that what is read of it is only what its rules need. Binds `s<w>` and `e<w>` in `params`.
 */
export function windowRows(
  database: string,
  windows: readonly TimeWindow[],
  columns: (w: number) => readonly string[] | undefined,
  params: Record<string, unknown>,
): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`invalid database name: ${database}`);
  }
  const first = windows[0]!;
  const coarsest = coarsestLevel(first.end - first.start);
  return windows
    .flatMap((w, i) => {
      const select = columns(i);
      if (select === undefined) return [];
      params[`s${i}`] = w.start / 1000;
      params[`e${i}`] = w.end / 1000;
      return timeParts(i, coarsest).map(
        ({ table, time }) =>
          `SELECT ${[`toUInt16(${i}) AS w`, ...select].join(', ')} FROM ${database}.${table}\nWHERE ${time}`,
      );
    })
    .join('\nUNION ALL\n');
}

/** `sum(<measure>)`, money as an integer count of its smallest unit (exact in JSON and JS). */
export function sumSql(measure: string): string {
  const scale = scaleOf(measure);
  return scale === 1 ? `sum(${measure})` : `toString(toInt64(sum(${measure}) * ${scale}))`;
}

/** A `sumSql` result as the measure's number (money in its unit, as `toFloat64` gives it). */
export function sumValue(measure: string, raw: number): number {
  const scale = scaleOf(measure);
  return scale === 1 ? raw : raw / scale;
}

const DECIMAL = /^Decimal\(\d+,\s*(\d+)\)$/;

/** Each sum measure's unit in `sumSql`'s integers: 10^scale for a Decimal, else 1. */
const SCALES = new Map(
  MEASURES.map((m) => {
    const scale = DECIMAL.exec(m.type)?.[1];
    return [m.name, scale === undefined ? 1 : 10 ** Number(scale)];
  }),
);

function scaleOf(measure: string): number {
  const scale = SCALES.get(measure);
  if (scale === undefined) throw new Error(`not a rollup measure: ${measure}`);
  return scale;
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
