/**
 * DDL of the `agentmeter` database, generated for one node or for a cluster.
 *
 * Single node: MergeTree tables under their public names.
 * Cluster: `<name>_local` Replicated tables created ON CLUSTER, a `Distributed` table under
 * the public name for reads and inserts, and the materialized views on the local tables so
 * that every shard rolls up what it stores.
 */
import {
  BudgetDecisions,
  ErrorCategory,
  QuotaDecisions,
  RateLimitDecisions,
} from '@agentmeter/conventions';
import {
  QUANTILE_LEVELS,
  ROLLUP_DIMENSIONS,
  SPAN_COLUMNS,
  SPAN_SERVER_COLUMNS,
  USER_ROLLUP_DIMENSIONS,
} from './columns.js';

export interface RetentionDays {
  spans: number;
  usage1m: number;
  usage1h: number;
  usage1d: number;
}

export interface SchemaOptions {
  database: string;
  /** Cluster name: emit ON CLUSTER DDL with Replicated engines and Distributed tables. */
  cluster?: string | undefined;
  retention: RetentionDays;
}

export const DEFAULT_DATABASE = 'agentmeter';
export const DEFAULT_RETENTION: RetentionDays = {
  spans: 7,
  usage1m: 30,
  usage1h: 90,
  usage1d: 365,
};

export const Tables = {
  SPANS: 'llm_spans',
  USAGE_1M: 'llm_usage_1m',
  USAGE_1H: 'llm_usage_1h',
  USAGE_1D: 'llm_usage_1d',
  /** Per-user rollups (schema v5): users are too many for the ladder's key. */
  USAGE_USERS_1H: 'llm_usage_users_1h',
  USAGE_USERS_1D: 'llm_usage_users_1d',
  MIGRATIONS: 'schema_migrations',
  /** Alerting (schema v4): rules saved through the API, instance state, transitions, deliveries. */
  ALERT_RULES: 'alert_rules',
  ALERT_INSTANCES: 'alert_instances',
  ALERT_HISTORY: 'alert_history',
  ALERT_DELIVERIES: 'alert_deliveries',
  /** Authentication failures and rate-limited requests on agentmeter's own listeners (v4). */
  ACCESS_EVENTS: 'access_events',
} as const;

/** Finalising view of a rollup table: plain SQL, no -Merge needed. */
export const viewName = (rollup: string): string => `${rollup}_view`;

const LEVELS = QUANTILE_LEVELS.join(', ');

/** Skip indexes of `llm_spans` (part of its first version). */
const SPANS_INDEXES = [
  'INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1',
  'INDEX idx_user_id user_id TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_attr_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_attr_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
];

/** The column list of `llm_spans` as schema version `version` created it. */
export function spansColumnsDdl(version: number): string {
  const columns = [...SPAN_COLUMNS, ...SPAN_SERVER_COLUMNS].filter((c) => c.since <= version);
  return [...columns.map((c) => `${c.name} ${c.ddl}`), ...SPANS_INDEXES]
    .map((line) => `\n  ${line}`)
    .join(',');
}

/** One rollup measure: its column type, how the 1m view computes it from spans, how it cascades and finalises. */
export interface Measure {
  name: string;
  kind: 'sum' | 'min' | 'max' | 'quantiles';
  type: string;
  fromSpans: string;
}

const sum = (name: string, type: string, fromSpans: string): Measure => ({
  name,
  kind: 'sum',
  type,
  fromSpans,
});
const USD = 'Decimal(38, 9)';

