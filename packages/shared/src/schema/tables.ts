/**
 * DDL of the `agentmeter` database, generated for one node or for a cluster.
 *
 * Single node: MergeTree tables under their public names.
 * Cluster: `<name>_local` Replicated tables created ON CLUSTER, a `Distributed` table under
 * the public name for reads and inserts, and the materialized views on the local tables so
 * that every shard rolls up what it stores.
 */
import { BudgetDecisions, QuotaDecisions } from '@agentmeter/conventions';
import { QUANTILE_LEVELS, ROLLUP_DIMENSIONS } from './columns.js';

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
} as const;

/** Finalising view of a rollup table: plain SQL, no -Merge needed. */
export const viewName = (rollup: string): string => `${rollup}_view`;

const LEVELS = QUANTILE_LEVELS.join(', ');

const SPANS_COLUMNS = `
  timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
  duration_ms Float64 CODEC(ZSTD(1)),
  trace_id String CODEC(ZSTD(1)),
  span_id String CODEC(ZSTD(1)),
  parent_span_id String CODEC(ZSTD(1)),
  span_name LowCardinality(String),
  span_kind LowCardinality(String),
  service_name LowCardinality(String),
  service_version LowCardinality(String),
  environment LowCardinality(String),
  scope_name LowCardinality(String),
  resource_attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  operation LowCardinality(String),
  provider LowCardinality(String),
  request_model LowCardinality(String),
  response_model LowCardinality(String),
  category LowCardinality(String),
  category_source LowCardinality(String),
  strategy LowCardinality(String),
  role LowCardinality(String),
  attempt UInt16,
  escalated Bool,
  escalated_from LowCardinality(String),
  escalation_reason LowCardinality(String),
  status LowCardinality(String),
  error_type LowCardinality(String),
  error_category LowCardinality(String),
  status_message String CODEC(ZSTD(1)),
  finish_reasons Array(LowCardinality(String)),
  is_stream Bool,
  time_to_first_token_ms Nullable(Float64),
  input_tokens UInt64 CODEC(T64, ZSTD(1)),
  output_tokens UInt64 CODEC(T64, ZSTD(1)),
  cache_read_tokens UInt64 CODEC(T64, ZSTD(1)),
  cache_write_tokens UInt64 CODEC(T64, ZSTD(1)),
  cache_write_5m_tokens UInt64 CODEC(T64, ZSTD(1)),
  cache_write_1h_tokens UInt64 CODEC(T64, ZSTD(1)),
  reasoning_tokens UInt64 CODEC(T64, ZSTD(1)),
  cost_usd Decimal(18, 9) CODEC(ZSTD(1)),
  cost_input_usd Decimal(18, 9) CODEC(ZSTD(1)),
  cost_output_usd Decimal(18, 9) CODEC(ZSTD(1)),
  cost_cache_read_usd Decimal(18, 9) CODEC(ZSTD(1)),
  cost_cache_write_usd Decimal(18, 9) CODEC(ZSTD(1)),
  cost_source LowCardinality(String),
  price_version LowCardinality(String),
  response_cache_hit Bool,
  cache_saved_usd Decimal(18, 9) CODEC(ZSTD(1)),
  quota_decision LowCardinality(String),
  budget_decision LowCardinality(String),
  rate_limit_decision LowCardinality(String),
  project LowCardinality(String),
  user_id String CODEC(ZSTD(1)),
  agent LowCardinality(String),
  workflow LowCardinality(String),
  conversation_id String CODEC(ZSTD(1)),
  attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ingested_at DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(1)),
  INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_user_id user_id TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 1`;

