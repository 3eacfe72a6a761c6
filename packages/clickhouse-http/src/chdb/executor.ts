/**
 * Runs HTTP queries on the embedded engine (chdb). It opens its own sessions on the store's data
 * directory: chdb lets any number of sessions share one directory (one engine, the same tables),
 * and each session has its own current database, settings and temporary tables. So `USE`, the
 * `database` parameter and settings never leak into the session ingestion writes through, or from
 * one request to the next: a session serves one request at a time. An HTTP session keeps its
 * settings and current database here and gets an engine session of its own only when it creates
 * a temporary table, which lives there.
 */
import { Session, type ChdbResult } from 'chdb';
import { ClickHouseHttpError, fromEngineError } from '../errors.js';
import type {
  ExecutorSession,
  QueryExecutor,
  QueryRequest,
  QueryResult,
  ServerInfo,
} from '../executor.js';
import {
  assertReadonlyStatement,
  assertRunnableOverHttp,
  readonlySettings,
} from '../sql/policy.js';
import { resetStatement, setStatement, withSettings, type Settings } from '../sql/settings-sql.js';
import { analyseStatement, isTemporaryTableStatement, type Statement } from '../sql/statement.js';
import { bindingValue } from './param-values.js';
import { Pool } from './pool.js';
import { settingsAfterSet } from './session-settings.js';

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

/** What an HTTP session keeps between its requests. */
interface SessionState {
  settings: Settings;
  database: string;
  /** The engine session its temporary tables live in, opened by the first of them. */
  own: Lease | undefined;
}

const EMPTY_SUMMARY = { readRows: 0, readBytes: 0, elapsedSeconds: 0 };

export async function openChdbExecutor(options: ChdbExecutorOptions): Promise<ChdbExecutor> {
  const { dataPath } = options;
  const open = (): Lease => ({ session: new Session(dataPath), database: 'default' });
  const leases = Array.from({ length: options.concurrency ?? 2 }, open);
  const info = await serverInfo(leases[0]!.session);
  const pool = new Pool(leases, options.maxQueued ?? 16);
  /** HTTP sessions' own engine sessions, closed with the executor if the server left any open. */
  const owned = new Set<Lease>();

  async function execute(request: QueryRequest, session?: SessionState): Promise<QueryResult> {
    const statement = analyseStatement(request.sql);
    assertRunnableOverHttp(statement);
    if (request.readonly) assertReadonlyStatement(statement, request.user);
    const settings = request.readonly ? readonlySettings(request.settings) : request.settings;
    const format = statement.format ?? request.defaultFormat;
    if (statement.kind === 'set' || statement.kind === 'use') {
      // Without a session they change nothing, as on a ClickHouse server.
      if (session)
        await withLease(request.signal, (lease) =>
          change(session, lease, statement, request.readonly),
        );
      return { body: Buffer.alloc(0), format, summary: EMPTY_SUMMARY };
    }
    if (isTemporaryTableStatement(statement)) {
      // On a pooled engine session the table would outlive the request, seen by the next one.
      if (!session) throw temporaryNeedsSession();
      if (!session.own) owned.add((session.own = open()));
    }
    return withLease(request.signal, async (lease) => {
      // A session with temporary tables runs where they live; the pooled lease is held all the
      // same, so its queries count against the engine's concurrency like everyone's.
      const target = session?.own ?? lease;
      await useDatabase(target, request.database ?? session?.database ?? 'default');
      request.signal?.throwIfAborted();
      const result = request.readonly
        ? await run(target.session, withSettings(statement, settings), statement, request, format)
        : await runWithSessionSettings(target, statement, settings, request, format);
      return {
        body: Buffer.from(result.bytes()),
        format,
        summary: {
          readRows: result.rowsRead,
          readBytes: result.bytesRead,
          elapsedSeconds: result.elapsed,
        },
      };
    });
  }

  async function withLease<T>(
    signal: AbortSignal | undefined,
    task: (lease: Lease) => Promise<T>,
  ): Promise<T> {
    const lease = await pool.acquire(signal);
    try {
      return await task(lease);
    } finally {
      pool.release(lease);
    }
  }

  async function change(
    session: SessionState,
    lease: Lease,
    statement: Statement,
    readonly: boolean,
  ): Promise<void> {
    if (statement.kind === 'use') session.database = await changeDatabase(lease, statement);
    else
      session.settings = await settingsAfterSet(
        lease.session,
        session.settings,
        statement,
        readonly,
      );
  }

  function openSession(): ExecutorSession {
    const state: SessionState = { settings: new Map(), database: 'default', own: undefined };
    return {
      get settings() {
        return state.settings;
      },
      execute: (request) => execute(request, state),
      close() {
        if (!state.own) return;
        state.own.session.close();
        owned.delete(state.own);
        state.own = undefined;
      },
    };
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
    execute: (request) => execute(request),
    openSession,
    async close() {
      for (const lease of [...(await pool.close()), ...owned]) lease.session.close();
      owned.clear();
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

/** Runs the client's `USE` and reads back where it landed (`USE [DATABASE] name`, quoted or not). */
async function changeDatabase(lease: Lease, statement: Statement): Promise<string> {
  lease.database = ''; // unknown until read back, so the next request's USE is not skipped
  await engine(lease.session.queryAsync(statement.text));
  const result = await engine(
    lease.session.queryAsync('SELECT currentDatabase() AS db', { format: 'JSONEachRow' }),
  );
  return (lease.database = result.json<{ db: string }>().db);
}

function temporaryNeedsSession(): ClickHouseHttpError {
  return ClickHouseHttpError.of(
    'BAD_ARGUMENTS',
    'Temporary tables live in an HTTP session: send session_id (without one the table would end with the request)',
  );
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
