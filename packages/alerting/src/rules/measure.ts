/**
 * The measurements of a batch of threshold and anomaly rules at one instant, with few
 * statements: per window length, one statement of window sums (every metric without a quantile
 * is computed from them here) and one of window quantiles, each covering every window of that
 * length the batch reads (an anomaly's baselines too). Rules reading the same series share its
 * aggregates. How many statements run depends on the window lengths, not on the rule count.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { compute, leavesOf, type Leaf, type Series } from './formula.js';
import { METRICS, REQUESTS, type Dimension, type MetricName } from './metrics.js';
import type { Scope, TimeWindow } from './query.js';
import type { Filter } from './rule.js';
import { readWindowQuantiles, windowQuantilesStatement } from './window-quantiles.js';
import { readWindowSums, windowSumsStatement } from './window-sums.js';

const HOUR = 3_600_000;

/** What a rule measures. */
export interface MeasureSpec {
  readonly metric: MetricName;
  readonly where: Filter;
  readonly groupBy: readonly Dimension[];
  readonly part: Filter | undefined;
  /** Windows of equal length: `w` in the rows is the index here (0: the current one). */
  readonly windows: readonly TimeWindow[];
  /** How much of the current window has elapsed, in ms (`now` − its start). */
  readonly elapsedMs: number;
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

/**
 * Each spec's series (only those with calls), or the error of the statement it depends on.
 * Never throws.
 */
export async function measureAll(
  client: Pick<ClickHouseClient, 'query'>,
  database: string,
  specs: readonly MeasureSpec[],
): Promise<(SeriesRow[] | Error)[]> {
  const out: (SeriesRow[] | Error)[] = specs.map(() => []);
  const byLength = new Map<number, number[]>();
  specs.forEach((spec, i) => {
    const length = spec.windows[0]!.end - spec.windows[0]!.start;
    byLength.set(length, [...(byLength.get(length) ?? []), i]);
  });
  const reads = [...byLength.values()].flatMap((indexes) => {
    const { windows, sums, quantiles } = planLength(indexes.map((i) => specs[i]!));
    const settle = async (scopes: Scopes, read: () => Promise<Series[][]>) => {
      let series: Series[][];
      try {
        series = await read();
      } catch (error) {
        for (const u of scopes.users) out[indexes[u.spec]!] = asError(error);
        return;
      }
      for (const u of scopes.users) {
        const i = indexes[u.spec]!;
        try {
          out[i] = rowsOf(specs[i]!, u.windows, series[u.scope]!);
        } catch (error) {
          out[i] = asError(error);
        }
      }
    };
    return [
      sums.list.length > 0 &&
        settle(sums, () =>
          readWindowSums(client, windowSumsStatement(database, windows, sums.list), sums.list),
        ),
      quantiles.list.length > 0 &&
        settle(quantiles, () =>
          readWindowQuantiles(
            client,
            windowQuantilesStatement(database, windows, quantiles.list),
            quantiles.list,
          ),
        ),
    ].filter((p) => p !== false);
  });
  await Promise.all(reads);
  return out;
}

/** A spec reading one scope of a statement: the statement's index of each of its windows. */
interface User {
  readonly spec: number;
  readonly scope: number;
  readonly windows: readonly number[];
}

/** The scopes of one statement, each once with the leaves of all its rules, and their users. */
class Scopes {
  readonly list: (Scope & { leaves: Leaf[] })[] = [];
  readonly users: User[] = [];
  private readonly byKey = new Map<string, number>();

  add(key: unknown, scope: Scope & { leaves: Leaf[] }, user: Omit<User, 'scope'>): void {
    const k = JSON.stringify(key);
    let index = this.byKey.get(k);
    if (index === undefined) this.byKey.set(k, (index = this.list.push(scope) - 1));
    const found = this.list[index]!;
    found.leaves = leavesOf(...found.leaves, ...scope.leaves);
    this.users.push({ ...user, scope: index });
  }
}

/** The windows of one length the specs read (each once), and the scopes of each statement. */
function planLength(specs: readonly MeasureSpec[]) {
  const windows: TimeWindow[] = [];
  const byStart = new Map<number, number>();
  const sums = new Scopes();
  const quantiles = new Scopes();
  specs.forEach((spec, i) => {
    const indexes = spec.windows.map((w) => {
      let k = byStart.get(w.start);
      if (k === undefined) byStart.set(w.start, (k = windows.push(w) - 1));
      return k;
    });
    const metric = METRICS[spec.metric];
    const part = metric.share ? spec.part : undefined;
    const scope = {
      windows: [...new Set(indexes)].sort((a, b) => a - b),
      where: spec.where,
      groupBy: spec.groupBy,
      part,
      leaves: leavesOf(REQUESTS, metric.value, metric.inUse),
    };
    const key = [scope.windows, sorted(spec.where), spec.groupBy, part && sorted(part)];
    const user = { spec: i, windows: indexes };
    if (metric.quantiles) quantiles.add(key, scope, user);
    else sums.add(key, scope, user);
  });
  return { windows, sums, quantiles };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A filter's entries in a stable order, for scope keys. */
function sorted(filter: Filter): [string, readonly string[]][] {
  return Object.entries(filter as Record<string, readonly string[]>).sort(([a], [b]) =>
    a.localeCompare(b),
  );
}

/** The spec's rows from its scope's series: the metric per series, in the spec's own `w`. */
function rowsOf(
  spec: MeasureSpec,
  windows: readonly number[],
  series: readonly Series[],
): SeriesRow[] {
  const metric = METRICS[spec.metric];
  const hours = spec.elapsedMs / HOUR;
  return series.flatMap((s): SeriesRow[] => {
    const w = windows.indexOf(s.w);
    if (w < 0) return [];
    const requests = metric.share ? s.aggregates.part(REQUESTS) : s.aggregates.series(REQUESTS);
    if (!(requests > 0)) return [];
    const value = compute(metric.value, s.aggregates, hours);
    const inUse = metric.inUse === undefined || compute(metric.inUse, s.aggregates, hours) > 0;
    return [{ w, labels: s.labels, value: Number.isFinite(value) ? value : null, requests, inUse }];
  });
}
