/** ClickHouse's HTTP interface, served over a query executor on the hardened agentmeter listener. */
import { listen } from '@agentmeter/store';
import { createRequestHandler } from './http/handler.js';
import { HttpSessions } from './http/sessions.js';
import { resolveOptions, type ClickHouseHttpServerOptions } from './options.js';

export interface ClickHouseHttpServer {
  /** e.g. `http://127.0.0.1:8123` */
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting connections, lets requests in flight finish (cut at `deadlineMs`, default
   * 10 s), then closes the HTTP sessions. The executor stays open.
   */
  close(deadlineMs?: number): Promise<void>;
}

export async function startClickHouseHttpServer(
  options: ClickHouseHttpServerOptions,
): Promise<ClickHouseHttpServer> {
  const resolved = resolveOptions(options);
  const sessions = new HttpSessions(resolved.executor, resolved.sessions, resolved.clock);
  const listener = await listen(
    'ClickHouse HTTP interface',
    resolved.host,
    resolved.port,
    resolved.listener,
    createRequestHandler(resolved, sessions),
    'clickhouse-http',
  );
  return {
    url: listener.url,
    port: listener.port,
    async close(deadlineMs = 10_000) {
      await listener.close(deadlineMs);
      sessions.close();
    },
  };
}
