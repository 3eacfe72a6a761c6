/** ClickHouse's HTTP interface, served by Node's `http` module over a query executor. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestHandler } from './http/handler.js';
import { resolveOptions, type ClickHouseHttpServerOptions } from './options.js';

export interface ClickHouseHttpServer {
  /** e.g. `http://127.0.0.1:8123` */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and waits for requests in flight. The executor stays open. */
  close(): Promise<void>;
}

export async function startClickHouseHttpServer(
  options: ClickHouseHttpServerOptions,
): Promise<ClickHouseHttpServer> {
  const resolved = resolveOptions(options);
  const server = createServer(createRequestHandler(resolved));
  // Receiving a request may not take longer than answering one is allowed to.
  server.requestTimeout = resolved.requestTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
