import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openStore, queryRows, type Store } from '@agentmeter/store';
import { DEFAULT_RETENTION } from '@agentmeter/schema';
import { READER, basicAuth, request, startHarness, type Harness } from './harness.js';
import { splitSingleColumn, versionedBlock, type SingleColumn } from './native-oracle.js';

/** The server next to the product's own store: same data directory, ingestion running meanwhile. */

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-clickhouse-http-store-'));
let store: Store;
let harness: Harness;
const reader = basicAuth(READER);

beforeAll(async () => {
  store = openStore({ dataPath: dir });
  await migrate(store.client, { database: 'agentmeter', retention: DEFAULT_RETENTION });
  harness = await startHarness({}, store.dataPath);
});

afterAll(async () => {
  await harness.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

// Recent timestamps: the span table's TTL drops old rows at the next merge.
const now = Date.now();
const span = (i: number) => ({
  timestamp: new Date(now - i * 1000).toISOString().replace('T', ' ').replace('Z', ''),
  trace_id: `trace-${i}`,
  span_id: `span-${i}`,
  span_name: 'chat',
  provider: 'openai',
  request_model: i % 2 ? 'gpt-4o' : 'gpt-4o-mini',
  finish_reasons: i % 3 ? ['stop'] : [],
  time_to_first_token_ms: i % 2 ? null : 12.5,
  input_tokens: 100 + i,
  cost_usd: '0.000123456',
  attributes: { 'gen_ai.system': 'openai', n: String(i) },
});

const query = (sql: string, params = '') =>
  request(`${harness.url}/?database=agentmeter${params}`, {
    method: 'POST',
    headers: reader,
    body: sql,
  });

describe('next to the embedded store', () => {
  it('serves reads while the store ingests, and leaves the store session as it was', async () => {
    const batches = 10;
    const ingest = (async () => {
      for (let b = 0; b < batches; b++) {
        await store.client.insert({
          table: 'agentmeter.llm_spans',
          format: 'JSONEachRow',
          values: Array.from({ length: 10 }, (_, i) => span(b * 10 + i)),
        });
      }
    })();
    const reads = (async () => {
      const seen: number[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await query(
          'SELECT count() FROM llm_spans',
          '&max_execution_time=5&max_threads=1',
        );
        expect(res.status, res.text).toBe(200);
        seen.push(Number(res.text));
      }
      return seen;
    })();
    const [, seen] = await Promise.all([ingest, reads]);
    expect(
      seen.every((n, i) => i === 0 || n >= seen[i - 1]!),
      String(seen),
    ).toBe(true);
    expect((await query('SELECT count() FROM llm_spans')).text).toBe(`${batches * 10}\n`);
    const [session] = await queryRows<{ db: string; readonly: string; limit: string }>(
      store.client,
      "SELECT currentDatabase() AS db, toString(getSetting('readonly')) AS readonly, toString(getSetting('max_execution_time')) AS limit",
    );
    expect(session).toEqual({ db: 'default', readonly: '0', limit: '0' });
  });

  it('gives Grafana (Native at client_protocol_version 54460) the span table and the rollup views', async () => {
    // One part and one thread, so that each result is one block, as the expected bytes assume.
    for (const table of ['llm_spans', 'llm_usage_1m']) {
      await store.client.command({ query: `OPTIMIZE TABLE agentmeter.${table} FINAL` });
    }
    for (const table of ['llm_spans', 'llm_usage_1m_view']) {
      const names = await query(
        `SELECT name FROM system.columns WHERE database = 'agentmeter' AND table = '${table}' ORDER BY position FORMAT JSONEachRow`,
      );
      const columns: string[] = names.text
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { name: string }).name);
      expect(columns.length).toBeGreaterThan(5);
      const from = `FROM ${table} ORDER BY ALL LIMIT 20`;
      const expected: SingleColumn[] = [];
      for (const column of columns) {
        const single = await query(
          `SELECT \`${column}\` FROM (SELECT * ${from})`,
          '&default_format=Native&max_threads=1',
        );
        expected.push(splitSingleColumn(single.body));
      }
      expect(expected[0]!.rows).toBeGreaterThan(0);
      const versioned = await query(
        `SELECT * ${from}`,
        '&default_format=Native&max_threads=1&client_protocol_version=54460',
      );
      expect(versioned.status, versioned.text).toBe(200);
      expect(versioned.body.toString('hex')).toBe(versionedBlock(expected).toString('hex'));
    }
  });
});
