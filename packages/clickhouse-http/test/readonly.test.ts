import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from '../src/index.js';
import { READER, WRITER, basicAuth, request, startHarness, type Harness } from './harness.js';

let harness: Harness;
let open: ClickHouseHttpServer;
const reader = basicAuth(READER);
const writer = basicAuth(WRITER);

const run = (url: string, sql: string, headers: Record<string, string>, query = '') =>
  request(`${url}/${query}`, { method: 'POST', headers, body: sql });

beforeAll(async () => {
  harness = await startHarness();
  // The same engine behind a server with no users configured: anyone may read, nobody may write.
  open = await startClickHouseHttpServer({ executor: harness.executor, port: 0 });
  for (const sql of [
    'CREATE TABLE t (id UInt32) ENGINE = MergeTree ORDER BY id',
    'INSERT INTO t VALUES (1), (2), (3)',
  ]) {
    expect((await run(harness.url, sql, writer)).status).toBe(200);
  }
});

afterAll(async () => {
  await open.close();
  await harness.close();
});

async function expectRefused(
  url: string,
  sql: string,
  headers: Record<string, string>,
  code: string,
  query = '',
): Promise<void> {
  const res = await run(url, sql, headers, query);
  expect(res.headers.get('x-clickhouse-exception-code'), `${sql} → ${res.text}`).toBe(code);
  expect(res.status).toBeGreaterThanOrEqual(400);
}

describe('a read-only user', () => {
  it('may not write, change the schema, or run administrative statements', async () => {
    for (const sql of [
      'INSERT INTO t VALUES (4)',
      'INSERT INTO t SELECT 5',
      'CREATE TABLE u (a UInt8) ENGINE = Memory',
      'CREATE DATABASE other',
      'DROP TABLE t',
      'ALTER TABLE t DELETE WHERE 1',
      'ALTER TABLE t ADD COLUMN x UInt8',
      'TRUNCATE TABLE t',
      'RENAME TABLE t TO u',
      'OPTIMIZE TABLE t FINAL',
      'SYSTEM FLUSH LOGS',
      'KILL QUERY WHERE 1',
    ]) {
      await expectRefused(harness.url, sql, reader, '164');
    }
    const inline = await request(
      `${harness.url}/?query=${encodeURIComponent('INSERT INTO t FORMAT CSV')}`,
      {
        method: 'POST',
        headers: reader,
        body: '6\n',
      },
    );
    expect(inline.headers.get('x-clickhouse-exception-code')).toBe('164');
  });

  it('cannot lift readonly with SET, a URL setting, or a subquery SETTINGS clause', async () => {
    await expectRefused(harness.url, 'SET readonly = 0', reader, '164');
    await expectRefused(harness.url, 'SELECT 1', reader, '164', '?readonly=0');
    await expectRefused(harness.url, "SELECT 1 SETTINGS profile = 'default'", reader, '164');
    await expectRefused(
      harness.url,
      "SELECT * FROM (SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString') SETTINGS readonly = 0)",
      reader,
      '164',
    );
    // A SET that would be harmless is accepted and, without sessions, changes nothing.
    expect((await run(harness.url, 'SET max_threads = 1', reader)).status).toBe(200);
  });

  it("is stopped by the engine's readonly mode from reaching outside the database", async () => {
    for (const sql of [
      "SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')",
      "SELECT count() FROM (SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString'))",
      "SELECT 1 UNION ALL SELECT count() FROM url('http://127.0.0.1:9/', 'LineAsString')",
      "EXPLAIN SELECT * FROM url('http://127.0.0.1:9/', 'CSVWithNames')",
      "SELECT * FROM remote('127.0.0.1:9', system.one)",
      "SELECT * FROM executable('x.sh', 'TSV', 'a String')",
    ]) {
      await expectRefused(harness.url, sql, reader, '164');
    }
  });

  it("may not read the host's files or make the engine fetch a source to describe it", async () => {
    await expectRefused(harness.url, "SELECT file('/etc/hostname')", reader, '497');
    await expectRefused(
      harness.url,
      "SELECT * FROM file('/etc/hostname', 'LineAsString')",
      reader,
      '497',
    );
    await expectRefused(
      harness.url,
      "DESCRIBE url('http://127.0.0.1:9/', 'CSVWithNames')",
      reader,
      '164',
    );
  });

  it('may read, describe, show and explain', async () => {
    for (const [sql, expected] of [
      ['SELECT sum(id) FROM t', '6\n'],
      ['DESCRIBE TABLE t FORMAT TSV', 'id\tUInt32\t\t\t\t\t\n'],
      ['SHOW TABLES', 't\n'],
      ['EXISTS TABLE t', '1\n'],
      ["SELECT count() FROM system.tables WHERE name = 't'", '1\n'],
    ] as const) {
      const res = await run(harness.url, sql, reader);
      expect([res.status, res.text], sql).toEqual([200, expected]);
    }
    expect((await run(harness.url, 'EXPLAIN SELECT 1', reader)).status).toBe(200);
  });
});

describe('everyone', () => {
  it('may not write files with INTO OUTFILE or read them with FROM INFILE', async () => {
    await expectRefused(
      harness.url,
      "SELECT 1 INTO OUTFILE '/tmp/agentmeter-outfile-test'",
      writer,
      '358',
    );
    await expectRefused(
      harness.url,
      "INSERT INTO t FROM INFILE '/etc/hostname' FORMAT CSV",
      writer,
      '344',
    );
  });
});

describe('with no users configured', () => {
  it('lets anyone read, whatever credentials they bring', async () => {
    for (const headers of [{}, basicAuth({ name: 'grafana', password: 'anything' })]) {
      const res = await run(open.url, 'SELECT count() FROM t', headers);
      expect([res.status, res.text]).toEqual([200, '3\n']);
    }
  });

  it('lets nobody write, not even a name that is a writer elsewhere', async () => {
    await expectRefused(open.url, 'INSERT INTO t VALUES (9)', writer, '164');
    await expectRefused(open.url, 'DROP TABLE t', {}, '164');
  });
});

describe('a writer', () => {
  it('may change the schema and the data, and the refused attempts changed nothing', async () => {
    expect(
      (await run(harness.url, 'SELECT groupArray(id) FROM (SELECT id FROM t ORDER BY id)', reader))
        .text,
    ).toBe('[1,2,3]\n');
    for (const sql of [
      'CREATE TABLE w (a UInt8) ENGINE = MergeTree ORDER BY a',
      'INSERT INTO w VALUES (1)',
      'ALTER TABLE w ADD COLUMN b UInt8',
      'SYSTEM FLUSH LOGS',
      'TRUNCATE TABLE w',
      'DROP TABLE w',
    ]) {
      const res = await run(harness.url, sql, writer);
      expect([res.status, res.text], sql).toEqual([200, '']);
    }
  });
});
