/**
 * The span store on the real engine: a row ClickHouse cannot store is found and refused while
 * the rest of its batch is stored; a batch over many days is split so it is storable; a
 * journaled insert that was interrupted after `llm_spans` and before a rollup is completed by
 * its replay, exactly once, at every level.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { migrate, openStore, queryRows, type Store } from '@agentmeter/store';
import { DEFAULT_RETENTION, LLM_SPAN_COLUMNS, type LlmSpanRow } from '@agentmeter/schema';
import { Normaliser } from '../src/normalise.js';
import { InsertJournal } from '../src/insert-journal.js';
import { SpanStore } from '../src/span-store.js';

let store: Store;
let dir: string;
const DAY_NS = 86_400_000_000_000n;
const NOW_NS = BigInt(Date.now()) * 1_000_000n;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentmeter-span-store-'));
  store = openStore({ dataPath: join(dir, 'data') });
  await migrate(store.client, {
    database: 'agentmeter',
    retention: { ...DEFAULT_RETENTION, spans: 365, usage1m: 365, usage1h: 365 },
  });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

let serial = 0;
/** Rows as the normaliser makes them, `days` days ago (one per element). */
function rows(project: string, daysAgo: number[]): LlmSpanRow[] {
  const spans = daysAgo.map((d) => {
    serial++;
    const start = NOW_NS - BigInt(d) * DAY_NS;
    return {
      traceId: serial.toString(16).padStart(32, '0'),
      spanId: serial.toString(16).padStart(16, '0'),
      parentSpanId: '',
      name: 'chat',
      kind: 3,
      startTimeUnixNano: start,
      endTimeUnixNano: start + 1_000_000_000n,
      attributes: {
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 10,
        'agentmeter.cost.usd': 0.001,
        'agentmeter.project': project,
      },
      statusCode: 0,
      statusMessage: '',
      events: [],
    };
  });
  const request = {
    resourceSpans: [{ resource: {}, scopeSpans: [{ scopeName: 's', scopeVersion: '', spans }] }],
  };
  return new Normaliser().normalise(request).rows;
}

async function totals(project: string): Promise<Record<string, string>> {
  const [raw] = await queryRows<Record<string, string>>(
    store.client,
    `SELECT toString(count()) AS raw, toString(sum(cost_usd)) AS raw_cost
     FROM agentmeter.llm_spans WHERE project = {p:String}`,
    { p: project },
  );
  const out: Record<string, string> = { ...raw };
  for (const level of ['1m', '1h', '1d']) {
    const [r] = await queryRows<{ n: string; cost: string }>(
      store.client,
      `SELECT toString(sum(requests)) AS n, toString(sum(cost_usd)) AS cost
       FROM agentmeter.llm_usage_${level} WHERE project = {p:String}`,
      { p: project },
    );
    out[level] = r!.n;
    out[`${level}_cost`] = r!.cost;
  }
  return out;
}

const open = (name: string) =>
  SpanStore.open(store.client, { database: 'agentmeter', journalDir: join(dir, name) });

describe('SpanStore', () => {
  it('refuses only the rows ClickHouse cannot store and stores the rest of the batch', async () => {
    const spans = await open('journal-isolate');
    const batch = rows('isolate', Array<number>(1000).fill(0));
    // Rows the validator would have refused, handed straight to the store: the engine refuses them.
    const bad = [batch[17]!, batch[640]!];
    bad[0]!.input_tokens = 1.5;
    bad[1]!.cost_usd = '1e10';
    const report = await spans.store(batch);
    expect(report.failure).toBeUndefined();
    expect(report.refused.map((r) => r.row)).toEqual(bad);
    expect(report.refused[0]!.reason).toMatch(/input_tokens/);
    expect(await totals('isolate')).toEqual({
      raw: '998',
      raw_cost: '0.998',
      '1m': '998',
      '1m_cost': '0.998',
      '1h': '998',
      '1h_cost': '0.998',
      '1d': '998',
      '1d_cost': '0.998',
    });
    expect(readdirSync(join(dir, 'journal-isolate'))).toEqual([]); // nothing left to replay
  });

  it('stores a batch spanning more days than one insert may (200 days)', async () => {
    const spans = await open('journal-days');
    const days = Array.from({ length: 200 }, (_, i) => i);
    const report = await spans.store(rows('days', days));
    expect(report).toEqual({ refused: [], pending: [], unstored: [], failure: undefined });
    const t = await totals('days');
    expect([t.raw, t['1m'], t['1h'], t['1d']]).toEqual(['200', '200', '200', '200']);
  });

  it('completes an insert interrupted between llm_spans and its rollups by replaying it once', async () => {
    const journalDir = join(dir, 'journal-replay');
    const journal = await InsertJournal.open(journalDir);
    const batch = rows('replay', [0, 0, 0, 1]);
    const body = batch.map((r) => JSON.stringify(LLM_SPAN_COLUMNS.map((c) => r[c]))).join('\n');
    const entry = {
      token: 'replay-token-1',
      table: 'agentmeter.llm_spans',
      columns: LLM_SPAN_COLUMNS,
      body: body + '\n',
    };
    journal.record(entry);
    // The state a kill -9 leaves: the raw part committed with the token, the 1h/1d parts not
    // (their view was not there to run), the journal entry still on disk.
    await store.client.command({ query: 'DETACH TABLE agentmeter.llm_usage_1h_mv' });
    const partial = await store.client.exec({
      query: `INSERT INTO agentmeter.llm_spans (${LLM_SPAN_COLUMNS.join(', ')}) SETTINGS insert_deduplication_token = 'replay-token-1', deduplicate_blocks_in_dependent_materialized_views = 1 FORMAT JSONCompactEachRow`,
      values: Readable.from([entry.body]),
    });
    partial.stream.resume();
    await store.client.command({ query: 'ATTACH TABLE agentmeter.llm_usage_1h_mv' });
    let t = await totals('replay');
    expect([t.raw, t['1m'], t['1h'], t['1d']]).toEqual(['4', '4', '0', '0']);

    const spans = await SpanStore.open(store.client, { database: 'agentmeter', journalDir });
    expect(await spans.replayJournal()).toEqual({ replayed: 1, refused: 0 });
    t = await totals('replay');
    expect(t).toEqual({
      raw: '4',
      raw_cost: '0.004',
      '1m': '4',
      '1m_cost': '0.004',
      '1h': '4',
      '1h_cost': '0.004',
      '1d': '4',
      '1d_cost': '0.004',
    });
    expect(await (await InsertJournal.open(journalDir)).pending()).toEqual([]);
  });

  it('seeds from spans by when they were stored, whatever their start time', async () => {
    const spans = await open('journal-seed');
    const old = rows('seed', [2, 2, 3]);
    await spans.store(old);
    const keys = await spans.recentKeys(900, 1_000_000);
    const seeded = new Set(keys.map((k) => k.traceId + k.spanId));
    for (const r of old) expect(seeded.has(r.trace_id + r.span_id)).toBe(true);
  });
});
