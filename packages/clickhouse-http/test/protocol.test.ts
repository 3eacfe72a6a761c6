import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { gunzipSync, gzipSync, deflateSync } from 'node:zlib';
import { Session } from 'chdb';
import {
  openChdbExecutor,
  startClickHouseHttpServer,
  type ClickHouseHttpServer,
} from '../src/index.js';
import { READER, WRITER, basicAuth, request, startHarness, type Harness } from './harness.js';

let harness: Harness;
const reader = basicAuth(READER);
const writer = basicAuth(WRITER);
const EXCEPTION_BODY =
  /^Code: (\d+)\. DB::Exception: [\s\S]+\. \(([A-Z_]+)\) \(version 26\.[\d.]+\)\n$/;

beforeAll(async () => {
  harness = await startHarness();
  const created = await request(`${harness.url}/`, {
    method: 'POST',
    headers: writer,
    body: 'CREATE TABLE t (id UInt32, s String) ENGINE = MergeTree ORDER BY id; -- trailing ; is fine',
  });
  expect(created.status).toBe(200);
  const inserted = await request(
    `${harness.url}/?query=${encodeURIComponent('INSERT INTO t FORMAT TabSeparated')}`,
    {
      method: 'POST',
      headers: writer,
      body: '1\tone\n2\ttwo\n3\tthree\n',
    },
  );
  expect(inserted.status).toBe(200);
});

afterAll(async () => {
  await harness.close();
});

const post = (path: string, body: string | Buffer, headers: Record<string, string> = reader) =>
  request(`${harness.url}${path}`, { method: 'POST', headers, body });

describe('health endpoints', () => {
  it('answers Ok. on /, /ping and /replicas_status, and 404 elsewhere', async () => {
    for (const path of ['/', '/ping', '/replicas_status']) {
      const res = await request(`${harness.url}${path}`);
      expect([res.status, res.text], path).toEqual([200, 'Ok.\n']);
    }
    expect((await request(`${harness.url}/play`)).status).toBe(404);
  });
});

describe('queries', () => {
  it('runs a GET query from the query parameter, TabSeparated by default', async () => {
    const res = await request(
      `${harness.url}/?query=${encodeURIComponent('SELECT id, s FROM t ORDER BY id')}`,
      { headers: reader },
    );
    expect(res.status).toBe(200);
    expect(res.text).toBe('1\tone\n2\ttwo\n3\tthree\n');
    expect(res.headers.get('x-clickhouse-format')).toBe('TabSeparated');
    expect(res.headers.get('content-type')).toBe('text/tab-separated-values; charset=UTF-8');
    expect(JSON.parse(res.headers.get('x-clickhouse-summary')!)).toMatchObject({ read_rows: '3' });
    expect(res.headers.get('x-clickhouse-timezone')).toBeTruthy();
  });

  it('joins the query parameter and the body with a line break', async () => {
    const res = await post(`/?query=${encodeURIComponent('SELECT count()')}`, 'FROM t');
    expect(res.text).toBe('3\n');
  });

  it('treats GET as read-only even for a writer', async () => {
    const res = await request(`${harness.url}/?query=${encodeURIComponent('DROP TABLE t')}`, {
      headers: writer,
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('164');
  });

  it('uses default_format (or X-ClickHouse-Format) unless the SQL names a FORMAT', async () => {
    const byParam = await post('/?default_format=JSONEachRow', 'SELECT id FROM t WHERE id = 1');
    expect([byParam.text, byParam.headers.get('x-clickhouse-format')]).toEqual([
      '{"id":1}\n',
      'JSONEachRow',
    ]);
    const byHeader = await post('/', 'SELECT id FROM t WHERE id = 1', {
      ...reader,
      'X-ClickHouse-Format': 'CSV',
    });
    expect(byHeader.text).toBe('1\n');
    const inSql = await post(
      '/?default_format=JSONEachRow',
      'SELECT id, s FROM t WHERE id = 1 FORMAT CSVWithNames',
    );
    expect([inSql.text, inSql.headers.get('x-clickhouse-format')]).toEqual([
      '"id","s"\n1,"one"\n',
      'CSVWithNames',
    ]);
  });

  it('returns Native output byte for byte as the engine writes it when no client_protocol_version is sent', async () => {
    const sql =
      'SELECT id, s, [s] AS a, toLowCardinality(s) AS lc, toDecimal64(id, 3) AS d FROM t ORDER BY id';
    const res = await post('/?default_format=Native', sql);
    const session = new Session(harness.dataPath);
    try {
      const direct = Buffer.from((await session.queryAsync(sql, { format: 'Native' })).bytes());
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.body.equals(direct)).toBe(true);
      expect(res.body.length).toBeGreaterThan(40);
    } finally {
      session.close();
    }
  });

  it('passes unknown URL parameters to the engine as settings and binds param_ values', async () => {
    const res = await post(
      `/?max_threads=1&param_name=${encodeURIComponent("t\\'wo")}&param_ids=${encodeURIComponent('[2,3]')}`,
      "SELECT getSetting('max_threads') AS threads, {name:String} AS name, id FROM t WHERE id IN {ids:Array(UInt32)} AND s != {name:String} ORDER BY id FORMAT JSONEachRow",
    );
    expect(
      res.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { threads: 1, name: "t'wo", id: 2 },
      { threads: 1, name: "t'wo", id: 3 },
    ]);
    const unknown = await post('/?no_such_setting=1', 'SELECT 1');
    expect([unknown.status, unknown.headers.get('x-clickhouse-exception-code')]).toEqual([
      404,
      '115',
    ]);
  });

  it('uses the database parameter, and the X-ClickHouse-Database header over it', async () => {
    expect((await post('/?database=system', 'SELECT currentDatabase()')).text).toBe('system\n');
    const header = await post('/?database=system', 'SELECT currentDatabase()', {
      ...reader,
      'X-ClickHouse-Database': 'default',
    });
    expect(header.text).toBe('default\n');
    const missing = await post('/?database=nowhere', 'SELECT 1');
    expect([missing.status, missing.headers.get('x-clickhouse-exception-code')]).toEqual([
      404,
      '81',
    ]);
  });

  it('echoes query_id from the parameter or header, and makes one up otherwise', async () => {
    expect(
      (await post('/?query_id=my-query-1', 'SELECT 1')).headers.get('x-clickhouse-query-id'),
    ).toBe('my-query-1');
    const byHeader = await post('/', 'SELECT 1', {
      ...reader,
      'X-ClickHouse-Query-Id': 'my-query-2',
    });
    expect(byHeader.headers.get('x-clickhouse-query-id')).toBe('my-query-2');
    expect((await post('/', 'SELECT 1')).headers.get('x-clickhouse-query-id')).toMatch(
      /^[0-9a-f-]{36}$/,
    );
    const failed = await post('/?query_id=my-query-3', 'SELECT * FROM nowhere');
    expect(failed.headers.get('x-clickhouse-query-id')).toBe('my-query-3');
  });
});