export const MEASURES: Measure[] = [
  sum('requests', 'UInt64', 'count()'),
  sum('errors', 'UInt64', "countIf(status = 'error')"),
  sum('input_tokens', 'UInt64', 'sum(input_tokens)'),
  sum('output_tokens', 'UInt64', 'sum(output_tokens)'),
  sum('cache_read_tokens', 'UInt64', 'sum(cache_read_tokens)'),
  sum('cache_write_tokens', 'UInt64', 'sum(cache_write_tokens)'),
  sum('reasoning_tokens', 'UInt64', 'sum(reasoning_tokens)'),
  sum('cost_usd', USD, 'sum(cost_usd)'),
  sum('cost_input_usd', USD, 'sum(cost_input_usd)'),
  sum('cost_output_usd', USD, 'sum(cost_output_usd)'),
  sum('cost_cache_read_usd', USD, 'sum(cost_cache_read_usd)'),
  sum('cost_cache_write_usd', USD, 'sum(cost_cache_write_usd)'),
  sum('unpriced_requests', 'UInt64', "countIf(cost_source = 'unpriced')"),
  sum('cache_hits', 'UInt64', 'countIf(response_cache_hit)'),
  sum('cache_saved_usd', USD, 'sum(cache_saved_usd)'),
  sum('escalations', 'UInt64', 'countIf(escalated)'),
  sum('quota_blocks', 'UInt64', `countIf(quota_decision = '${QuotaDecisions.BLOCKED}')`),
  sum('budget_blocks', 'UInt64', `countIf(budget_decision = '${BudgetDecisions.BLOCKED}')`),
  sum(
    'downgrades',
    'UInt64',
    `countIf(quota_decision = '${QuotaDecisions.DOWNGRADED}' OR budget_decision = '${BudgetDecisions.DOWNGRADED}')`,
  ),
  sum('duration_ms_sum', 'Float64', 'sum(duration_ms)'),
  { name: 'duration_ms_min', kind: 'min', type: 'Float64', fromSpans: 'min(duration_ms)' },
  { name: 'duration_ms_max', kind: 'max', type: 'Float64', fromSpans: 'max(duration_ms)' },
  {
    name: 'duration_ms_quantiles',
    kind: 'quantiles',
    type: `AggregateFunction(quantilesTDigest(${LEVELS}), Float64)`,
    fromSpans: `quantilesTDigestState(${LEVELS})(duration_ms)`,
  },
  {
    name: 'ttft_ms_quantiles',
    kind: 'quantiles',
    type: `AggregateFunction(quantilesTDigest(${LEVELS}), Float64)`,
    fromSpans: `quantilesTDigestStateIf(${LEVELS})(assumeNotNull(time_to_first_token_ms), time_to_first_token_ms IS NOT NULL)`,
  },
];

/**
 * The per-user rollups' measures (schema v5): the ladder's counts and sums a per-user panel
 * shows, and the calls agentmeter's own rate limiter rejected.
 */
export const USER_MEASURES: Measure[] = [
  ...MEASURES.filter((m) =>
    [
      'requests',
      'errors',
      'input_tokens',
      'output_tokens',
      'cost_usd',
      'quota_blocks',
      'budget_blocks',
      'downgrades',
    ].includes(m.name),
  ),
  sum(
    'rate_limit_rejections',
    'UInt64',
    `countIf(rate_limit_decision = '${RateLimitDecisions.REJECTED}')`,
  ),
];

/**
 * Provider calls refused for a rate limit (429, overloaded), from the ladder's `errors`. The
 * dashboards' denials and health score read it, and the by-model projection (schema v6) keeps
 * it, so it is spelled here once: a projection serves a query only on the same expression.
 */
export const RATE_LIMITED_ERRORS = `sumIf(errors, error_category = '${ErrorCategory.RATE_LIMIT}')`;

export function measureColumn(m: Measure): string {
  return m.kind === 'quantiles'
    ? `${m.name} ${m.type}`
    : `${m.name} SimpleAggregateFunction(${m.kind}, ${m.type})`;
}

function measureCascade(m: Measure): string {
  return m.kind === 'quantiles'
    ? `quantilesTDigestMergeState(${LEVELS})(${m.name}) AS ${m.name}`
    : `${m.kind}(${m.name}) AS ${m.name}`;
}

/** The aggregate that merges a measure's rows: what a query over a rollup table writes. */
export function measureMerge(m: Measure): string {
  return m.kind === 'quantiles'
    ? `quantilesTDigestMerge(${LEVELS})(${m.name})`
    : `${m.kind}(${m.name})`;
}

