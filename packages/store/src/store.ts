/**
 * The one way services reach ClickHouse: `@clickhouse/client`, over the embedded engine
 * (chdb, in process) by default, or over HTTP to a ClickHouse server when a URL is given.
 * Nothing above this module knows which.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scopeSettings } from './scoped-settings.js';

export interface StoreOptions {
  /** ClickHouse server URL; when absent the embedded engine is used. */
  url?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  /** Data directory of the embedded engine. */
  dataPath: string;
  /** Per-query timeout against a server, in ms. */
  requestTimeoutMs?: number | undefined;
}

export interface Store {
  readonly client: ClickHouseClient;
  readonly mode: 'embedded' | 'server';
  /** Where the embedded engine keeps its data; undefined in server mode. */
  readonly dataPath: string | undefined;
  close(): Promise<void>;
}

/** Another process has the embedded engine's data directory open: the engine locks it. */
export class DataDirectoryInUseError extends Error {
  readonly code = 'AGENTMETER_DATA_DIR_IN_USE';

  constructor(
    readonly dataPath: string,
    /** The process holding it, as the engine's status file names it. */
    readonly pid: number,
    options?: ErrorOptions,
  ) {
    super(
      `the data directory ${dataPath} is in use by another process (PID ${pid}): the embedded engine opens a directory in one process at a time`,
      options,
    );
  }
}

export function openStore(o: StoreOptions): Store {
  if (o.url) {
    const client = createClient({
      url: o.url,
      username: o.username ?? 'default',
      password: o.password ?? '',
      request_timeout: o.requestTimeoutMs ?? 30_000,
      compression: { request: true, response: true },
    });
    return { client, mode: 'server', dataPath: undefined, close: () => client.close() };
  }
  const dataPath = resolve(o.dataPath);
  mkdirSync(dataPath, { recursive: true });
  // chdb types its Connection against its own copy of @clickhouse/client-common; the shapes are
  // the same contract (chdb's parity suite runs clickhouse-js's tests), only the declarations differ.
  let connection: Parameters<typeof scopeSettings>[0];
  // Asked first where the kernel can tell: the engine prints its own refusal to stderr.
  const locker = lockingProcess(dataPath);
  if (locker !== undefined) throw new DataDirectoryInUseError(dataPath, locker);
  try {
    connection = createChdbConnection({ path: dataPath }) as unknown as typeof connection;
  } catch (err) {
    // The engine's own error only says the connection failed; the status file says why.
    const holder = lockHolder(dataPath);
    throw holder === undefined
      ? err
      : new DataDirectoryInUseError(dataPath, holder, { cause: err });
  }
  const client = createClient({ connection: scopeSettings(connection) });
  return { client, mode: 'embedded', dataPath, close: () => client.close() };
}

/**
 * The live process, other than this one, that the engine's status file names: the engine writes
 * its PID there once it holds the directory's lock. A crash leaves the file behind with a dead
 * PID, so only a live one counts, and only once opening has failed.
 */
function lockHolder(dataPath: string): number | undefined {
  let status: string;
  try {
    status = readFileSync(join(dataPath, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID: (\d+)$/m.exec(status)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: it lives, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/**
 * The live process the status file names, when Linux's /proc/locks shows it holding a lock on
 * that file: exact, unlike the PID alone, which a crashed engine leaves behind for the system to
 * reuse. Undefined where /proc/locks cannot be read.
 */
function lockingProcess(dataPath: string): number | undefined {
  const pid = lockHolder(dataPath);
  if (pid === undefined) return undefined;
  let locks: string;
  let inode: number;
  try {
    inode = statSync(join(dataPath, 'status')).ino;
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined;
  }
  // `1: FLOCK  ADVISORY  WRITE 11290 fe:00:2150257 0 EOF`: the holder's PID, then major:minor:inode.
  const held = locks.split('\n').some((line) => {
    const f = line.trim().split(/\s+/);
    return f[4] === String(pid) && f[5]?.endsWith(`:${inode}`);
  });
  return held ? pid : undefined;
}

/** Runs a query and returns its rows as objects (JSONEachRow). */
export async function queryRows<T = Record<string, unknown>>(
  client: Pick<ClickHouseClient, 'query'>,
  query: string,
  params?: Record<string, unknown>,
): Promise<T[]> {
  const rs = await client.query({ query, format: 'JSONEachRow', query_params: params });
  return rs.json<T>();
}
