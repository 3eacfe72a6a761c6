/** Server options; every default is resolved here and nowhere else. */
import { systemClock, type Clock } from '@agentmeter/conventions';
import type { ListenerLimits } from '@agentmeter/store';
import type { QueryExecutor } from './executor.js';
import type { HttpUser } from './http/auth.js';

const MiB = 1024 * 1024;

export interface ClickHouseHttpServerOptions {
  /** Runs the queries; the server does not close it. */
  executor: QueryExecutor;
  /** Told of refused credentials and rate-limited requests (the access log). */
  onAccessRefused?: ListenerLimits['onAccessRefused'];
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 8123; 0 picks a free port. */
  port?: number;
  /** Who may query. Empty (the default) and no `apiKeys`: anyone, read-only. */
  users?: readonly HttpUser[];
  /** Accepted as the password of any user name, read-only (the ingester's API keys). */
  apiKeys?: readonly string[];
  /** Largest request body on the wire. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Largest request body after Content-Encoding is undone. Default: `maxBodyBytes`. */
  maxDecompressedBodyBytes?: number;
  /** Cap on `max_execution_time`, applied to every query. Default 60. */
  maxExecutionTimeSeconds?: number;
  /** Cap on `max_memory_usage` (one query's memory). Default 2 GiB. */
  maxMemoryUsageBytes?: number;
  /** Cap on `max_result_bytes` (results are held in memory before they are sent). Default 256 MiB. */
  maxResultBytes?: number;
  /** Queries one user runs at once. Default 2. */
  maxConcurrentQueriesPerUser?: number;
  /** Queries one user may have waiting; more are refused at once. Default 8. */
  maxQueuedQueriesPerUser?: number;
  /** HTTP sessions (`session_id`) open at once, all users; a new one past this is refused. Default 1000. */
  maxSessions?: number;
  /** Largest `session_timeout` a client may ask for (ClickHouse's `max_session_timeout`). Default 3600. */
  maxSessionTimeoutSeconds?: number;
  /** Expires idle sessions. Default: the system clock. */
  clock?: Clock;
  /** How long past the execution cap a request may take (queueing, output) before it times out. Default 30. */
  requestTimeoutGraceSeconds?: number;
  /** Connection limits (see `@agentmeter/store` `listen`). Defaults 1024 connections, 10 s, 5 s. */
  maxConnections?: number;
  headersTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

/** Caps applied to every query's settings: the client may ask for less, never more. */
export interface QueryLimits {
  readonly maxExecutionTimeSeconds: number;
  readonly maxMemoryUsageBytes: number;
  readonly maxResultBytes: number;
}

export interface ResolvedOptions {
  readonly executor: QueryExecutor;
  readonly host: string;
  readonly port: number;
  readonly users: readonly HttpUser[];
  readonly apiKeys: readonly string[];
  readonly maxBodyBytes: number;
  readonly maxDecompressedBodyBytes: number;
  readonly limits: QueryLimits;
  readonly maxConcurrentQueriesPerUser: number;
  readonly maxQueuedQueriesPerUser: number;
  readonly sessions: SessionLimits;
  readonly clock: Clock;
  readonly listener: ListenerLimits;
}

export interface SessionLimits {
  readonly maxSessions: number;
  readonly maxTimeoutSeconds: number;
}

export function resolveOptions(options: ClickHouseHttpServerOptions): ResolvedOptions {
  const maxBodyBytes = options.maxBodyBytes ?? 10 * MiB;
  const maxExecutionTimeSeconds = options.maxExecutionTimeSeconds ?? 60;
  return {
    executor: options.executor,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8123,
    users: options.users ?? [],
    apiKeys: options.apiKeys ?? [],
    maxBodyBytes,
    maxDecompressedBodyBytes: options.maxDecompressedBodyBytes ?? maxBodyBytes,
    limits: {
      maxExecutionTimeSeconds,
      maxMemoryUsageBytes: options.maxMemoryUsageBytes ?? 2048 * MiB,
      maxResultBytes: options.maxResultBytes ?? 256 * MiB,
    },
    maxConcurrentQueriesPerUser: options.maxConcurrentQueriesPerUser ?? 2,
    maxQueuedQueriesPerUser: options.maxQueuedQueriesPerUser ?? 8,
    sessions: {
      maxSessions: options.maxSessions ?? 1000,
      maxTimeoutSeconds: options.maxSessionTimeoutSeconds ?? 3600,
    },
    clock: options.clock ?? systemClock,
    listener: {
      maxConnections: options.maxConnections ?? 1024,
      headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 5_000,
      requestTimeoutMs:
        (maxExecutionTimeSeconds + (options.requestTimeoutGraceSeconds ?? 30)) * 1000,
      onAccessRefused: options.onAccessRefused,
    },
  };
}
