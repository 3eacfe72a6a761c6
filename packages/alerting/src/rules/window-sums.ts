/**
 * Window sums: one statement for windows of one length returns each window's sum measures by
 * every dimension its scopes read (a few hundred to a few thousand rows however many rules);
 * each scope's series are then aggregated here: the rows in its `where`, grouped by its
 * `group_by`, with its `part` and its total (a share's denominator) beside. Sums add up exactly
 * (money as integer nanos), so a series' sums are those a `GROUP BY` of its own would give.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { leafKey, leavesOf, type Aggregates, type Leaf, type Series } from './formula.js';
import type { Dimension } from './metrics.js';
import { sumSql, sumValue, windowRows, type Statement, type TimeWindow } from './query.js';
import type { Filter } from './rule.js';

/** What one or more rules read of the windows: the series of `groupBy` within `where`. */
export interface SumScope {
  /** Indexes of the statement's windows it reads. */
  readonly windows: readonly number[];
  readonly where: Filter;
  readonly groupBy: readonly Dimension[];
  readonly part: Filter | undefined;
  /** The leaves its rules read. */
  readonly leaves: readonly Leaf[];
}

/** The dimensions a scope reads: its own, and `error_category` for errors of a category. */
function dimensionsOf(scope: SumScope): Dimension[] {
  return [
    ...scope.groupBy,
    ...(Object.keys(scope.where) as Dimension[]),
    ...(Object.keys(scope.part ?? {}) as Dimension[]),
    ...(scope.leaves.some((l) => l.op === 'errors') ? (['error_category'] as const) : []),
  ];
}

/** The measures the leaves sum: their own, and `errors` for errors of a category. */
function measuresOf(leaves: readonly Leaf[]): string[] {
  const measures = leaves.map((l) => {
    if (l.op === 'quantile') throw new Error(`window sums cannot aggregate ${leafKey(l)}`);
    return l.op === 'sum' ? l.measure : 'errors';
  });
  return [...new Set(measures)];
}

export interface SumStatement extends Statement {
  /** The leaves of every scope: a row gives each its share. */
  readonly leaves: readonly Leaf[];
}

/**
 * A window is grouped by the dimensions of the scopes reading it; '' stands for the others
 * (a baseline window read by one anomaly rule is not grouped by every threshold rule's keys).
 */
export function windowSumsStatement(
  database: string,
  windows: readonly TimeWindow[],
  scopes: readonly SumScope[],
): SumStatement {
  const leaves = leavesOf(...scopes.flatMap((s) => s.leaves));
  const measures = measuresOf(leaves);
  const byWindow = windows.map((_, w) => {
    const readers = scopes.filter((s) => s.windows.includes(w));
    return readers.length === 0 ? undefined : new Set(readers.flatMap(dimensionsOf));
  });
  const keys = [...new Set(byWindow.flatMap((dims) => [...(dims ?? [])]))];
  const params: Record<string, unknown> = {};
  const rows = windowRows(
    database,
    windows,
    (w) => {
      const dims = byWindow[w];
      return dims && [...keys.map((d) => (dims.has(d) ? d : `'' AS ${d}`)), ...measures];
    },
    params,
  );
  const sums = measures.map((m) => `${sumSql(m)} AS ${m}`);
  const query = `SELECT ${['w', ...keys, ...sums].join(', ')}
FROM (
${rows}
)
GROUP BY ${['w', ...keys].join(', ')}`;
  return { query, params, leaves };
}

/** A row of the statement: its window, dimension values, and each leaf's share of it. */
interface Row {
  readonly w: number;
  readonly dims: Record<string, string>;
  readonly leaves: Float64Array;
}

/** Runs the statement; the series of each scope, in the order of `scopes`. */
export async function readWindowSums(
  client: Pick<ClickHouseClient, 'query'>,
  statement: SumStatement,
  scopes: readonly SumScope[],
): Promise<Series[][]> {
  const { leaves } = statement;
  const rs = await client.query({
    query: statement.query,
    query_params: statement.params,
    format: 'JSONEachRow',
  });
  const raw = await rs.json<Record<string, string | number>>();
  const rows = raw.map((r): Row => ({
    w: Number(r.w),
    dims: r as Record<string, string>,
    leaves: Float64Array.from(leaves, (l) => leafOfRow(l, r)),
  }));
  const index = new Map(leaves.map((l, i) => [leafKey(l), i]));
  return scopes.map((scope) => seriesOf(scope, rows, index));
}

/** A leaf's share of one row: its measure's sum, or its errors when of the leaf's category. */
function leafOfRow(l: Leaf, row: Record<string, string | number>): number {
  switch (l.op) {
    case 'sum':
      return Number(row[l.measure]);
    case 'errors':
      return row.error_category === l.category ? Number(row.errors) : 0;
    case 'quantile':
      throw new Error(`window sums cannot aggregate ${leafKey(l)}`);
  }
}

interface Sums {
  readonly labels: Record<string, string>;
  readonly w: number;
  readonly all: Float64Array;
  readonly part: Float64Array;
}

function seriesOf(scope: SumScope, rows: readonly Row[], index: Map<string, number>): Series[] {
  const where = matcher(scope.where);
  const part = matcher(scope.part ?? {});
  const windows = new Set(scope.windows);
  const series = new Map<string, Sums>();
  const totals = new Map<number, Float64Array>();
  const width = index.size;
  for (const row of rows) {
    if (!windows.has(row.w) || !where(row.dims)) continue;
    const key = `${row.w}\u0000${scope.groupBy.map((d) => row.dims[d]).join('\u0000')}`;
    let s = series.get(key);
    if (!s) {
      const labels = Object.fromEntries(scope.groupBy.map((d) => [d, String(row.dims[d])]));
      s = { labels, w: row.w, all: new Float64Array(width), part: new Float64Array(width) };
      series.set(key, s);
    }
    let total = totals.get(row.w);
    if (!total) totals.set(row.w, (total = new Float64Array(width)));
    addTo(s.all, row.leaves);
    addTo(total, row.leaves);
    if (part(row.dims)) addTo(s.part, row.leaves);
  }
  return [...series.values()].map((s) => {
    const total = totals.get(s.w)!;
    const read = (sums: Float64Array) => (l: Leaf) => {
      const raw = sums[index.get(leafKey(l))!]!;
      return l.op === 'sum' ? sumValue(l.measure, raw) : raw;
    };
    const aggregates: Aggregates = { series: read(s.all), part: read(s.part), total: read(total) };
    return { w: s.w, labels: s.labels, aggregates };
  });
}

function addTo(into: Float64Array, values: Float64Array): void {
  for (let i = 0; i < values.length; i++) into[i]! += values[i]!;
}

/** Whether a row's dimensions are in the filter (every dimension one of its values). */
function matcher(filter: Filter): (dims: Record<string, string>) => boolean {
  const tests = Object.entries(filter).map(([d, values]) => [d, new Set(values)] as const);
  return (dims) => tests.every(([d, values]) => values.has(dims[d]!));
}
