/**
 * Schema version 7: `by_bucket` on `llm_usage_1m`, a projection of every row in time order.
 *
 * The table is sorted by `(project, service_name, bucket, …)` so that one project's range is
 * one read; a window of a few minutes across all projects (an alert rule, a "last 15 minutes"
 * panel) then reads at least one 8,192-row granule per project and service, on the bench data
 * 642k rows for fifteen 5-minute windows that hold 36k. With the projection the engine reads
 * such a window in time order; it picks the projection per query (fewer marks), so a query on
 * one project still reads the table. Costs: the minute rollup stored twice (its parts and the
 * projection's), and each insert sorts its minute rows a second time. Like v6, the table runs
 * with `deduplicate_merge_projection_mode = 'rebuild'`; parts stored before get the projection
 * from a background mutation.
 */
import { Naming, Tables, type SchemaOptions } from '../tables.js';
import type { Migration } from './migration.js';

export const TIME_ORDER_PROJECTION = 'by_bucket';

export function schemaV7(o: SchemaOptions): string[] {
  const n = new Naming(o);
  const table = `${n.storage(Tables.USAGE_1M)}${n.onCluster}`;
  return [
    `ALTER TABLE ${table} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'`,
    `ALTER TABLE ${table} ADD PROJECTION IF NOT EXISTS ${TIME_ORDER_PROJECTION} (SELECT * ORDER BY bucket)`,
    `ALTER TABLE ${table} MATERIALIZE PROJECTION ${TIME_ORDER_PROJECTION}`,
  ];
}

export const minuteTimeOrder: Migration = {
  version: 7,
  name: 'llm_usage_1m by_bucket projection',
  statements: schemaV7,
};
