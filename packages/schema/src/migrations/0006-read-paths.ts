/**
 * Schema version 6: what keeps a month of dashboard panels fast.
 *
 * - `by_provider_model` on `llm_usage_1h` and `llm_usage_1d`: an aggregate projection of every
 *   measure (and the rate-limited errors) by bucket, provider and requested model. A panel
 *   that groups or filters by no other dimension reads it instead of the table: the p95 of a
 *   month from one state per day and model instead of one per combination of the 14
 *   dimensions (on the bench data 720 rows for 35 days instead of 53,450). The engine picks it per query; a filter on another dimension reads the
 *   table. AggregatingMergeTree allows a projection only with `deduplicate_merge_projection_mode`
 *   `rebuild` (a merge recomputes it from the merged rows).
 * - `idx_cost_usd` on `llm_spans`: a min-max skip index, with which the engine reads only the
 *   granules that can hold the N most expensive calls (`ORDER BY cost_usd DESC LIMIT N`).
 *
 * Parts stored before are brought up to date by mutations in the background; until then the
 * engine reads them as before.
 */
import {
  measureMerge,
  Naming,
  RATE_LIMITED_ERRORS,
  ROLLUPS,
  Tables,
  type SchemaOptions,
} from '../tables.js';
import type { Migration } from './migration.js';

export const MODEL_PROJECTION = 'by_provider_model';
const MODEL_KEYS = 'bucket, provider, request_model';

export function schemaV6(o: SchemaOptions): string[] {
  const n = new Naming(o);
  const out: string[] = [];
  for (const level of ROLLUPS.filter((l) => l.modelProjection)) {
    const table = `${n.storage(level.table)}${n.onCluster}`;
    const aggregates = [...level.measures.map(measureMerge), RATE_LIMITED_ERRORS];
    out.push(
      `ALTER TABLE ${table} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'`,
      `ALTER TABLE ${table} ADD PROJECTION IF NOT EXISTS ${MODEL_PROJECTION} (
  SELECT ${MODEL_KEYS},
    ${aggregates.join(',\n    ')}
  GROUP BY ${MODEL_KEYS}
)`,
      `ALTER TABLE ${table} MATERIALIZE PROJECTION ${MODEL_PROJECTION}`,
    );
  }
  const spans = `${n.storage(Tables.SPANS)}${n.onCluster}`;
  out.push(
    `ALTER TABLE ${spans} ADD INDEX IF NOT EXISTS idx_cost_usd cost_usd TYPE minmax GRANULARITY 1`,
    `ALTER TABLE ${spans} MATERIALIZE INDEX idx_cost_usd`,
  );
  return out;
}

export const readPaths: Migration = {
  version: 6,
  name: 'by_provider_model projections, llm_spans cost index',
  statements: schemaV6,
};
