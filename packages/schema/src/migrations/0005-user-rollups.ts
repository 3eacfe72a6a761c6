/**
 * Schema version 5: the per-user rollups `llm_usage_users_1h` → `llm_usage_users_1d` (bucket,
 * project, user_id and the sums per-user panels show), their views and finalising `_view`s.
 * User ids are too many for the ladder's key (every other dimension times every user), and
 * `llm_spans` keeps 7 days by default, so a month of usage by user needs a rollup of its own.
 *
 * The spans already stored are rolled up once, after the tables and before their views exist:
 * a span stored by another process while this runs may be missed, never counted twice.
 */
import {
  rollupBackfill,
  rollupFinalView,
  rollupTable,
  rollupView,
  USER_ROLLUPS,
  type SchemaOptions,
} from '../tables.js';
import type { Migration } from './migration.js';

export function schemaV5(o: SchemaOptions): string[] {
  return [
    ...USER_ROLLUPS.flatMap((level) => rollupTable(level, o)),
    ...USER_ROLLUPS.map((level) => rollupBackfill(level, o)),
    ...USER_ROLLUPS.map((level) => rollupView(level, o)),
    ...USER_ROLLUPS.map((level) => rollupFinalView(level, o)),
  ];
}

export const userRollups: Migration = {
  version: 5,
  name: 'per-user rollups llm_usage_users_1h/1d',
  statements: schemaV5,
};
