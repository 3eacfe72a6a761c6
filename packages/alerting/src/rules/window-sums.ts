/**
 * Window sums: one statement for windows of one length returns each window's sum measures by
 * every dimension its scopes read (a few hundred to a few thousand rows however many rules);
 * each scope's series are then aggregated here: the rows in its `where`, grouped by its
 * `group_by`, with its `part` and its total (a share's denominator) beside. Counts and money
 * (integer nanos) add up exactly, so a series' sums are those a `GROUP BY` of its own would
 * give; a Float64 sum (`duration_ms_sum`) can differ in its last bits, as its partial sums are
 * grouped otherwise.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { leafKey, leavesOf, type Leaf, type Series } from './formula.js';
import {
  dimensionsOf,
  indexesWhere,
  ofWindows,
  sumSql,
  sumValue,
  windowRows,
  type Scope,
  type Statement,
  type TimeWindow,
} from './query.js';
import type { Filter } from './rule.js';

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
  scopes: readonly Scope[],
): SumStatement {
  const leaves = leavesOf(...scopes.flatMap((s) => s.leaves));
  const measures = measuresOf(leaves);
  const byWindow = windows.map((_, w) => {
    const readers = scopes.filter((s) => s.windows.includes(w));
    return new Set(readers.flatMap(dimensionsOf));
  });
  const keys = [...new Set(byWindow.flatMap((dims) => [...dims]))];
  // The windows grouped by each key.
  const readersOf = new Map(keys.map((d) => [d, indexesWhere(byWindow, (dims) => dims.has(d))]));
  const params: Record<string, unknown> = {};
  const rows = windowRows(
    database,
    windows,
    scopes,
    (among) => [
      ...keys.map((d) => {
        const test = ofWindows(readersOf.get(d)!, among);
        return test === true ? d : test === false ? `'' AS ${d}` : `if(${test}, ${d}, '') AS ${d}`;
      }),
      ...measures,
    ],
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

/** A row of the statement: its dimension values, and each leaf's share of it. */
interface Row {
  readonly dims: Record<string, string>;
  readonly leaves: Float64Array;
}

/** Runs the statement; the series of each scope, in the order of `scopes`. */
export async function readWindowSums(
  client: Pick<ClickHouseClient, 'query'>,
  statement: SumStatement,
  scopes: readonly Scope[],
): Promise<Series[][]> {
  const { leaves } = statement;
  const rs = await client.query({
    query: statement.query,
    query_params: statement.params,
    format: 'JSONEachRow',
  });
  const windows = new Map<number, WindowRows>();
  for (const r of await rs.json<Record<string, string | number>>()) {
    const w = Number(r.w);
    let rows = windows.get(w);
    if (!rows) windows.set(w, (rows = new WindowRows()));
    const dims = r as Record<string, string>;
    rows.all.push({ dims, leaves: Float64Array.from(leaves, (l) => leafOfRow(l, r)) });
  }
  const slots = new Map(leaves.map((l, i) => [leafKey(l), i]));
  return scopes.map((scope) =>
    scope.windows.flatMap((w) => seriesOf(scope, w, windows.get(w), slots)),
  );
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

/** One window's rows, indexed by a dimension's values when a scope filters on it. */
class WindowRows {
  readonly all: Row[] = [];
  private readonly byValue = new Map<string, Map<string, Row[]>>();

  /** The rows that may be in `where`: those with one of its first dimension's values, once. */
  candidates(where: Filter): readonly Row[] {
    const first = Object.entries(where)[0];
    if (first === undefined) return this.all;
    const [d, values] = first;
    let index = this.byValue.get(d);
    if (!index) {
      this.byValue.set(d, (index = new Map()));
      for (const row of this.all) {
        const v = row.dims[d]!;
        const list = index.get(v);
        if (list) list.push(row);
        else index.set(v, [row]);
      }
    }
    return [...new Set(values)].flatMap((v) => index.get(v) ?? []);
  }
}

interface Sums {
  readonly labels: Record<string, string>;
  readonly all: Float64Array;
  readonly part: Float64Array;
}

function seriesOf(
  scope: Scope,
  w: number,
  rows: WindowRows | undefined,
  slots: ReadonlyMap<string, number>,
): Series[] {
  if (!rows) return [];
  const where = matcher(scope.where);
  const part = scope.part && matcher(scope.part);
  // Only the scope's own leaves are added up (a statement's rows carry every scope's).
  const own = scope.leaves.map((l) => slots.get(leafKey(l))!);
  const add = (into: Float64Array, row: Row): void => {
    for (const i of own) into[i]! += row.leaves[i]!;
  };
  const series = new Map<string, Sums>();
  const total = new Float64Array(slots.size);
  const { groupBy } = scope;
  for (const row of rows.candidates(scope.where)) {
    if (!where(row.dims)) continue;
    const key =
      groupBy.length === 1
        ? row.dims[groupBy[0]!]!
        : groupBy.map((d) => row.dims[d]).join('\u0000');
    let s = series.get(key);
    if (!s) {
      const labels = Object.fromEntries(groupBy.map((d) => [d, String(row.dims[d])]));
      const all = new Float64Array(slots.size);
      s = { labels, all, part: part ? new Float64Array(slots.size) : all };
      series.set(key, s);
    }
    add(s.all, row);
    add(total, row);
    if (part?.(row.dims)) add(s.part, row);
  }
  const read = (sums: Float64Array) => (l: Leaf) => {
    const raw = sums[slots.get(leafKey(l))!]!;
    return l.op === 'sum' ? sumValue(l.measure, raw) : raw;
  };
  const totals = read(total);
  return [...series.values()].map((s) => ({
    w,
    labels: s.labels,
    aggregates: { series: read(s.all), part: read(s.part), total: totals },
  }));
}

/** Whether a row's dimensions are in the filter (every dimension one of its values). */
function matcher(filter: Filter): (dims: Record<string, string>) => boolean {
  const tests = Object.entries(filter).map(([d, values]) => [d, new Set(values)] as const);
  if (tests.length === 0) return () => true;
  return (dims) => {
    for (const [d, values] of tests) if (!values.has(dims[d]!)) return false;
    return true;
  };
}
