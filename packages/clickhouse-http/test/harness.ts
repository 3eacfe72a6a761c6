/** A real server on 127.0.0.1 over the real engine, in a data directory of the test file's own. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openChdbExecutor,
  startClickHouseHttpServer,
  type ChdbExecutor,
  type ClickHouseHttpServer,
  type ClickHouseHttpServerOptions,
} from '../src/index.js';

export const WRITER = { name: 'admin', password: 'admin-secret', readonly: false };
export const READER = { name: 'grafana', password: 'grafana-secret', readonly: true };

export interface Harness {
  readonly url: string;
  readonly dataPath: string;
  readonly executor: ChdbExecutor;
  readonly server: ClickHouseHttpServer;
  close(): Promise<void>;
}

export async function startHarness(
  options: Partial<ClickHouseHttpServerOptions> = {},
  dataPath?: string,
): Promise<Harness> {
  const dir = dataPath ?? mkdtempSync(join(tmpdir(), 'agentmeter-clickhouse-http-'));
  const executor = await openChdbExecutor({ dataPath: dir });
  const server = await startClickHouseHttpServer({
    users: [WRITER, READER],
    ...options,
    executor,
    port: 0,
  });
  return {
    url: server.url,
    dataPath: dir,
    executor,
    server,
    async close() {
      await server.close();
      await executor.close();
      if (!dataPath) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function basicAuth(user: { name: string; password: string }): Record<string, string> {
  return {
    Authorization: `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`,
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  readonly text: string;
}

export async function request(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const res = await fetch(url, init);
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, text: body.toString('utf8') };
}
