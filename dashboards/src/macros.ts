/**
 * A panel's SQL as ClickHouse receives it from Grafana, so the same text runs outside Grafana
 * (reports, tests, benchmarks). Three steps, in Grafana's order:
 * 1. the plugin's frontend replaces `$__conditionalAll(cond, $var)` (src/data/CHDatasource.ts
 *    `applyConditionalAll`): `1=1` when the variable is "All" or empty, `cond` otherwise;
 * 2. Grafana interpolates the template variables (`$v`, `${v}`, `${v:format}`);
 * 3. the plugin's backend expands its macros (pkg/macros/macros.go), arguments split on every
 *    comma as sqlds does.
 */

/** A single-select value (inserted raw), a multi-select list, or "All" (every option). */
export type VariableValue = string | readonly string[] | 'All';

export interface QueryContext {
  /** The query's time range, epoch ms. */
  fromMs: number;
  toMs: number;
  /** The query interval Grafana computed for the panel (range / max data points), ms. */
  intervalMs: number;
  variables?: Readonly<Record<string, VariableValue>>;
  /** Each variable's options: what "All" expands to outside `$__conditionalAll`. */
  options?: Readonly<Record<string, readonly string[]>>;
}

export class QueryExpansionError extends Error {
  readonly code = 'AGENTMETER_QUERY_EXPANSION';
}

/** The panel SQL with every macro and variable replaced. */
export function expandQuery(sql: string, context: QueryContext): string {
  const interpolated = interpolate(applyConditionalAll(sql, context), context);
  return expandMacros(interpolated, context);
}

const CONDITIONAL_ALL = '$__conditionalAll(';

/** Arguments of the call whose `(` is at `open`, and the index after its `)`. */
function callArguments(sql: string, open: number): { args: string; end: number } {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth === 0) return { args: sql.slice(open + 1, i), end: i + 1 };
  }
  throw new QueryExpansionError(`unbalanced parentheses after "${sql.slice(open - 20, open + 1)}"`);
}

function applyConditionalAll(sql: string, c: QueryContext): string {
  // The plugin works from the last occurrence back, so nested uses expand inside out.
  for (
    let at = sql.lastIndexOf(CONDITIONAL_ALL);
    at !== -1;
    at = sql.lastIndexOf(CONDITIONAL_ALL)
  ) {
    const { args, end } = callArguments(sql, at + CONDITIONAL_ALL.length - 1);
    const split = args.lastIndexOf(',');
    const name = /^\s*\$\{?(\w+)\}?\s*$/.exec(args.slice(split + 1))?.[1];
    if (split === -1 || name === undefined)
      throw new QueryExpansionError(
        `$__conditionalAll takes a condition and a variable ($name): got "${args}"`,
      );
    const value = variable(name, c);
    const all = value === 'All' || value === '' || (Array.isArray(value) && value.length === 0);
    sql = sql.slice(0, at) + (all ? '1=1' : args.slice(0, split)) + sql.slice(end);
  }
  return sql;
}

function variable(name: string, c: QueryContext): VariableValue {
  const value = c.variables?.[name];
  if (value === undefined)
    throw new QueryExpansionError(`the query uses the variable $${name}, which has no value`);
  return value;
}

/** Grafana's variable syntaxes: `$name`, `${name}`, `${name:format}`. */
const VARIABLE = /\$(\w+)|\$\{(\w+)(?::(\w+))?\}/g;

const FORMATS: Record<string, (values: readonly string[]) => string> = {
  singlequote: (v) => v.map((x) => `'${x.replace(/'/g, "\\'")}'`).join(','),
  doublequote: (v) => v.map((x) => `"${x.replace(/"/g, '\\"')}"`).join(','),
  sqlstring: (v) => v.map((x) => `'${x.replace(/'/g, "''")}'`).join(','),
  csv: (v) => v.join(','),
  raw: (v) => v.join(','),
  pipe: (v) => v.join('|'),
  json: (v) => JSON.stringify(v),
};

