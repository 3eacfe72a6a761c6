/**
 * DDL of the `agentmeter` database, generated for one node or for a cluster.
 *
 * Single node: MergeTree tables under their public names.
 * Cluster: `<name>_local` Replicated tables created ON CLUSTER, a `Distributed` table under
 * the public name for reads and inserts, and the materialized views on the local tables so
 * that every shard rolls up what it stores.
 */
import { BudgetDecisions, QuotaDecisions } from '@agentmeter/conventions';
import {
  QUANTILE_LEVELS,
  ROLLUP_DIMENSIONS,
  SPAN_COLUMNS,
  SPAN_SERVER_COLUMNS,
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

export function measureFinal(m: Measure): string[] {
  if (m.kind !== 'quantiles') return [`${m.kind}(${m.name}) AS ${m.name}`];
  const prefix = m.name.replace(/_quantiles$/, '');
  const merged = `quantilesTDigestMerge(${LEVELS})(${m.name})`;
  return QUANTILE_LEVELS.map((q, i) => `${merged}[${i + 1}] AS ${prefix}_p${Math.round(q * 100)}`);
}

export interface RollupLevel {
  table: string;
  bucket: string;
  partition: string;
  retentionDays: (r: RetentionDays) => number;
}

export const ROLLUPS: RollupLevel[] = [
  {
    table: Tables.USAGE_1M,
    bucket: 'toStartOfMinute',
    partition: 'toDate(bucket)',
    retentionDays: (r) => r.usage1m,
  },
  {
    table: Tables.USAGE_1H,
    bucket: 'toStartOfHour',
    partition: 'toYYYYMM(bucket)',
    retentionDays: (r) => r.usage1h,
  },
  {
    table: Tables.USAGE_1D,
    bucket: 'toStartOfDay',
    partition: 'toYear(bucket)',
    retentionDays: (r) => r.usage1d,
  },
];

export const DIMS = ROLLUP_DIMENSIONS.join(', ');

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

/**
 * The SELECT of rollup level `i`'s materialized view, optionally restricted by `where` (a
 * condition on the source table). Level 0 reads `llm_spans`; the others read the level below.
 */
export function rollupSelect(i: number, n: Naming, where?: string): string {
  const level = ROLLUPS[i]!;
  const source = i === 0 ? n.storage(Tables.SPANS) : n.storage(ROLLUPS[i - 1]!.table);
  const sourceTime = i === 0 ? 'timestamp' : 'bucket';
  const select =
    i === 0 ? MEASURES.map((m) => `${m.fromSpans} AS ${m.name}`) : MEASURES.map(measureCascade);
  return `SELECT ${level.bucket}(${sourceTime}) AS bucket, ${DIMS},
  ${select.join(',\n  ')}
FROM ${source}${where ? `\nWHERE ${where}` : ''}
GROUP BY bucket, ${DIMS}`;
}

/**
 * `INSERT INTO llm_usage_1m <the 1m view's SELECT> WHERE <where>`: rolls stored spans up again
 * exactly as the view did at ingest (repricing rebuilds a day with it). The insert reaches the
 * 1h and 1d tables through their views, like an ingest insert. Single-node schema only: in a
 * cluster, each shard's view rolls up its own local spans.
 */
export function rollupFromSpansInsert(o: SchemaOptions, where: string, settings: string): string {
  const n = new Naming(o);
  return `INSERT INTO ${n.storage(Tables.USAGE_1M)}\n${rollupSelect(0, n, where)}\nSETTINGS ${settings}`;
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
    ...ROLLUPS.map((l) => target(l.table, rollupTtl(l, o))),
  ];
}

export function migrationsTable(o: SchemaOptions): string {
  const n = new Naming(o);
  return `CREATE TABLE IF NOT EXISTS ${n.public(Tables.MIGRATIONS)}${n.onCluster} (
  version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3)
) ENGINE = ${o.cluster ? `ReplicatedReplacingMergeTree('/clickhouse/tables/{database}/{table}', '{replica}')` : 'ReplacingMergeTree'} ORDER BY version`;
}