describe('without HTTP sessions', () => {
  it('accepts SET and USE but carries nothing over to the next request', async () => {
    expect((await post('/', 'USE system', writer)).status).toBe(200);
    expect((await post('/', 'SET max_result_rows = 5', writer)).status).toBe(200);
    const after = await post(
      '/',
      "SELECT currentDatabase(), getSetting('max_result_rows')",
      writer,
    );
    expect(after.text).toBe('default\t0\n');
  });

  it("resets a writer's URL settings after the statement, even when setting them failed", async () => {
    const set = await post('/?max_result_rows=5', "SELECT getSetting('max_result_rows')", writer);
    expect(set.text).toBe('5\n');
    const unknown = await post('/?max_result_rows=5&no_such_setting=1', 'SELECT 1', writer);
    expect(unknown.headers.get('x-clickhouse-exception-code')).toBe('115');
    // Both sessions of the pool, several times over.
    for (let i = 0; i < 4; i++) {
      expect((await post('/', "SELECT getSetting('max_result_rows')", writer)).text).toBe('0\n');
    }
  });
});

describe('compression', () => {
  it('accepts gzip and deflate request bodies', async () => {
    const gz = await post('/', gzipSync('SELECT count() FROM t'), {
      ...reader,
      'Content-Encoding': 'gzip',
    });
    expect(gz.text).toBe('3\n');
    const df = await post('/', deflateSync('SELECT 2'), {
      ...reader,
      'Content-Encoding': 'deflate',
    });
    expect(df.text).toBe('2\n');
    const zstd = await post('/', 'SELECT 1', { ...reader, 'Content-Encoding': 'zstd' });
    expect([zstd.status, zstd.headers.get('x-clickhouse-exception-code')]).toEqual([415, '779']);
  });

  it('gzips the response only when enable_http_compression=1 and the client accepts gzip', async () => {
    const raw = (path: string): Promise<{ encoding: string | undefined; body: Buffer }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          `${harness.url}${path}`,
          { method: 'POST', headers: { ...reader, 'Accept-Encoding': 'gzip' } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end('SELECT s FROM t ORDER BY id');
      });
    const compressed = await raw('/?enable_http_compression=1');
    expect(compressed.encoding).toBe('gzip');
    expect(gunzipSync(compressed.body).toString()).toBe('one\ntwo\nthree\n');
    const plain = await raw('/');
    expect([plain.encoding, plain.body.toString()]).toEqual([undefined, 'one\ntwo\nthree\n']);
  });
});

