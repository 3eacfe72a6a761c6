/**
 * ClickHouse unavailable in server mode: the ingester writes to a ClickHouse server (a second
 * agentmeter's ClickHouse interface) through a TCP proxy that the test cuts and restores. An
 * insert that fails for want of a store is answered 503 and stays journaled; once the store is
 * back it is applied, with its token, before anything else, and every span is stored once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startServices, type Services } from 'agentmeter';
import { parseConfig } from '@agentmeter/store';
import { jsonRequest, jsonSpan, startProduct, type Running } from './helpers.js';

const WRITER = { name: 'writer', password: 'writer-secret', readonly: false };
let server: Running;
let viaProxy: Services;
let proxy: Server;
let down = false;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = await startProduct({ clickhouseHttp: { users: [WRITER] } });
  const target = new URL(server.clickhouseUrl);
  proxy = createServer((client) => {
    if (down) return client.destroy();
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.once('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as AddressInfo).port;
  viaProxy = await startServices(
    parseConfig({
      clickhouse: {
        url: `http://127.0.0.1:${port}`,
        username: WRITER.name,
        password: WRITER.password,
        database: 'agentmeter_outage',
        dataPath: `${server.store.dataPath}-outage-journal`,
        requestTimeoutMs: 2_000,
      },
      ingester: { port: 0 },
      // What this test breaks is the ingester's store; alerting has tests of its own.
      alerting: { enabled: false },
    }),
  );
});
afterAll(async () => {
  down = false;
  await viaProxy?.close();
  proxy?.close();
  rmSync(`${server.store.dataPath}-outage-journal`, { recursive: true, force: true });
  await server?.stop();
});

function cut(): void {
  down = true;
  for (const s of sockets) s.destroy();
}

let serial = 0;
const batch = (project: string, n: number): string =>
  jsonRequest(Array.from({ length: n }, () => jsonSpan({ serial: ++serial, project })));

async function post(body: string): Promise<number> {
  const res = await fetch(`${viaProxy.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('an insert that fails for want of a store', () => {
  it('is answered 503, kept, and applied once before anything else when the store is back', async () => {
    const a = batch('outage-a', 30);
    const b = batch('outage-b', 20);
    cut();
    expect(await post(a)).toBe(503); // journaled, pending
    expect(await post(b)).toBe(503); // not attempted while a waits: released, the sender retries
    expect(await post(a)).toBe(200); // a's spans are held by the journal: the retry is a duplicate
    down = false;
    expect(await post(b)).toBe(200); // a is applied first, then b
    const counts = (table: string, measure: string) =>
      server.rows<{ project: string; n: string }>(
        `SELECT project, toString(${measure}) AS n FROM agentmeter_outage.${table} GROUP BY project ORDER BY project`,
      );
    const expected = [
      { project: 'outage-a', n: '30' },
      { project: 'outage-b', n: '20' },
    ];
    expect(await counts('llm_spans', 'count()')).toEqual(expected);
    for (const level of ['1m', '1h', '1d']) {
      expect(await counts(`llm_usage_${level}`, 'sum(requests)')).toEqual(expected);
    }
  });
});
