import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import { READER, WRITER, startHarness, type Harness } from './harness.js';

let harness: Harness;
let writer: ClickHouseClient;
let reader: ClickHouseClient;

beforeAll(async () => {
  harness = await startHarness();
  const client = (user: typeof WRITER): ClickHouseClient =>
    createClient({
      url: harness.url,
      username: user.name,
      password: user.password,
      compression: { request: true, response: true },
    });
  writer = client(WRITER);
  reader = client(READER);
  await writer.command({
    query:
      'CREATE TABLE events (id UInt32, name String, at DateTime64(3), tags Array(String)) ENGINE = MergeTree ORDER BY id',
  });
  await writer.insert({
    table: 'events',
    format: 'JSONEachRow',
    values: [
      { id: 1, name: "it's", at: '2025-01-01 00:00:00.000', tags: ['a', 'b'] },
      { id: 2, name: 'tab\there', at: '2025-01-02 00:00:00.000', tags: [] },
      { id: 3, name: 'back\\slash', at: '2025-01-03 00:00:00.000', tags: ["q'uote"] },
    ],
  });
});

afterAll(async () => {
  await writer.close();
  await reader.close();
  await harness.close();
});

describe('@clickhouse/client over HTTP with compression', () => {
  it('pings', async () => {
    expect((await reader.ping()).success).toBe(true);
  });

  it('reads rows inserted through the same interface, as JSONEachRow and JSON', async () => {
    const rows = await (
      await reader.query({
        query: 'SELECT id, name, tags FROM events ORDER BY id',
        format: 'JSONEachRow',
      })
    ).json();
    expect(rows).toEqual([
      { id: 1, name: "it's", tags: ['a', 'b'] },
      { id: 2, name: 'tab\there', tags: [] },
      { id: 3, name: 'back\\slash', tags: ["q'uote"] },
    ]);
    const json = await (
      await reader.query({ query: 'SELECT count() AS n FROM events', format: 'JSON' })
    ).json<{ n: string }>();
    expect(json.data).toEqual([{ n: 3 }]);
    expect(json.meta).toEqual([{ name: 'n', type: 'UInt64' }]);
  });

  it('reads CSV and TabSeparated as text', async () => {
    const csv = await (
      await reader.query({ query: 'SELECT id, name FROM events WHERE id = 1', format: 'CSV' })
    ).text();
    expect(csv).toBe('1,"it\'s"\n');
    const tsv = await (
      await reader.query({
        query: 'SELECT id, name FROM events WHERE id = 2',
        format: 'TabSeparated',
      })
    ).text();
    expect(tsv).toBe('2\ttab\\there\n');
  });

  it('binds query_params, strings with quotes, tabs and backslashes included', async () => {
    for (const name of ["it's", 'tab\there', 'back\\slash']) {
      const rows = await (
        await reader.query({
          query: 'SELECT id FROM events WHERE name = {name:String}',
          format: 'JSONEachRow',
          query_params: { name },
        })
      ).json<{ id: number }>();
      expect(rows, name).toHaveLength(1);
    }
    const rows = await (
      await reader.query({
        query:
          'SELECT id FROM events WHERE hasAny(tags, {tags:Array(String)}) AND at >= {from:DateTime64(3)} ORDER BY id',
        format: 'JSONEachRow',
        query_params: { tags: ["q'uote", 'b'], from: '2025-01-01 00:00:00.000' },
      })
    ).json<{ id: number }>();
    expect(rows.map((r) => r.id)).toEqual([1, 3]);
  });

  it('applies clickhouse_settings to the query', async () => {
    const rows = await (
      await reader.query({
        query: "SELECT getSetting('max_threads') AS threads, toUInt64(1) AS big",
        format: 'JSONEachRow',
        clickhouse_settings: { max_threads: 1, output_format_json_quote_64bit_integers: 1 },
      })
    ).json();
    expect(rows).toEqual([{ threads: 1, big: '1' }]);
  });

  it('reports the query id it was given', async () => {
    const rs = await reader.query({
      query: 'SELECT 1',
      format: 'JSONEachRow',
      query_id: 'q-from-clickhouse-js',
    });
    expect(rs.query_id).toBe('q-from-clickhouse-js');
    await rs.close();
  });

  it('surfaces engine errors as ClickHouseError with code and type', async () => {
    const err = await reader
      .query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClickHouseError);
    expect((err as ClickHouseError).code).toBe('60');
    expect((err as ClickHouseError).type).toBe('UNKNOWN_TABLE');
  });

  it('refuses writes from a read-only user and lets the writer write', async () => {
    const err = await reader.command({ query: 'DROP TABLE events' }).catch((e: unknown) => e);
    expect((err as ClickHouseError).type).toBe('READONLY');
    await writer.command({ query: 'CREATE TABLE scratch (a UInt8) ENGINE = Memory' });
    await writer.exec({ query: 'INSERT INTO scratch VALUES (7)' });
    const rows = await (
      await reader.query({ query: 'SELECT a FROM scratch', format: 'JSONEachRow' })
    ).json();
    expect(rows).toEqual([{ a: 7 }]);
  });
});
