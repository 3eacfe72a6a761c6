/** Schema version 1: `llm_spans` and the 1m → 1h → 1d rollup ladder with its finalising views. */
import { ROLLUP_DIMENSIONS } from '../columns.js';
import {
  DIMS,
  MEASURES,
  measureColumn,
  measureFinal,
  Naming,
  quoteIdent,
  rollupSelect,
  rollupTtl,
  ROLLUPS,
  spansColumnsDdl,
  spansTtl,
  Tables,
  viewName,
  type SchemaOptions,
} from '../tables.js';
import type { Migration } from './migration.js';

/** Version 1: the database, raw spans, the rollup ladder and its views. */
export function schemaV1(o: SchemaOptions): string[] {
  quoteIdent(o.database);
  const n = new Naming(o);
  const out: string[] = [`CREATE DATABASE IF NOT EXISTS ${o.database}${n.onCluster}`];

  out.push(
    `CREATE TABLE IF NOT EXISTS ${n.storage(Tables.SPANS)}${n.onCluster} (${spansColumnsDdl(1)}
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

export const rollupLadder: Migration = {
  version: 1,
  name: 'llm_spans and the 1m/1h/1d rollup ladder',
  statements: schemaV1,
};
