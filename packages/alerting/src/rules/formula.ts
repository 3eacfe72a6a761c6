/**
 * The language metric formulas are written in: a small tree over aggregates of a series' rollup
 * rows (its leaves: the sum of a measure column, the errors of one error category, a quantile of
 * a merged latency state), combined with arithmetic, "per hour of the window elapsed" and "share
 * of the scope's total". Each formula is written once (`metrics.ts`); its value is computed here
 * from the leaves, whichever statement aggregated them (`window-sums.ts` sums a window's rows by
 * dimension and aggregates the leaves of a series in JS; `window-quantiles.ts` merges t-digest
 * states in the engine, which JS cannot).
 */
import type { QUANTILE_LEVELS } from '@agentmeter/schema';

export type QuantileLevel = (typeof QUANTILE_LEVELS)[number];

export type Leaf =
  /** A sum measure column (`MEASURES` in `@agentmeter/schema`) summed over the rows. */
  | { readonly op: 'sum'; readonly measure: string }
  /** `errors` of the rows whose `error_category` is `category`. */
  | { readonly op: 'errors'; readonly category: string }
  /** One level of a quantiles measure column's states merged over the rows. */
  | { readonly op: 'quantile'; readonly measure: string; readonly level: QuantileLevel };

export type Formula =
  | Leaf
  | { readonly op: 'number'; readonly value: number }
  | {
      readonly op: 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max';
      readonly a: Formula;
      readonly b: Formula;
    }
  /** Per hour of the window elapsed (the filling minute up to now). */
  | { readonly op: 'perHour'; readonly x: Formula }
  /** `x` over the series' rows within the rule's `part`, over `x` of the whole scope. */
  | { readonly op: 'share'; readonly x: Formula };

export const sum = (measure: string): Leaf => ({ op: 'sum', measure });
export const errorsOf = (category: string): Leaf => ({ op: 'errors', category });
export const quantile = (measure: string, level: QuantileLevel): Leaf => ({
  op: 'quantile',
  measure,
  level,
});
const num = (value: number): Formula => ({ op: 'number', value });
const binary =
  (op: 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max') =>
  (a: Formula | number, b: Formula | number): Formula => ({ op, a: lift(a), b: lift(b) });
const lift = (f: Formula | number): Formula => (typeof f === 'number' ? num(f) : f);
export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
export const min = binary('min');
export const max = binary('max');
export const perHour = (x: Formula): Formula => ({ op: 'perHour', x });
export const share = (x: Formula): Formula => ({ op: 'share', x });

/** The leaves the formulas read, each once (by `leafKey`). */
export function leavesOf(...formulas: readonly (Formula | undefined)[]): Leaf[] {
  const found = new Map<string, Leaf>();
  const walk = (g: Formula): void => {
    switch (g.op) {
      case 'sum':
      case 'errors':
      case 'quantile':
        found.set(leafKey(g), g);
        return;
      case 'number':
        return;
      case 'perHour':
      case 'share':
        walk(g.x);
        return;
      default:
        walk(g.a);
        walk(g.b);
    }
  };
  for (const f of formulas) if (f) walk(f);
  return [...found.values()];
}

/** What a leaf aggregates, as a string: equal for equal leaves (built apart or not). */
export function leafKey(l: Leaf): string {
  let key = KEYS.get(l);
  if (key === undefined) {
    key =
      l.op === 'errors'
        ? `errors:${l.category}`
        : `${l.op}:${l.measure}:${l.op === 'quantile' ? l.level : ''}`;
    KEYS.set(l, key);
  }
  return key;
}

// Formulas are built once (the catalogue) and read per series: their keys are too.
const KEYS = new WeakMap<Leaf, string>();

/** Whether the formula has a `share` node (and so reads the rule's `part` and scope total). */
export function readsShare(f: Formula): boolean {
  switch (f.op) {
    case 'share':
      return true;
    case 'perHour':
      return readsShare(f.x);
    case 'sum':
    case 'errors':
    case 'quantile':
    case 'number':
      return false;
    default:
      return readsShare(f.a) || readsShare(f.b);
  }
}

/** What a formula's leaves are over, for one series of one window. */
export interface Aggregates {
  /** Over the series' rows. */
  series(leaf: Leaf): number;
  /** Over the series' rows within the rule's `part` (all of them without one). */
  part(leaf: Leaf): number;
  /** Over every row of the rule's scope in the window: a share's denominator. */
  total(leaf: Leaf): number;
}

/** One series of one window: its labels and its rows' aggregates. */
export interface Series {
  /** The window's index in the statement that read it. */
  readonly w: number;
  readonly labels: Record<string, string>;
  readonly aggregates: Aggregates;
}

/**
 * The formula's value over a series, `hours` of its window elapsed (NaN or ±Infinity where a
 * denominator is 0).
 */
export function compute(f: Formula, a: Aggregates, hours: number): number {
  const calc = (g: Formula, read: (leaf: Leaf) => number): number => {
    switch (g.op) {
      case 'sum':
      case 'errors':
      case 'quantile':
        return read(g);
      case 'number':
        return g.value;
      case 'add':
        return calc(g.a, read) + calc(g.b, read);
      case 'sub':
        return calc(g.a, read) - calc(g.b, read);
      case 'mul':
        return calc(g.a, read) * calc(g.b, read);
      case 'div':
        return calc(g.a, read) / calc(g.b, read);
      case 'min':
        return Math.min(calc(g.a, read), calc(g.b, read));
      case 'max':
        return Math.max(calc(g.a, read), calc(g.b, read));
      case 'perHour':
        return calc(g.x, read) / hours;
      case 'share':
        return calc(g.x, (l) => a.part(l)) / calc(g.x, (l) => a.total(l));
    }
  };
  return calc(f, (l) => a.series(l));
}

/**
 * The formula as one SQL expression over rollup rows, for a query that groups them itself (the
 * dashboards show a rule's metric with the rule's own formula). `quantileSql` spells a merged
 * latency level. A share needs its scope's total and `perHour` the rule's window: neither has a
 * meaning per group of rows, so they are refused.
 */
export function formulaSql(
  f: Formula,
  quantileSql: (measure: string, level: QuantileLevel) => string,
): string {
  const sql = (g: Formula): string => {
    switch (g.op) {
      case 'sum':
        return `toFloat64(sum(${g.measure}))`;
      case 'errors':
        return `toFloat64(sumIf(errors, error_category = '${g.category}'))`;
      case 'quantile':
        return quantileSql(g.measure, g.level);
      case 'number':
        return String(g.value);
      case 'add':
        return `(${sql(g.a)} + ${sql(g.b)})`;
      case 'sub':
        return `(${sql(g.a)} - ${sql(g.b)})`;
      case 'mul':
        return `(${sql(g.a)} * ${sql(g.b)})`;
      case 'div':
        return `(${sql(g.a)} / ${sql(g.b)})`;
      case 'min':
        return `least(${sql(g.a)}, ${sql(g.b)})`;
      case 'max':
        return `greatest(${sql(g.a)}, ${sql(g.b)})`;
      case 'perHour':
      case 'share':
        throw new Error(`a ${g.op} formula has no SQL of its own: it depends on the rule's window`);
    }
  };
  return sql(f);
}
