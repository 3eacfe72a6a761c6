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
import { mayHoldWholeBucket, MEASURES, Tables } from '@agentmeter/schema';
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
 * The rows of the windows the scopes read (of `windows`, all of one length), each tagged `w` = its
 * window's index. Windows that do not overlap are read together, one scan per rollup level:
 * `SELECT <w from bucket> AS w, <columns(among)> FROM <rollup> WHERE <time of each of among>`,
 * joined by UNION ALL (a trailing mean of 12 windows reads each level once, not 12 times).
 * `columns` may test `w` (see `ofWindows`), so that a window's rows carry only what its rules
 * read. Binds `s<w>` and `e<w>` in `params`.
 */
export function windowRows(
  database: string,
  windows: readonly TimeWindow[],
  scopes: readonly Pick<Scope, 'windows'>[],
  columns: (among: readonly number[]) => readonly string[],
  params: Record<string, unknown>,
): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`invalid database name: ${database}`);
  }
  const first = windows[0]!;
  const coarsest = coarsestLevel(first.end - first.start);
  const read = [...new Set(scopes.flatMap((s) => s.windows))];
  return disjointChains(windows, read)
    .flatMap((among) => {
      for (const i of among) {
        params[`s${i}`] = windows[i]!.start / 1000;
        params[`e${i}`] = windows[i]!.end / 1000;
      }
      const select = columns(among);
      const w = windowIndex(windows, among);
      return LEVELS.slice(0, coarsest + 1).flatMap((level, l) => {
        const time = levelTime(windows, among, l, coarsest);
        if (time.length === 0) return [];
        return `SELECT ${[`toUInt16(${w}) AS w`, ...select].join(', ')} FROM ${database}.${level.table}
WHERE ${time.length === 1 ? time[0] : time.map((t) => `(${t})`).join('\n  OR ')}`;
      });
    })
    .join('\nUNION ALL\n');
}

/**
 * The windows of a chain (in order, apart) as runs of windows each starting where the one
 * before ends (a trailing mean's baselines): the engine's planning time grows with every
 * condition of a statement, so a run is tested as one range and indexed by arithmetic.
 */
function runsOf(windows: readonly TimeWindow[], among: readonly number[]): number[][] {
  const runs: number[][] = [];
  for (const i of among) {
    const run = runs.at(-1);
    if (run && windows[run.at(-1)!]!.end === windows[i]!.start) run.push(i);
    else runs.push([i]);
  }
  return runs;
}

/** The SQL of a row's window: the run its bucket falls in, then its place in the run. */
function windowIndex(windows: readonly TimeWindow[], among: readonly number[]): string {
  const inRun = (run: readonly number[]): string => {
    if (run.length === 1) return `${run[0]}`;
    const seconds = (windows[run[0]!]!.end - windows[run[0]!]!.start) / 1000;
    return `[${run.join(', ')}][intDiv(toInt64(toUnixTimestamp(bucket)) - {s${run[0]}:Int64}, ${seconds}) + 1]`;
  };
  const runs = runsOf(windows, among);
  if (runs.length === 1) return inRun(runs[0]!);
  const tests = runs.slice(0, -1).map((run) => `bucket < ${edge('e', run.at(-1)!)}, ${inRun(run)}`);
  return `multiIf(${tests.join(', ')}, ${inRun(runs.at(-1)!)})`;
}

/**
 * Level `l`'s share of the windows `among`: per window, the buckets of that level inside it
 * whose coarser bucket is not; nothing for a window that cannot hold one of its buckets, and no
 * coarser test where the window cannot hold a coarser bucket. Minute shares without a coarser
 * test are joined into one range per run.
 */
function levelTime(
  windows: readonly TimeWindow[],
  among: readonly number[],
  l: number,
  coarsest: number,
): string[] {
  const holds = (i: number, level: number) => {
    const { unit } = LEVELS[level]!;
    return unit === 'MINUTE' || mayHoldWholeBucket(windows[i]!.start, windows[i]!.end, unit);
  };
  const coarserTest = (i: number) => l < coarsest && holds(i, l + 1);
  const out: string[] = [];
  for (const run of runsOf(windows, among)) {
    if (l === 0) {
      const plain = run.filter((i) => !coarserTest(i));
      // Consecutive plain windows of a run cover one range.
      for (const part of runsOf(windows, plain))
        out.push(`bucket >= ${edge('s', part[0]!)} AND bucket < ${edge('e', part.at(-1)!)}`);
    }
    // The other windows of the run, each with its own test.
    for (const i of run) {
      if (l === 0 ? coarserTest(i) : holds(i, l)) out.push(timePart(i, l, coarserTest(i)));
    }
  }
  return out;
}

/**
 * Whether a row of a scan of the windows `among` is of one of `windows`: `true`, `false`, or
 * the SQL test of its `w`.
 */
export function ofWindows(windows: readonly number[], among: readonly number[]): boolean | string {
  const of = among.filter((w) => windows.includes(w));
  if (of.length === among.length) return true;
  if (of.length === 0) return false;
  return `w IN (${of.join(', ')})`;
}

/** The indexes of the items that pass `test`. */
export function indexesWhere<T>(items: readonly T[], test: (item: T) => boolean): number[] {
  return items.flatMap((item, i) => (test(item) ? [i] : []));
}

/** The windows `read`, by start, in as few chains of windows apart from each other as can be. */
function disjointChains(windows: readonly TimeWindow[], read: readonly number[]): number[][] {
  const chains: number[][] = [];
  for (const i of [...read].sort((a, b) => windows[a]!.start - windows[b]!.start)) {
    const chain = chains.find((c) => windows[c.at(-1)!]!.end <= windows[i]!.start);
    if (chain) chain.push(i);
    else chains.push([i]);
  }
  return chains;
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

/** `fromUnixTimestamp({s<i>:Int64})` or `…{e<i>…}`: window `i`'s start or end. */
function edge(which: 's' | 'e', i: number): string {
  return `fromUnixTimestamp({${which}${i}:Int64})`;
}

/** Level `l`'s share of window `i`: its buckets inside the window, but those in a coarser one. */
function timePart(i: number, l: number, coarserTest: boolean): string {
  const S = edge('s', i);
  const E = edge('e', i);
  const inside = (bucketStart: string, unit: string): string =>
    `(${bucketStart} >= ${S} AND ${bucketStart} + INTERVAL 1 ${unit} <= ${E})`;
  const time = [`bucket >= ${S} AND bucket < ${E}`];
  if (l > 0) time.push(inside('bucket', LEVELS[l]!.unit));
  const coarser = LEVELS[l + 1];
  if (coarserTest && coarser) time.push(`NOT ${inside(`${coarser.start}(bucket)`, coarser.unit)}`);
  return time.join(' AND ');
}
