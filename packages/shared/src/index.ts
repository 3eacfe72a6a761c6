export * from './config.js';
export * from './store.js';
export * from './http-listener.js';
export { UnscopedSettingsError } from './scoped-settings.js';
export type { LlmSpanRow } from './schema/columns.js';
export { LLM_SPAN_COLUMNS, ROLLUP_DIMENSIONS, QUANTILE_LEVELS } from './schema/columns.js';
export {
  DEFAULT_DATABASE,
  DEFAULT_RETENTION,
  Tables,
  viewName,
  schemaV1,
  schemaV2,
  retentionTargets,
  rollupFromSpansInsert,
  type RetentionDays,
  type SchemaOptions,
} from './schema/tables.js';
export { migrate, MIGRATIONS, type Migration, type MigrationReport } from './schema/migrate.js';