export function measureFinal(m: Measure): string[] {
  if (m.kind !== 'quantiles') return [`${measureMerge(m)} AS ${m.name}`];
  const prefix = m.name.replace(/_quantiles$/, '');
  return QUANTILE_LEVELS.map(
    (q, i) => `${measureMerge(m)}[${i + 1}] AS ${prefix}_p${Math.round(q * 100)}`,
  );
}

/** One rollup table: its grain, what it is built from, its key and measures. */
export interface RollupLevel {
  table: string;
  bucket: string;
  partition: string;
  retentionDays: (r: RetentionDays) => number;
  /** The level whose states it merges; none: it aggregates `llm_spans`. */
  source?: RollupLevel;
  dimensions: readonly string[];
  /** The sorting key. */
  orderBy: string;
  measures: readonly Measure[];
  /** Keeps the by-provider-and-model projection (schema v6). */
  modelProjection?: boolean;
}

type Grain = Pick<
  RollupLevel,
  'table' | 'bucket' | 'partition' | 'retentionDays' | 'source' | 'modelProjection'
>;

const ladder = (grain: Grain): RollupLevel => ({
  ...grain,
  dimensions: ROLLUP_DIMENSIONS,
  orderBy: `project, service_name, bucket, ${ROLLUP_DIMENSIONS.slice(2).join(', ')}`,
  measures: MEASURES,
});
const USAGE_1M = ladder({
  table: Tables.USAGE_1M,
  bucket: 'toStartOfMinute',
  partition: 'toDate(bucket)',
  retentionDays: (r) => r.usage1m,
});
// Ranges longer than a few hours read 1h or 1d: those keep the projection.
const USAGE_1H = ladder({
  table: Tables.USAGE_1H,
  bucket: 'toStartOfHour',
  partition: 'toYYYYMM(bucket)',
  retentionDays: (r) => r.usage1h,
  source: USAGE_1M,
  modelProjection: true,
});
const USAGE_1D = ladder({
  table: Tables.USAGE_1D,
  bucket: 'toStartOfDay',
  partition: 'toYear(bucket)',
  retentionDays: (r) => r.usage1d,
  source: USAGE_1H,
  modelProjection: true,
});

/** The ladder 1m → 1h → 1d. */
export const ROLLUPS: RollupLevel[] = [USAGE_1M, USAGE_1H, USAGE_1D];

/**
 * Per-user levels (schema v5), 1h → 1d, keyed by project and user only: each keeps the grain,
 * partition and retention of the ladder level of its grain.
 */
const perUser = (table: string, like: RollupLevel, source?: RollupLevel): RollupLevel => ({
  table,
  bucket: like.bucket,
  partition: like.partition,
  retentionDays: like.retentionDays,
  ...(source ? { source } : {}),
  dimensions: USER_ROLLUP_DIMENSIONS,
  orderBy: 'project, bucket, user_id',
  measures: USER_MEASURES,
});
const USAGE_USERS_1H = perUser(Tables.USAGE_USERS_1H, USAGE_1H);
export const USER_ROLLUPS: RollupLevel[] = [
  USAGE_USERS_1H,
  perUser(Tables.USAGE_USERS_1D, USAGE_1D, USAGE_USERS_1H),
];

/** Every time zone's hours and days start on a quarter hour (UTC+5:45 and +12:45 included). */
const QUARTER_HOUR_MS = 15 * 60_000;

/** The shortest hour and day of any time zone: an hour is 3,600 s, a day loses an hour to DST. */
const SHORTEST_MS = { HOUR: 3_600_000, DAY: 23 * 3_600_000 } as const;

/**
 * Whether a rollup bucket of `unit` can lie wholly inside `[startMs, endMs)` in whatever time
 * zone the engine starts its hours and days (the views' `toStartOfHour` / `toStartOfDay`).
 * When it cannot, a reader of the window skips that rollup: its scan would find nothing and
 * still read a granule of each project and service.
 */
