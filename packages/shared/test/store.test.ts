import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, queryRows, UnscopedSettingsError, type Store } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-store-'));
let store: Store;
beforeAll(async () => {
  store = openStore({ dataPath: dir });
  await store.client.command({
    query:
      'CREATE TABLE default.t (x UInt32) ENGINE = MergeTree ORDER BY x SETTINGS non_replicated_deduplication_window = 100',
  });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded store: per-call settings stay with the call', () => {
  it('does not let an insert deduplication token drop the next, different insert', async () => {
    await store.client.insert({
      table: 'default.t',
      values: [{ x: 1 }],
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: 'tok' },
    });
    await store.client.insert({ table: 'default.t', values: [{ x: 2 }], format: 'JSONEachRow' });
    // The same token again is a real retry: dropped.
    await store.client.insert({
      table: 'default.t',
      values: [{ x: 1 }],
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: 'tok' },
    });
    expect(await queryRows(store.client, 'SELECT x FROM default.t ORDER BY x')).toEqual([
      { x: 1 },
      { x: 2 },
    ]);
    expect(
      await queryRows(store.client, "SELECT getSetting('insert_deduplication_token') AS t"),
    ).toEqual([{ t: '' }]);
  });

  it('stores inserts of every shape the client builds, and reports the rows written', async () => {
    await store.client.command({
      query:
        'CREATE TABLE default.shapes (x UInt32, y UInt32 DEFAULT 7) ENGINE = MergeTree ORDER BY x',
    });
    // Raw passthrough: INSERT INTO t (cols) FORMAT f, in formats it accepts.
    const compact = await store.client.insert({
      table: 'default.shapes',
      values: [
        [1, 1],
        [2, 2],
      ],
      format: 'JSONCompactEachRow',
      columns: ['x', 'y'],
    });
    expect(compact.summary?.written_rows).toBe('2');
    await store.client.insert({
      table: 'default.shapes',
      values: [{ x: 3 }],
      format: 'JSONEachRow',
    });
    // Not a passthrough shape (nested parentheses): chdb's own insert path, unchanged.
    await store.client.insert({
      table: 'default.shapes',
      values: [[4]],
      format: 'JSONCompactEachRow',
      columns: { except: ['y'] },
    });
    // No rows: nothing to do, no error.
    await store.client.insert({ table: 'default.shapes', values: [], format: 'JSONEachRow' });
    expect(await queryRows(store.client, 'SELECT x, y FROM default.shapes ORDER BY x')).toEqual([
      { x: 1, y: 1 },
      { x: 2, y: 2 },
      { x: 3, y: 7 },
      { x: 4, y: 7 },
    ]);
  });

  it('applies a query setting to that query only', async () => {
    const rs = await store.client.query({
      query: "SELECT getSetting('max_threads') AS n",
      format: 'JSONEachRow',
      clickhouse_settings: { max_threads: 1 },
    });
    expect(await rs.json()).toEqual([{ n: 1 }]);
    const [after] = await queryRows<{ n: number }>(
      store.client,
      "SELECT getSetting('max_threads') AS n",
    );
    expect(after!.n).not.toBe(1);
  });

  it('refuses settings it cannot scope instead of leaking them', async () => {
    await expect(
      store.client.command({ query: 'SELECT 1', clickhouse_settings: { max_threads: 1 } }),
    ).rejects.toBeInstanceOf(UnscopedSettingsError);
    await expect(
      store.client.query({
        query: 'SELECT 1 SETTINGS max_threads = 2',
        format: 'JSONEachRow',
        clickhouse_settings: { max_threads: 1 },
      }),
    ).rejects.toThrow(/own SETTINGS clause/);
  });
});
