import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, queryRows, UnscopedSettingsError, type Store } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-store-'));
let store: Store;
/** A live process other than this one, holding no lock on the directory. */
const reusedPid = process.ppid;
beforeAll(async () => {
  // As a crashed engine leaves it, with its PID since reused by a live process.
  writeFileSync(join(dir, 'status'), `PID: ${reusedPid}\nStarted at: 2026-01-01 00:00:00\n`);
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

describe('embedded store: opening', () => {
  it('opens a directory whose status file names a live process that holds no lock', async () => {
    expect(reusedPid).not.toBe(process.pid);
    expect(await queryRows(store.client, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
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