describe('authentication', () => {
  it('refuses a wrong password or an unknown user with 403 and code 516', async () => {
    for (const headers of [
      basicAuth({ name: READER.name, password: 'wrong' }),
      basicAuth({ name: 'nobody', password: '' }),
      {},
    ]) {
      const res = await post('/', 'SELECT 1', headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('x-clickhouse-exception-code')).toBe('516');
      expect(res.text).toMatch(EXCEPTION_BODY);
      expect(res.text).toContain('(AUTHENTICATION_FAILED)');
    }
  });

  it('accepts credentials from X-ClickHouse-User/Key headers and from URL parameters, but not two ways at once', async () => {
    const headers = { 'X-ClickHouse-User': READER.name, 'X-ClickHouse-Key': READER.password };
    expect((await post('/', 'SELECT 1', headers)).text).toBe('1\n');
    const params = `/?user=${READER.name}&password=${READER.password}`;
    expect((await post(params, 'SELECT 1', {})).text).toBe('1\n');
    const mixed = await post(params, 'SELECT 1', reader);
    expect([mixed.status, mixed.headers.get('x-clickhouse-exception-code')]).toEqual([403, '516']);
  });
});

describe('errors', () => {
  it('answers a syntax error with 400, an unknown table with 404, each with code header and ClickHouse body', async () => {
    const syntax = await post('/', 'SELEC 1');
    expect([syntax.status, syntax.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    expect(syntax.text).toMatch(EXCEPTION_BODY);
    const missing = await post('/', 'SELECT * FROM nowhere');
    expect([missing.status, missing.headers.get('x-clickhouse-exception-code')]).toEqual([
      404,
      '60',
    ]);
    expect(EXCEPTION_BODY.exec(missing.text)?.slice(1)).toEqual(['60', 'UNKNOWN_TABLE']);
    const multi = await post('/', 'SELECT 1; SELECT 2', writer);
    expect([multi.status, multi.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
  });

  it('stops a query at max_execution_time with 408 and code 159', async () => {
    const res = await post('/?max_execution_time=0.2', 'SELECT sleep(1)');
    expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([408, '159']);
  });
});

describe('limits', () => {
  let small: ClickHouseHttpServer;
  beforeAll(async () => {
    small = await startClickHouseHttpServer({
      executor: harness.executor,
      port: 0,
      users: [READER],
      maxBodyBytes: 128 * 1024,
      maxDecompressedBodyBytes: 256 * 1024,
    });
  });
  afterAll(async () => {
    await small.close();
  });

  const tooLarge = async (
    body: Buffer | ReadableStream,
    headers: Record<string, string> = {},
  ): Promise<void> => {
    const res = await request(`${small.url}/`, {
      method: 'POST',
      headers: { ...reader, ...headers },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('229');
  };

  it('refuses a body over the raw limit, declared or streamed', async () => {
    await tooLarge(Buffer.from(`SELECT '${'x'.repeat(200_000)}'`));
    const chunk = new TextEncoder().encode(`SELECT '${'x'.repeat(40_000)}`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 4) controller.enqueue(chunk);
        else controller.close();
      },
    });
    await tooLarge(stream as unknown as Buffer);
  });

  it('stops inflating a gzip bomb at the decompressed limit', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(128 * 1024);
    await tooLarge(bomb, { 'Content-Encoding': 'gzip' });
    expect((await request(`${small.url}/ping`)).text).toBe('Ok.\n');
  });

  it('accepts a compressed body that is large only after inflating within the limit', async () => {
    const sql = `SELECT length('${'y'.repeat(200_000)}')`;
    const res = await request(`${small.url}/`, {
      method: 'POST',
      headers: { ...reader, 'Content-Encoding': 'gzip' },
      body: gzipSync(sql),
    });
    expect(res.text).toBe('200000\n');
  });

  it('refuses queries past the wait line with 503 and code 202', async () => {
    const executor = await openChdbExecutor({
      dataPath: harness.dataPath,
      concurrency: 1,
      maxQueued: 1,
    });
    // The engine's global line (one session, one waiting), not the per-user share, refuses here.
    const busy = await startClickHouseHttpServer({
      executor,
      port: 0,
      users: [READER],
      maxConcurrentQueriesPerUser: 3,
    });
    try {
      const results = await Promise.all(
        [1, 2, 3].map(() =>
          request(`${busy.url}/`, { method: 'POST', headers: reader, body: 'SELECT sleep(0.5)' }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 503]);
      expect(
        results.find((r) => r.status === 503)?.headers.get('x-clickhouse-exception-code'),
      ).toBe('202');
    } finally {
      await busy.close();
      await executor.close();
    }
  });
});