export function mayHoldWholeBucket(startMs: number, endMs: number, unit: 'HOUR' | 'DAY'): boolean {
  return Math.ceil(startMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS + SHORTEST_MS[unit] <= endMs;
}

/** Every rollup table, ladder and per-user. */
export const ROLLUP_TABLES: readonly string[] = [...ROLLUPS, ...USER_ROLLUPS].map((l) => l.table);

/** Names and engines for one table, depending on cluster mode. */
export class Naming {
  constructor(private readonly o: SchemaOptions) {}
  get onCluster(): string {
    return this.o.cluster ? ` ON CLUSTER ${quoteIdent(this.o.cluster)}` : '';
  }
  /** The table that stores rows (the local one in a cluster). */
  storage(table: string): string {
    return `${this.o.database}.${this.o.cluster ? `${table}_local` : table}`;
  }
  /** The table users and services read and insert through. */
  public(table: string): string {
    return `${this.o.database}.${table}`;
  }
  /** `version` names the ReplacingMergeTree version column. */
  engine(
    kind: 'MergeTree' | 'AggregatingMergeTree' | 'ReplacingMergeTree',
    version?: string,
  ): string {
    const args = version ? [version] : [];
    return this.o.cluster
      ? `Replicated${kind}(${["'/clickhouse/tables/{shard}/{database}/{table}'", "'{replica}'", ...args].join(', ')})`
      : `${kind}${args.length ? `(${args.join(', ')})` : ''}`;
  }
  /** The Distributed table over the local one, in cluster mode; none on a single node. */
  distributed(table: string, shardingKey: string): string[] {
    if (!this.o.cluster) return [];
    return [
      `CREATE TABLE IF NOT EXISTS ${this.public(table)}${this.onCluster} AS ${this.storage(table)} ` +
        `ENGINE = Distributed(${quoteIdent(this.o.cluster)}, ${this.o.database}, ${table}_local, ${shardingKey})`,
    ];
  }
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid identifier: ${name}`);
  return name;
}

export function spansTtl(o: SchemaOptions): string {
  return `toDateTime(timestamp) + toIntervalDay(${o.retention.spans})`;
}

export function rollupTtl(level: RollupLevel, o: SchemaOptions): string {
  return `bucket + toIntervalDay(${level.retentionDays(o.retention)})`;
}

/** The table a level aggregates. */
const sourceTable = (level: RollupLevel): string => level.source?.table ?? Tables.SPANS;

/** A rollup dimension's column: typed as in `llm_spans`. */
function dimensionColumn(name: string): string {
  const column = SPAN_COLUMNS.find((c) => c.name === name);
  if (!column) throw new Error(`rollup dimension ${name} is no llm_spans column`);
  return `${name} ${column.ddl}`;
}

/** The rollup table of `level` (and its Distributed table in a cluster). */
export function rollupTable(level: RollupLevel, o: SchemaOptions): string[] {
  const n = new Naming(o);
  const columns = [
    'bucket DateTime CODEC(Delta(4), ZSTD(1))',
    ...level.dimensions.map(dimensionColumn),
    ...level.measures.map(measureColumn),
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${n.storage(level.table)}${n.onCluster} (
${columns.map((c) => `  ${c}`).join(',\n')}
) ENGINE = ${n.engine('AggregatingMergeTree')}
PARTITION BY ${level.partition}
ORDER BY (${level.orderBy})
TTL ${rollupTtl(level, o)}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000`,
    ...n.distributed(level.table, 'rand()'),
  ];
}

