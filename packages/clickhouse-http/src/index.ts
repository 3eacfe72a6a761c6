export { startClickHouseHttpServer, type ClickHouseHttpServer } from './server.js';
export type { ClickHouseHttpServerOptions } from './options.js';
export type { HttpUser } from './http/auth.js';
export type {
  ExecutorSession,
  QueryExecutor,
  QueryRequest,
  QueryResult,
  QuerySummary,
  ServerInfo,
} from './executor.js';
export { openChdbExecutor, type ChdbExecutor, type ChdbExecutorOptions } from './chdb/executor.js';
export { ClickHouseHttpError, ErrorCode, type ErrorName } from './errors.js';
export type { Settings } from './sql/settings-sql.js';