/** One rollup measure: its column type, how the 1m view computes it from spans, how it cascades and finalises. */
interface Measure {
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

const MEASURES: Measure[] = [
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

function measureColumn(m: Measure): string {
  return m.kind === 'quantiles'
    ? `${m.name} ${m.type}`
    : `${m.name} SimpleAggregateFunction(${m.kind}, ${m.type})`;
}

function measureCascade(m: Measure): string {
  return m.kind === 'quantiles'
    ? `quantilesTDigestMergeState(${LEVELS})(${m.name}) AS ${m.name}`
    : `${m.kind}(${m.name}) AS ${m.name}`;
}

function measureFinal(m: Measure): string[] {
  if (m.kind !== 'quantiles') return [`${m.kind}(${m.name}) AS ${m.name}`];
  const prefix = m.name.replace(/_quantiles$/, '');
  const merged = `quantilesTDigestMerge(${LEVELS})(${m.name})`;
  return QUANTILE_LEVELS.map((q, i) => `${merged}[${i + 1}] AS ${prefix}_p${Math.round(q * 100)}`);
}

interface RollupLevel {
  table: string;
  bucket: string;
  partition: string;
  retentionDays: (r: RetentionDays) => number;
}

const ROLLUPS: RollupLevel[] = [
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

const DIMS = ROLLUP_DIMENSIONS.join(', ');

/** Names and engines for one table, depending on cluster mode. */
class Naming {
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
  engine(kind: 'MergeTree' | 'AggregatingMergeTree'): string {
    return this.o.cluster
      ? `Replicated${kind}('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')`
      : kind;
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

function quoteIdent(name: string): string {
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
function rollupSelect(i: number, n: Naming, where?: string): string {
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

/** Statements of schema version 1: the database, raw spans, the rollup ladder and its views. */
export function schemaV1(o: SchemaOptions): string[] {
  quoteIdent(o.database);
  const n = new Naming(o);
  const out: string[] = [`CREATE DATABASE IF NOT EXISTS ${o.database}${n.onCluster}`];

  out.push(
    `CREATE TABLE IF NOT EXISTS ${n.storage(Tables.SPANS)}${n.onCluster} (${SPANS_COLUMNS}
) ENGINE = ${n.engine('MergeTree')}
PARTITION BY toDate(timestamp)
ORDER BY (project, service_name, provider, request_model, timestamp)
TTL ${spansTtl(o)}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000`,
    ...n.distributed(Tables.SPANS, 'cityHash64(trace_id)'),
  );

  const dimColumns = ROLLUP_DIMENSIONS.map((d) => `  ${d} LowCardinality(String)`).join(',\n');
  const measureColumns = MEASURES.map((m) => `  ${measureColumn(m)}`).join(',\n');
  ROLLUPS.forEach((level, i) => {
    out.push(
      `CREATE TABLE IF NOT EXISTS ${n.storage(level.table)}${n.onCluster} (
  bucket DateTime CODEC(Delta(4), ZSTD(1)),
${dimColumns},
${measureColumns}
) ENGINE = ${n.engine('AggregatingMergeTree')}
PARTITION BY ${level.partition}
ORDER BY (project, service_name, bucket, ${ROLLUP_DIMENSIONS.slice(2).join(', ')})
TTL ${rollupTtl(level, o)}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000`,
      ...n.distributed(level.table, 'rand()'),
    );
    out.push(
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${n.storage(level.table)}_mv${n.onCluster} TO ${n.storage(level.table)} AS
${rollupSelect(i, n)}`,
    );
    out.push(
      `CREATE VIEW IF NOT EXISTS ${n.public(viewName(level.table))}${n.onCluster} AS
SELECT bucket, ${DIMS},
  ${MEASURES.flatMap(measureFinal).join(',\n  ')},
  if(requests = 0, 0, duration_ms_sum / requests) AS duration_ms_avg
FROM ${n.public(level.table)}
GROUP BY bucket, ${DIMS}`,
    );
  });
  return out;
}

/**
 * Statements of schema version 2: `llm_spans.budget_id`, the budget that decided a call (the one
 * that blocked, downgraded or alerted it), read from `agentmeter.budget.id`. In a cluster the
 * Distributed table gets the column too: it does not follow its local table's ALTERs.
 */
export function schemaV2(o: SchemaOptions): string[] {
  const n = new Naming(o);
  const addBudgetId = (table: string) =>
    `ALTER TABLE ${table}${n.onCluster} ADD COLUMN IF NOT EXISTS budget_id LowCardinality(String) AFTER budget_decision`;
  return [
    addBudgetId(n.storage(Tables.SPANS)),
    ...(o.cluster ? [addBudgetId(n.public(Tables.SPANS))] : []),
  ];
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
