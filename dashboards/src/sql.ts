/**
 * The pieces the catalogue's SQL is built from, in the plugin's dialect: which rollup a range
 * reads, the dashboard filters, the time bucket and the latency quantiles. Names come from
 * `@agentmeter/schema`, so a renamed table or column breaks the build, not a dashboard.
 */
import {
  DEFAULT_DATABASE,
  DEFAULT_RETENTION,
  QUANTILE_LEVELS,
  Tables,
  type RetentionDays,
} from '@agentmeter/schema';

export const DB = DEFAULT_DATABASE;

/**
 * Rollup levels: the table, its bucket in seconds, how long it keeps data, and the per-user
 * level read beside it (hourly for the 1m and 1h levels: there is no per-user 1m level).
 */
export const ROLLUP_LEVELS = [
  { table: Tables.USAGE_1M, seconds: 60, retention: 'usage1m', users: Tables.USAGE_USERS_1H },
  { table: Tables.USAGE_1H, seconds: 3_600, retention: 'usage1h', users: Tables.USAGE_USERS_1H },
  { table: Tables.USAGE_1D, seconds: 86_400, retention: 'usage1d', users: Tables.USAGE_USERS_1D },
] as const satisfies readonly {
  table: string;
  seconds: number;
  retention: keyof RetentionDays;
  users: string;
}[];

/**
 * Ranges up to 6 h read the 1m level (at most 360 buckets per series) and ranges up to 8 days
 * the 1h level (at most 192); longer ones the 1d level. A range reaching past a level's
 * retention (less a day: TTL drops whole daily parts) moves up a level, so it never reads a
 * level that has dropped the range's start.
 */
const MAX_RANGE_SECONDS = [6 * 3_600, 8 * 86_400];

/** The hidden `rollup` variable's query: Grafana runs it when the range changes. */
export const ROLLUP_CHOICE = `SELECT multiIf(${ROLLUP_LEVELS.slice(0, -1)
  .map(
    (l, i) =>
      `dateDiff('second', $__fromTime, $__toTime) <= ${MAX_RANGE_SECONDS[i]} AND $__fromTime >= now() - INTERVAL ${DEFAULT_RETENTION[l.retention] - 1} DAY, '${l.table}'`,
  )
  .join(', ')}, '${ROLLUP_LEVELS.at(-1)!.table}') AS rollup`;

/** The rollup the range reads (the `rollup` variable). */
export const ROLLUP = `${DB}.\${rollup}`;
export const SPANS = `${DB}.${Tables.SPANS}`;
export const table = (name: string) => `${DB}.${name}`;

/** Seconds per point: Grafana's interval, never finer than the rollup's bucket. */
export const STEP = `greatest($__interval_s, multiIf(${ROLLUP_LEVELS.slice(0, -1)
  .map((l) => `\${rollup:singlequote} = '${l.table}', ${l.seconds}`)
  .join(', ')}, ${ROLLUP_LEVELS.at(-1)!.seconds}))`;

/** The time column of a time series over a rollup. */
export const TIME = `toStartOfInterval(bucket, INTERVAL ${STEP} second) AS time`;

/** A sum per bucket as a rate per minute, so a change of rollup does not change the scale. */
export const perMinute = (sum: string) => `${sum} / (${STEP} / 60)`;
export const perHour = (sum: string) => `${sum} / (${STEP} / 3600)`;

/** Dashboard filter variables and the column each filters (the same in rollups and spans). */
export const FILTERS = {
  project: 'project',
  service: 'service_name',
  provider: 'provider',
  model: 'request_model',
  category: 'category',
} as const;
export type FilterVariable = keyof typeof FILTERS;

/** Every filter except `skip`, "All" meaning no condition. */
export const filters = (...skip: FilterVariable[]): string =>
  (Object.entries(FILTERS) as [FilterVariable, string][])
    .filter(([v]) => !skip.includes(v))
    .map(([v, column]) => `$__conditionalAll(${column} IN (\${${v}:singlequote}), $${v})`)
    .join('\n  AND ');

/** The rollup rows of the range under the dashboard filters. */
export const ROLLUP_WHERE = `$__timeFilter(bucket)\n  AND ${filters()}`;
export const SPANS_WHERE = `$__timeFilter(timestamp)\n  AND ${filters()}`;

/**
 * The per-user rollup rows of the range under the project filter (users are kept per project
 * only, so the other filters do not apply): one UNION branch per per-user level, each guarded
 * by a constant test of `${rollup}`, so the engine reads only the branch of the range's level.
 * Derived from `${rollup}` rather than from a variable of its own, so the panel needs no other
 * variable than every rollup panel.
 */
export const USER_ROWS = `(${[...new Set(ROLLUP_LEVELS.map((l) => l.users))]
  .map(
    (users) => `
  SELECT * FROM ${table(users)}
  WHERE \${rollup:singlequote} IN (${ROLLUP_LEVELS.filter((l) => l.users === users)
    .map((l) => `'${l.table}'`)
    .join(', ')})
    AND $__timeFilter(bucket) AND ${filters('service', 'provider', 'model', 'category')}`,
  )
  .join('\n  UNION ALL')}\n)`;

const LEVELS = QUANTILE_LEVELS.join(', ');
/** The rollups' latency state columns. */
export type QuantileMeasure = 'duration_ms_quantiles' | 'ttft_ms_quantiles';

/** A quantile merged from the rollup's t-digest states (never an average of quantiles). */
export const quantile = (column: QuantileMeasure, level: (typeof QUANTILE_LEVELS)[number]) =>
  `quantilesTDigestMerge(${LEVELS})(${column})[${QUANTILE_LEVELS.indexOf(level) + 1}]`;

/** USD sums as Float64: Grafana reads Decimal(38, 9) as a string through some drivers. */
export const usd = (expr: string) => `toFloat64(${expr})`;
