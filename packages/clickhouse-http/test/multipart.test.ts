import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { ClickHouse } from 'clickhouse';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from '../src/index.js';
import { READER, WRITER, basicAuth, request, startHarness, type Harness } from './harness.js';

let harness: Harness;
const reader = basicAuth(READER);
const EXCEPTION_BODY =
  /^Code: (\d+)\. DB::Exception: [\s\S]+\. \(([A-Z_]+)\) \(version 26\.[\d.]+\)\n$/;

beforeAll(async () => {
  harness = await startHarness();
  for (const sql of [
    'CREATE TABLE t (id UInt32, s String) ENGINE = MergeTree ORDER BY id',
    "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')",
  ]) {
    const res = await request(`${harness.url}/`, {
      method: 'POST',
      headers: basicAuth(WRITER),
      body: sql,
    });
    expect(res.status).toBe(200);
  }
});

afterAll(async () => {
  await harness.close();
});

/** The npm `clickhouse` client (TimonKK/clickhouse) as a reader. */
function npmClient(options: Record<string, unknown>): ClickHouse {
  return new ClickHouse({
    url: 'http://127.0.0.1',
    port: harness.server.port,
    username: READER.name,
    password: READER.password,
    ...options,
  });
}

/** A multipart/form-data body as `curl -F` and the `form-data` package write it. */
function formBody(
  parts: { name: string; value: string; filename?: string }[],
  boundary = 'x-boundary-7',
): { body: Buffer; contentType: string } {
  const chunks = parts.map(({ name, value, filename }) => {
    const file = filename === undefined ? '' : `; filename="${filename}"`;
    return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file}\r\n\r\n${value}\r\n`;
  });
  return {
    body: Buffer.from(`${chunks.join('')}--${boundary}--\r\n`),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

const postForm = (url: string, form: { body: Buffer; contentType: string }, path = '/') =>
  request(`${url}${path}`, {
    method: 'POST',
    headers: { ...reader, 'Content-Type': form.contentType },
    body: form.body,
  });

describe('the npm clickhouse client with usePost (the query as a multipart form field)', () => {
  it('runs a SELECT and gets its rows', async () => {
    const rows = await npmClient({ usePost: true })
      .query('SELECT id, s FROM t ORDER BY id')
      .toPromise();
    expect(rows).toEqual([
      { id: 1, s: 'one' },
      { id: 2, s: 'two' },
      { id: 3, s: 'three' },
    ]);
  });

  it('runs queries with a fresh session each (isSessionPerQuery)', async () => {
    const client = npmClient({ usePost: true, isSessionPerQuery: true });
    for (let i = 0; i < 3; i++) {
      expect(await client.query(`SELECT count() AS n FROM t WHERE id > ${i}`).toPromise()).toEqual([
        { n: 3 - i },
      ]);
    }
  });

  it('is told clearly that external data (file parts) is not supported', async () => {
    const err = await npmClient({ usePost: true })
      .query('SELECT * FROM ext', { external: [{ name: 'ext', data: ['a', 'b'] }] })
      .toPromise()
      .catch((e: unknown) => e as Error & { code?: number });
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: number }).code).toBe(48);
    expect((err as Error).message).toContain("the file part 'ext'");
  });
});

describe('multipart/form-data bodies', () => {
  it('join the URL query and the form query fields, and take param_ fields as parameters', async () => {
    const res = await postForm(
      harness.url,
      formBody([
        { name: 'query', value: 'SELECT s FROM t WHERE id = {id:UInt32}' },
        { name: 'query', value: ' OR s = {s:String} ORDER BY id' },
        { name: 'param_id', value: '1' },
        { name: 'param_s', value: 'two' },
        { name: 'max_threads', value: 'ignored, as ClickHouse ignores it' },
      ]),
    );
    expect([res.status, res.text]).toEqual([200, 'one\ntwo\n']);
    const urlFirst = await postForm(
      harness.url,
      formBody([
        { name: 'query', value: ' FROM t WHERE id = {id:UInt32}' },
        { name: 'param_id', value: '1' },
      ]),
      `/?query=${encodeURIComponent('SELECT s')}&param_id=3`,
    );
    expect([urlFirst.status, urlFirst.text]).toEqual([200, 'three\n']);
  });

  it('read a quoted boundary, a preamble and transport padding', async () => {
    const res = await request(`${harness.url}/`, {
      method: 'POST',
      headers: { ...reader, 'Content-Type': 'multipart/form-data; boundary="b q"' },
      body: Buffer.from(
        'a preamble\r\n--b q \t\r\nContent-Disposition: form-data; name=query\r\nContent-Type: text/plain\r\n\r\nSELECT 7\r\n--b q--',
      ),
    });
    expect([res.status, res.text]).toEqual([200, '7\n']);
  });

  it('answer malformed bodies and external tables with a ClickHouse error, no stack trace', async () => {
    const cases: [string, { body: Buffer; contentType: string }, number, string][] = [
      [
        'no boundary',
        { body: Buffer.from('SELECT 1'), contentType: 'multipart/form-data' },
        400,
        '36',
      ],
      [
        'boundary not in the body',
        { body: Buffer.from('SELECT 1'), contentType: 'multipart/form-data; boundary=zz' },
        400,
        '36',
      ],
      [
        'unterminated part',
        {
          body: Buffer.from('--zz\r\nContent-Disposition: form-data; name="query"\r\n\r\nSELECT 1'),
          contentType: 'multipart/form-data; boundary=zz',
        },
        400,
        '36',
      ],
      [
        'a part without a name',
        {
          body: Buffer.from('--zz\r\nContent-Disposition: form-data\r\n\r\nSELECT 1\r\n--zz--'),
          contentType: 'multipart/form-data; boundary=zz',
        },
        400,
        '36',
      ],
      [
        'an external table',
        formBody([
          { name: 'query', value: 'SELECT * FROM ext' },
          { name: 'ext', value: '1\n2', filename: 'ext.tsv' },
        ]),
        501,
        '48',
      ],
      ['no query at all', formBody([{ name: 'param_x', value: '1' }]), 400, '62'],
      [
        'a query that is not UTF-8',
        {
          body: Buffer.concat([
            Buffer.from('--zz\r\nContent-Disposition: form-data; name="query"\r\n\r\nSELECT \''),
            Buffer.from([0xff]),
            Buffer.from("'\r\n--zz--"),
          ]),
          contentType: 'multipart/form-data; boundary=zz',
        },
        501,
        '48',
      ],
    ];
    for (const [what, form, status, code] of cases) {
      const res = await postForm(harness.url, form);
      expect([res.status, res.headers.get('x-clickhouse-exception-code')], what).toEqual([
        status,
        code,
      ]);
      expect(res.text, what).toMatch(EXCEPTION_BODY);
      expect(res.text, what).not.toMatch(/\n\s+at /);
    }
  });

  describe('under the body limits', () => {
    let small: ClickHouseHttpServer;
    beforeAll(async () => {
      small = await startClickHouseHttpServer({
        executor: harness.executor,
        port: 0,
        users: [READER],
        maxBodyBytes: 64 * 1024,
        maxDecompressedBodyBytes: 128 * 1024,
      });
    });
    afterAll(async () => {
      await small.close();
    });

    it('refuse a form over the size limit with 413 and code 229', async () => {
      const big = formBody([{ name: 'query', value: `SELECT '${'x'.repeat(100_000)}'` }]);
      const res = await postForm(small.url, big);
      expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([413, '229']);
    });

    it('refuse a gzip form that inflates past the decompressed limit, and take one within it', async () => {
      const bomb = formBody([{ name: 'query', value: `SELECT '${' '.repeat(1024 * 1024)}'` }]);
      const send = (form: { body: Buffer; contentType: string }) =>
        request(`${small.url}/`, {
          method: 'POST',
          headers: { ...reader, 'Content-Type': form.contentType, 'Content-Encoding': 'gzip' },
          body: gzipSync(form.body),
        });
      const refused = await send(bomb);
      expect([refused.status, refused.headers.get('x-clickhouse-exception-code')]).toEqual([
        413,
        '229',
      ]);
      const fits = await send(
        formBody([{ name: 'query', value: `SELECT length('${'y'.repeat(100_000)}')` }]),
      );
      expect([fits.status, fits.text]).toEqual([200, '100000\n']);
    });
  });
});
