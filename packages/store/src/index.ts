export * from './config.js';
export * from './store.js';
export * from './http-listener.js';
export { UnscopedSettingsError } from './scoped-settings.js';
export { migrate, type MigrationReport } from './migrate.js';
export { catalogCost, type SpanCost, type SpanUsage } from './catalog-cost.js';
export {
  reprice,
  RepriceError,
  type RepriceErrorCode,
  type RepriceOptions,
  type RepriceReport,
  type DayReport,
} from './reprice.js';
export * from './access-log.js';
