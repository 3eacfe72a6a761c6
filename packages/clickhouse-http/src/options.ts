/** Server options; every default is resolved here and nowhere else. */
import type { QueryExecutor } from './executor.js';
import type { HttpUser } from './http/auth.js';

export interface ClickHouseHttpServerOptions {
  /** Runs the queries; the server does not close it. */
  executor: QueryExecutor;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 8123; 0 picks a free port. */
  port?: number;
  /** Who may query. Empty (the default): anyone, read-only. */
  users?: readonly HttpUser[];
  /** Largest request body on the wire. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Largest request body after Content-Encoding is undone. Default: `maxBodyBytes`. */
  maxDecompressedBodyBytes?: number;
  /** Cap on `max_execution_time`, applied to every query. Default 60. */
  maxExecutionTimeSeconds?: number;
  /** How long past the execution cap a request may take (queueing, output) before it times out. Default 30. */
  requestTimeoutGraceSeconds?: number;
}

export interface ResolvedOptions {
  readonly executor: QueryExecutor;
  readonly host: string;
  readonly port: number;
  readonly users: readonly HttpUser[];
  readonly maxBodyBytes: number;
  readonly maxDecompressedBodyBytes: number;
  readonly maxExecutionTimeSeconds: number;
  readonly requestTimeoutMs: number;
}

export function resolveOptions(options: ClickHouseHttpServerOptions): ResolvedOptions {
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const maxExecutionTimeSeconds = options.maxExecutionTimeSeconds ?? 60;
  return {
    executor: options.executor,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8123,
    users: options.users ?? [],
    maxBodyBytes,
    maxDecompressedBodyBytes: options.maxDecompressedBodyBytes ?? maxBodyBytes,
    maxExecutionTimeSeconds,
    requestTimeoutMs: (maxExecutionTimeSeconds + (options.requestTimeoutGraceSeconds ?? 30)) * 1000,
  };
}
