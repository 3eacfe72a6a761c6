/**
 * Runs HTTP queries on the embedded engine (chdb). It opens its own sessions on the store's data
 * directory: chdb lets any number of sessions share one directory (one engine, the same tables),
 * and each session has its own current database and settings. So `USE`, the `database` parameter
 * and settings never leak into the session ingestion writes through, or from one request to the
 * next: a session serves one request at a time.
 */
import { Session, type ChdbResult } from 'chdb';
import { fromEngineError } from '../errors.js';
import type { QueryExecutor, QueryRequest, QueryResult, ServerInfo } from '../executor.js';
import {
  assertReadonlyStatement,
  assertRunnableOverHttp,
  readonlySettings,
} from '../sql/policy.js';
import { resetStatement, setStatement, withSettings, type Settings } from '../sql/settings-sql.js';
import { analyseStatement, type Statement } from '../sql/statement.js';
import { bindingValue } from './param-values.js';
import { Pool } from './pool.js';

export interface ChdbExecutorOptions {
  /** The embedded store's data directory (`store.dataPath`). */
  dataPath: string;
  /** Queries that run at once, one engine session each. Default 2. */
  concurrency?: number;
  /** Queries that may wait for a session; more are refused with 503. Default 16. */
  maxQueued?: number;
}

export interface ChdbExecutor extends QueryExecutor {
  /** Waits for running queries, then closes the sessions. The store stays open. */
  close(): Promise<void>;
}

interface Lease {
  session: Session;
  database: string;
}

const EMPTY_SUMMARY = { readRows: 0, readBytes: 0, elapsedSeconds: 0 };

export async function openChdbExecutor(options: ChdbExecutorOptions): Promise<ChdbExecutor> {
  const { dataPath } = options;
  const open = (): Lease => ({ session: new Session(dataPath), database: 'default' });
  const leases = Array.from({ length: options.concurrency ?? 2 }, open);
  const info = await serverInfo(leases[0]!.session);
  const pool = new Pool(leases, options.maxQueued ?? 16);

  async function execute(request: QueryRequest): Promise<QueryResult> {
    const statement = analyseStatement(request.sql);
    assertRunnableOverHttp(statement);
    if (request.readonly) assertReadonlyStatement(statement, request.user);
    const settings = request.readonly ? readonlySettings(request.settings) : request.settings;
    const format = statement.format ?? request.defaultFormat;
    // Without sessions (HTTP has none here) SET and USE change nothing, as on a ClickHouse server.
    if (statement.kind === 'set' || statement.kind === 'use') {
      return { body: Buffer.alloc(0), format, summary: EMPTY_SUMMARY };
    }
    const lease = await pool.acquire(request.signal);
    try {
      await useDatabase(lease, request.database);
      request.signal?.throwIfAborted();
      const result = request.readonly
        ? await run(lease.session, withSettings(statement, settings), statement, request, format)
        : await runWithSessionSettings(lease, statement, settings, request, format);
      return {
        body: Buffer.from(result.bytes()),
        format,
        summary: {
          readRows: result.rowsRead,
          readBytes: result.bytesRead,
          elapsedSeconds: result.elapsed,
        },
      };
    } finally {
      pool.release(lease);
    }
  }

  /**
   * A writer's statement may be DDL or an INSERT with inline data, which have no place for a
   * SETTINGS clause; the settings are set on the leased session around it and then reset.
   */
  async function runWithSessionSettings(
    lease: Lease,
    statement: Statement,
    settings: Settings,
    request: QueryRequest,
    format: string,
  ): Promise<ChdbResult> {
    if (settings.size === 0) return run(lease.session, statement.text, statement, request, format);
    try {
      await engine(lease.session.queryAsync(setStatement(settings)));
      return await run(lease.session, statement.text, statement, request, format);
    } finally {
      await lease.session.queryAsync(resetStatement(settings.keys())).catch(() => {
        // A setting that cannot be reset (e.g. readonly) must not reach the next request.
        lease.session.close();
        Object.assign(lease, open());
      });
    }
  }

  return {
    info,
    execute,
    async close() {
      for (const lease of await pool.close()) lease.session.close();
    },
  };
}

function run(
  session: Session,
  sql: string,
  statement: Statement,
  request: QueryRequest,
  format: string,
): Promise<ChdbResult> {
  if (request.params.size === 0) return engine(session.queryAsync(sql, { format }));
  const values: Record<string, string | null> = {};
  for (const [name, raw] of request.params)
    values[name] = bindingValue(raw, statement.parameterTypes.get(name));
  return engine(session.queryBindAsync(sql, values, { format }));
}

async function useDatabase(lease: Lease, database: string): Promise<void> {
  if (lease.database === database) return;
  await engine(lease.session.queryAsync(`USE ${quoteIdentifier(database)}`));
  lease.database = database;
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

async function engine<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw fromEngineError(err);
  }
}

async function serverInfo(session: Session): Promise<ServerInfo> {
  const result = await engine(
    session.queryAsync(
      'SELECT version() AS version, timezone() AS timezone, displayName() AS displayName',
      {
        format: 'JSONEachRow',
      },
    ),
  );
  return result.json<ServerInfo>();
}