function interpolate(sql: string, c: QueryContext): string {
  const range = c.toMs - c.fromMs;
  const globals: Record<string, string> = {
    __from: String(c.fromMs),
    __to: String(c.toMs),
    __interval_ms: String(c.intervalMs),
    __range_ms: String(range),
    __range_s: String(Math.floor(range / 1000)),
  };
  return sql.replace(VARIABLE, (text, bare?: string, braced?: string, format?: string) => {
    const name = (bare ?? braced)!;
    if (name in globals) return globals[name]!;
    // The plugin's own macros ($__timeFilter, ...) are left for the backend step.
    if (name.startsWith('__')) return text;
    const value = variable(name, c);
    const values = value === 'All' ? allOptions(name, c) : value;
    if (format === undefined)
      // The plugin's default (CHDatasource.format): lists quoted unescaped, a single value raw.
      return typeof values === 'string' ? values : `'${values.join("','")}'`;
    const formatter = FORMATS[format];
    if (formatter === undefined)
      throw new QueryExpansionError(`unknown variable format :${format} in ${text}`);
    return formatter(typeof values === 'string' ? [values] : values);
  });
}

function allOptions(name: string, c: QueryContext): readonly string[] {
  const options = c.options?.[name];
  if (options === undefined)
    throw new QueryExpansionError(
      `$${name} is "All" outside $__conditionalAll, so it expands to every option: give options.${name}`,
    );
  return options;
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** pkg/macros/macros.go, by name: each takes the split arguments. */
function macros(
  c: QueryContext,
): Record<string, { arity: number; expand: (a: string[]) => string }> {
  const from = seconds(c.fromMs);
  const to = seconds(c.toMs);
  const intervalS = Math.max(seconds(c.intervalMs), 1);
  const intervalMs = Math.max(Math.floor(c.intervalMs), 1);
  const dateRange = (d: string) =>
    `${d} >= toDate('${utcDate(c.fromMs)}') AND ${d} <= toDate('${utcDate(c.toMs)}')`;
  const dateTime = (d: string, t: string) =>
    `(${dateRange(d)}) AND (${t} >= toDateTime(${from}) AND ${t} <= toDateTime(${to}))`;
  return {
    timeFilter: {
      arity: 1,
      expand: ([t]) => `${t} >= toDateTime(${from}) AND ${t} <= toDateTime(${to})`,
    },
    timeFilter_ms: {
      arity: 1,
      expand: ([t]) =>
        `${t} >= fromUnixTimestamp64Milli(${c.fromMs}) AND ${t} <= fromUnixTimestamp64Milli(${c.toMs})`,
    },
    dateFilter: { arity: 1, expand: ([d]) => dateRange(d!) },
    dateTimeFilter: { arity: 2, expand: ([d, t]) => dateTime(d!, t!) },
    dt: { arity: 2, expand: ([d, t]) => dateTime(d!, t!) },
    fromTime: { arity: 0, expand: () => `toDateTime(${from})` },
    toTime: { arity: 0, expand: () => `toDateTime(${to})` },
    fromTime_ms: { arity: 0, expand: () => `fromUnixTimestamp64Milli(${c.fromMs})` },
    toTime_ms: { arity: 0, expand: () => `fromUnixTimestamp64Milli(${c.toMs})` },
    timeInterval: {
      arity: 1,
      expand: ([t]) => `toStartOfInterval(toDateTime(${t}), INTERVAL ${intervalS} second)`,
    },
    timeInterval_ms: {
      arity: 1,
      expand: ([t]) =>
        `toStartOfInterval(toDateTime64(${t}, 3), INTERVAL ${intervalMs} millisecond)`,
    },
    interval_s: { arity: 0, expand: () => String(intervalS) },
  };
}

const MACRO = /\$__(\w+)/g;

function expandMacros(sql: string, c: QueryContext): string {
  const known = macros(c);
  let out = '';
  let last = 0;
  for (const m of sql.matchAll(MACRO)) {
    if (m.index < last) continue;
    const macro = known[m[1]!];
    if (macro === undefined) throw new QueryExpansionError(`unknown macro $__${m[1]}`);
    let end = m.index + m[0].length;
    let args: string[] = [];
    if (macro.arity > 0) {
      if (sql[end] !== '(')
        throw new QueryExpansionError(`$__${m[1]} takes ${macro.arity} argument(s) in parentheses`);
      const call = callArguments(sql, end);
      args = call.args.split(',').map((a) => a.trim());
      end = call.end;
      if (args.length !== macro.arity)
        throw new QueryExpansionError(
          `$__${m[1]} takes ${macro.arity} argument(s), got ${args.length}: (${call.args})`,
        );
    }
    out += sql.slice(last, m.index) + macro.expand(args);
    last = end;
  }
  return out + sql.slice(last);
}
