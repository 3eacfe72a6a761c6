export {
  SPAN_COLUMNS,
  SPAN_SERVER_COLUMNS,
  LLM_SPAN_COLUMNS,
  ROLLUP_DIMENSIONS,
  QUANTILE_LEVELS,
  type LlmSpanRow,
} from './columns.js';
export {
  DEFAULT_DATABASE,
  DEFAULT_RETENTION,
  Tables,
  MEASURES,
  viewName,
  retentionTargets,
  rollupFromSpansInsert,
  migrationsTable,
  type Measure,
  type RetentionDays,
  type SchemaOptions,
} from './tables.js';
export {
  ALERTING_RETENTION_DAYS,
  MIGRATIONS,
  schemaV1,
  schemaV2,
  schemaV3,
  schemaV4,
  type Migration,
} from './migrations/index.js';
