/**
 * Window quantiles: one statement for windows of one length aggregates the leaves of every
 * scope whose rules need merged latency states. Each rollup row is repeated once per scope that
 * reads its window and whose `where` it is in, and grouped by scope and that scope's
 * `group_by`: every state is merged once per series, straight from the rollup rows, as a
 * statement of the scope's own would merge it (merging pre-merged states again would move
 * p95/p99).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { QUANTILE_LEVELS } from '@agentmeter/schema';
import { leafKey, leavesOf, type Aggregates, type Leaf, type Series } from './formula.js';
import type { Dimension } from './metrics.js';
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

const LEVELS = QUANTILE_LEVELS.join(', ');

/** An output column of the statement and the leaves read from it. */
interface Column {
  readonly name: string;
  readonly sql: string;
  /** The leaf's value in a row's value of this column. */
  readonly read: (value: unknown, leaf: Leaf) => number;
}

export interface QuantileStatement extends Statement {
  /** Output column of each leaf, by `leafKey`. */
  readonly columns: ReadonlyMap<string, Column>;
  /** Output column of each `group_by` dimension. */
  readonly keys: ReadonlyMap<Dimension, string>;
}

export function windowQuantilesStatement(
  database: string,
  windows: readonly TimeWindow[],
  scopes: readonly Scope[],
): QuantileStatement {
  const params: Record<string, unknown> = {};
  const groupDims = [...new Set(scopes.flatMap((s) => s.groupBy))];
  const { columns, measures } = leafColumns(scopes, params);
  const read = [...new Set(scopes.flatMap(dimensionsOf))];
  // Whether a row is in a scope's `where`: one vectorised test per scope, bound once.
  const inScope = scopes.map((scope, j) =>
    Object.entries(scope.where).map(([d, values], k) => {
      params[`f${j}_${k}`] = values;
      return `${d} IN {f${j}_${k}:Array(String)}`;
    }),
  );
  // Of a row's dimensions, those the scopes reading its scan's windows read ('' for the others).
  const rows = windowRows(
    database,
    windows,
    scopes,
    (among) => {
      const dims = new Set(
        scopes.filter((s) => ofWindows(s.windows, among) !== false).flatMap(dimensionsOf),
      );
      return [...read.map((d) => (dims.has(d) ? d : `'' AS ${d}`)), ...measures];
    },
    params,
  );
  // A row is repeated once per scope reading its window that it is in. An ARRAY JOIN clause over
  // the scans, not arrayJoin() in them: with the function in a scan the engine reads the table
  // in its own order, never a projection ordered by time.
  const all = [...new Set(scopes.flatMap((s) => s.windows))];
  const tests = scopes.map((scope, j) => {
    const of = ofWindows(scope.windows, all);
    const test = [...(of === true ? [] : [of]), ...inScope[j]!];
    return test.length === 0 ? `${j}` : `if(${test.join(' AND ')}, ${j}, -1)`;
  });
  // A dimension is a key of the scopes grouping by it, '' for the others.
  const keys = new Map<Dimension, string>();
  const keySql = groupDims.map((d, i) => {
    params[`g${i}`] = indexesWhere(scopes, (s) => s.groupBy.includes(d));
    keys.set(d, `k${i}`);
    return `if(has({g${i}:Array(UInt32)}, s), toString(${d}), '') AS k${i}`;
  });
  const distinct = [...new Set(columns.values())];
  const select = ['w', 's', ...keySql, ...distinct.map((c) => `${c.sql} AS ${c.name}`)];
  const query = `SELECT ${select.join(', ')}
FROM (
${rows}
)
ARRAY JOIN arrayFilter(j -> j >= 0, [${tests.join(', ')}]) AS s
GROUP BY ${['w', 's', ...keys.values()].join(', ')}`;
  return { query, params, columns, keys };
}

/**
 * One column per sum, per error category and per quantiles measure (all levels at once); a
 * state is merged only for the scopes that read it.
 */
function leafColumns(
  scopes: readonly Scope[],
  params: Record<string, unknown>,
): { columns: Map<string, Column>; measures: string[] } {
  const columns = new Map<string, Column>();
  const byMeasure = new Map<string, Column>();
  const measures = new Set<string>();
  for (const leaf of leavesOf(...scopes.flatMap((s) => s.leaves))) {
    const key = leafKey(leaf);
    const name = `c${columns.size}`;
    switch (leaf.op) {
      case 'sum':
        measures.add(leaf.measure);
        columns.set(key, { name, sql: sumSql(leaf.measure), read: sumOf });
        break;
      case 'errors':
        measures.add('errors');
        params[`${name}_category`] = leaf.category;
        columns.set(key, {
          name,
          sql: `sumIf(errors, error_category = {${name}_category:String})`,
          read: (v) => Number(v),
        });
        break;
      case 'quantile': {
        measures.add(leaf.measure);
        let column = byMeasure.get(leaf.measure);
        if (!column) {
          const readers = indexesWhere(scopes, (s) =>
            s.leaves.some((l) => l.op === 'quantile' && l.measure === leaf.measure),
          );
          const merge =
            readers.length === scopes.length
              ? `quantilesTDigestMerge(${LEVELS})(${leaf.measure})`
              : `quantilesTDigestMergeIf(${LEVELS})(${leaf.measure}, has({${name}_scopes:Array(UInt32)}, s))`;
          if (readers.length < scopes.length) params[`${name}_scopes`] = readers;
          column = { name, sql: merge, read: level };
          byMeasure.set(leaf.measure, column);
        }
        columns.set(key, column);
        break;
      }
    }
  }
  return { columns, measures: [...measures] };
}

/** A sum's value (money in its unit). */
function sumOf(value: unknown, leaf: Leaf): number {
  return leaf.op === 'sum' ? sumValue(leaf.measure, Number(value)) : Number(value);
}

/** A level of a merged state; NaN where the state was empty (no streamed call for TTFT). */
function level(value: unknown, leaf: Leaf): number {
  if (leaf.op !== 'quantile') throw new Error(`not a quantile: ${leafKey(leaf)}`);
  const v = (value as (number | null)[])[QUANTILE_LEVELS.indexOf(leaf.level)];
  return v === null || v === undefined ? NaN : v;
}

/** Runs the statement; the series of each scope, in the order of the statement's scopes. */
export async function readWindowQuantiles(
  client: Pick<ClickHouseClient, 'query'>,
  statement: QuantileStatement,
  scopes: readonly Scope[],
): Promise<Series[][]> {
  const rs = await client.query({
    query: statement.query,
    query_params: statement.params,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<Record<string, unknown>>();
  const out = scopes.map((): Series[] => []);
  for (const row of rows) {
    const s = Number(row.s);
    const scope = scopes[s]!;
    const labels = Object.fromEntries(
      scope.groupBy.map((d) => [d, String(row[statement.keys.get(d)!])]),
    );
    const leaf = (l: Leaf): number => {
      const column = statement.columns.get(leafKey(l))!;
      return column.read(row[column.name], l);
    };
    const aggregates: Aggregates = {
      series: leaf,
      // A quantile metric is no share: it has no part, and no scope total.
      part: leaf,
      total: (l) => {
        throw new Error(`no scope total for ${leafKey(l)} in a quantile statement`);
      },
    };
    out[s]!.push({ w: Number(row.w), labels, aggregates });
  }
  return out;
}
