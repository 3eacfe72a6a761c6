/**
 * The one way services reach ClickHouse: `@clickhouse/client`, over the embedded engine
 * (chdb, in process) by default, or over HTTP to a ClickHouse server when a URL is given.
 * Nothing above this module knows which.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
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
  const connection = createChdbConnection({ path: dataPath }) as unknown as Parameters<
    typeof scopeSettings
  >[0];
  const client = createClient({ connection: scopeSettings(connection) });
  return { client, mode: 'embedded', dataPath, close: () => client.close() };
}

/** Runs a query and returns its rows as objects (JSONEachRow). */
export async function queryRows<T = Record<string, unknown>>(
  client: ClickHouseClient,
  query: string,
  params?: Record<string, unknown>,
): Promise<T[]> {
  const rs = await client.query({ query, format: 'JSONEachRow', query_params: params });
  return rs.json<T>();
}
