/**
 * The ClickHouse interface under abusive queries and connection floods, with ingest running in
 * the same process on the same engine (issue 7, cases 5 and 6): a query that would eat the
 * memory is refused, one user cannot queue everyone else out, idle connections are closed, and
 * ingest is answered throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { jsonRequest, jsonSpan, startProduct, type Running } from './helpers.js';

let product: Running;
const MiB = 1024 * 1024;
const ALICE = { name: 'alice', password: 'alice-secret', readonly: true };
const BOB = { name: 'bob', password: 'bob-secret', readonly: true };
/** Open connections each listener lets in. */
const MAX_CONNECTIONS = 64;

beforeAll(async () => {
  product = await startProduct({
    clickhouseHttp: {
      users: [ALICE, BOB],
      maxResultBytes: 16 * MiB,
      maxMemoryUsageBytes: 512 * MiB,
      maxConcurrentQueries: 4,
      maxConcurrentQueriesPerUser: 2,
      maxQueuedQueriesPerUser: 4,
      maxConnections: MAX_CONNECTIONS,
      headersTimeoutMs: 1_000,
      keepAliveTimeoutMs: 1_000,
    },
    ingester: { maxConnections: MAX_CONNECTIONS, headersTimeoutMs: 1_000 },
  });
});
afterAll(async () => {
  await product?.stop();
});

const auth = (u: { name: string; password: string }) => ({
  'X-ClickHouse-User': u.name,
  'X-ClickHouse-Key': u.password,
});

async function query(
  sql: string,
  user = ALICE,
): Promise<{ status: number; code: string | null; text: string }> {
  const res = await fetch(`${product.clickhouseUrl}/`, {
    method: 'POST',
    headers: auth(user),
    body: sql,
  });
  const text = await res.text();
  return { status: res.status, code: res.headers.get('x-clickhouse-exception-code'), text };
}

let serial = 0;
/** Sends one LLM span; resolves with the status. */
async function ingestOne(): Promise<number> {
  serial++;
  const res = await fetch(`${product.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: jsonRequest([jsonSpan({ serial, project: 'limits' })]),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Ingests one span every 20 ms while `work` runs; resolves with the statuses. */
async function ingestDuring<T>(work: Promise<T>): Promise<{ result: T; statuses: number[] }> {
  const statuses: number[] = [];
  let done = false;
  const sender = (async () => {
    while (!done) {
      statuses.push(await ingestOne());
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const result = await work;
  done = true;
  await sender;
  return { result, statuses };
}

describe('query limits', () => {
  it('refuses a query whose result would fill the memory, with ingest answered meanwhile', async () => {
    const rssBefore = process.memoryUsage().rss;
    const { result, statuses } = await ingestDuring(
      query('SELECT number, toString(number) FROM numbers(1e12) FORMAT TSV'),
    );
    const grownMiB = (process.memoryUsage().rss - rssBefore) / MiB;
    console.log(`numbers(1e12) refused: ${result.code}; RSS grew ${grownMiB.toFixed(0)} MiB`);
    expect(result.status).toBe(500);
    expect(result.code).toBe('396'); // TOO_MANY_ROWS_OR_BYTES
    expect(result.text).toMatch(/Limit for result exceeded/);
    expect(grownMiB).toBeLessThan(1024);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('refuses a query that needs more memory than its cap, with ingest answered meanwhile', async () => {
    const { result, statuses } = await ingestDuring(
      query('SELECT length(groupArray(number)) FROM numbers(300000000)'),
    );
    expect(result.code).toBe('241'); // MEMORY_LIMIT_EXCEEDED
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('does not let a client raise its own caps', async () => {
    const raised = await query(
      'SELECT count() FROM numbers(10) SETTINGS max_memory_usage = 100000000000',
    );
    expect(raised.code).toBe('164'); // READONLY: cannot modify the setting
  });

  it("keeps one user's burst from queueing another user out", async () => {
    // Alice: 2 running, 4 waiting, the rest refused at once. Bob still gets an answer.
    const slow = 'SELECT sum(sleepEachRow(0.25)) FROM numbers(4) SETTINGS max_block_size = 1';
    let answered = 0;
    const burst = Array.from({ length: 9 }, () =>
      query(slow).then((r) => {
        answered++;
        return r;
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const bob = await query('SELECT 1', BOB);
    const answeredBeforeBob = answered;
    const alice = await Promise.all(burst);
    expect(bob).toMatchObject({ status: 200, text: '1\n' });
    const codes = alice.map((r) => (r.status === 200 ? 'ok' : r.code)).sort();
    expect(codes).toEqual(['202', '202', '202', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    // Bob was answered before any of Alice's accepted queries: only her 3 refusals came first.
    expect(answeredBeforeBob).toBe(3);
  });
});

describe('connection limits', () => {
  /**
   * Past the maximum, but within the kernel's accept queue (net.core.somaxconn, 128 on some
   * machines) even if nothing were accepted: a burst past it leaves connections half-open for a
   * minute (CI timed out so with 400), which tests the kernel, not the listener.
   */
  const FLOOD = 124;
  /** Opens `n` TCP connections that never send a byte; resolves with their close times. */
  function idleFlood(port: number, n: number): { closed: Promise<number[]>; sockets: Socket[] } {
    const t0 = performance.now();
    const sockets: Socket[] = [];
    const closes = Array.from({ length: n }, () => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
      return new Promise<number>((resolve) =>
        s.once('close', () => resolve(performance.now() - t0)),
      );
    });
    return { closed: Promise.all(closes), sockets };
  }

  it('closes idle connections and refuses past the maximum, with ingest and queries answered', async () => {
    const port = Number(new URL(product.clickhouseUrl).port);
    const flood = idleFlood(port, FLOOD);
    await new Promise((r) => setTimeout(r, 200));
    // While the sockets press on the interface, both listeners keep working.
    expect(await ingestOne()).toBe(200);
    const times = await flood.closed;
    // Past the maximum a connection is closed as it arrives; those let in wait out the 1 s
    // header deadline. Split between the two, with the event loop's lag on a busy machine.
    const refusedAtOnce = times.filter((t) => t < 900).length;
    const slowest = Math.max(...times);
    console.log(
      `idle flood: ${refusedAtOnce} of ${FLOOD} closed before the header deadline, all closed after ${slowest.toFixed(0)} ms`,
    );
    expect(refusedAtOnce).toBeGreaterThanOrEqual(FLOOD - MAX_CONNECTIONS);
    expect(slowest).toBeLessThan(5_000); // header deadline (1 s) + Node's check interval (1 s)
    expect(await query('SELECT 1')).toMatchObject({ status: 200, text: '1\n' });
  });

  it('closes an idle socket on the OTLP receiver too', async () => {
    const flood = idleFlood(Number(new URL(product.otlpUrl).port), 3);
    const times = await flood.closed;
    expect(Math.max(...times)).toBeLessThan(5_000);
  });
});
