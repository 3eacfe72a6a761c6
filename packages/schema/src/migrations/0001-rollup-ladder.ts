/** Schema version 1: `llm_spans` and the 1m → 1h → 1d rollup ladder with its finalising views. */
import {
  Naming,
  quoteIdent,
  rollupFinalView,
  rollupTable,
  rollupView,
  ROLLUPS,
  spansColumnsDdl,
  spansTtl,
  Tables,
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
  for (const level of ROLLUPS)
    out.push(...rollupTable(level, o), rollupView(level, o), rollupFinalView(level, o));
  return out;
}

export const rollupLadder: Migration = {
  version: 1,
  name: 'llm_spans and the 1m/1h/1d rollup ladder',
  statements: schemaV1,
};