/** The materialized view that fills `level` from every block inserted into its source. */
export function rollupView(level: RollupLevel, o: SchemaOptions): string {
  const n = new Naming(o);
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${n.storage(level.table)}_mv${n.onCluster} TO ${n.storage(level.table)} AS
${rollupSelect(level, n.storage(sourceTable(level)))}`;
}

/** The view that finalises `level`'s states: plain SQL, no -Merge needed. */
export function rollupFinalView(level: RollupLevel, o: SchemaOptions): string {
  const n = new Naming(o);
  const dims = level.dimensions.join(', ');
  const average = level.measures.some((m) => m.name === 'duration_ms_sum')
    ? [',\n  if(requests = 0, 0, duration_ms_sum / requests) AS duration_ms_avg']
    : [];
  return `CREATE VIEW IF NOT EXISTS ${n.public(viewName(level.table))}${n.onCluster} AS
SELECT bucket, ${dims},
  ${level.measures.flatMap(measureFinal).join(',\n  ')}${average.join('')}
FROM ${n.public(level.table)}
GROUP BY bucket, ${dims}`;
}

/**
 * The SELECT that rolls `source` (the table `level` aggregates, as named in the statement) up
 * to `level`, optionally restricted by `where` (a condition on the source table).
 */
export function rollupSelect(level: RollupLevel, source: string, where?: string): string {
  const dims = level.dimensions.join(', ');
  const sourceTime = level.source ? 'bucket' : 'timestamp';
  const select = level.source
    ? level.measures.map(measureCascade)
    : level.measures.map((m) => `${m.fromSpans} AS ${m.name}`);
  return `SELECT ${level.bucket}(${sourceTime}) AS bucket, ${dims},
  ${select.join(',\n  ')}
FROM ${source}${where ? `\nWHERE ${where}` : ''}
GROUP BY bucket, ${dims}`;
}

/**
 * Rolls up what `level`'s source already holds, once: a view sees only the blocks inserted
 * after it exists. It adds rows only while `level` is empty, so a migration run again after a
 * crash adds nothing twice; through the public tables, so in a cluster it reads every shard.
 */
export function rollupBackfill(level: RollupLevel, o: SchemaOptions): string {
  const n = new Naming(o);
  const empty = `(SELECT count() FROM ${n.public(level.table)}) = 0`;
  return `INSERT INTO ${n.public(level.table)}\n${rollupSelect(level, n.public(sourceTable(level)), empty)}`;
}

/**
 * `INSERT INTO <level> <its view's SELECT> WHERE <where>` for every level built from
 * `llm_spans` (1m, users 1h): rolls stored spans up again exactly as the views did at ingest
 * (repricing rebuilds a day with them). Each insert reaches the levels above through their
 * views, like an ingest insert. Single-node schema only: in a cluster, each shard's views roll
 * up its own local spans.
 */
export function rollupsFromSpansInserts(
  o: SchemaOptions,
  where: string,
  settings: string,
): string[] {
  const n = new Naming(o);
  return [...ROLLUPS, ...USER_ROLLUPS]
    .filter((level) => !level.source)
    .map(
      (level) =>
        `INSERT INTO ${n.storage(level.table)}\n${rollupSelect(level, n.storage(Tables.SPANS), where)}\nSETTINGS ${settings}`,
    );
}

/** The TTL each table should have under the configured retention. */
export function retentionTargets(
  o: SchemaOptions,
): { table: string; ttl: string; alter: string }[] {
  const n = new Naming(o);
  const target = (table: string, ttl: string) => ({
    table: n.storage(table).slice(o.database.length + 1),
    ttl,
    alter: `ALTER TABLE ${n.storage(table)}${n.onCluster} MODIFY TTL ${ttl}`,
  });
  return [
    target(Tables.SPANS, spansTtl(o)),
    ...[...ROLLUPS, ...USER_ROLLUPS].map((l) => target(l.table, rollupTtl(l, o))),
  ];
}

export function migrationsTable(o: SchemaOptions): string {
  const n = new Naming(o);
  return `CREATE TABLE IF NOT EXISTS ${n.public(Tables.MIGRATIONS)}${n.onCluster} (
  version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3)
) ENGINE = ${o.cluster ? `ReplicatedReplacingMergeTree('/clickhouse/tables/{database}/{table}', '{replica}')` : 'ReplacingMergeTree'} ORDER BY version`;
}
