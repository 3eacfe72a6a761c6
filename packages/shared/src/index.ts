export * from './config.js';
export * from './store.js';
export * from './http-listener.js';
export { UnscopedSettingsError } from './scoped-settings.js';
export { migrate, type MigrationReport } from './migrate.js';
