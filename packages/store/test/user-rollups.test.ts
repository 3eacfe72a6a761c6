/**
 * The per-user rollups (schema v5) on the embedded engine: what ingest, an upgrade and a reprice
 * put in `llm_usage_users_1h` and `_1d` are the sums of `llm_spans` per project and user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPricing } from '@agentmeter/pricing';
import {
  DEFAULT_RETENTION,
  migrationsTable,
  schemaV1,
  schemaV2,
  schemaV3,
  schemaV4,
  schemaV5,
  Tables,
  type SchemaOptions,
} from '@agentmeter/schema';
import { migrate, openStore, queryRows, reprice, type Store } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-user-rollups-'));
let store: Store;
const options: SchemaOptions = { database: 'agentmeter', retention: DEFAULT_RETENTION };
const HOUR = 3_600_000;
/** 10:00 UTC yesterday: a past day, so reprice takes it. */
const YESTERDAY_10H = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR - 14 * HOUR;

beforeAll(async () => {
  store = openStore({ dataPath: dir });
  await migrate(store.client, options);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const nanos = (ms: number) => (BigInt(ms) * 1_000_000n).toString();

/** Spans of three users in two projects over two hours, with every decision the rollup counts. */
function spans(project: string, first: number): Record<string, unknown>[] {
  return Array.from({ length: 12 }, (_, i) => ({
    timestamp: nanos(YESTERDAY_10H + (i % 2) * HOUR + i * 60_000),
    trace_id: 'ef'.repeat(16),
    span_id: (first + i).toString(16).padStart(16, '0'),
    provider: 'openai',
    request_model: 'gpt-4o',
    response_model: 'gpt-4o',
    project,
    user_id: `u${i % 3}`,
    status: i % 4 === 0 ? 'error' : 'ok',
    input_tokens: 1000 + i,
    output_tokens: 100 + i,
    cost_usd: ((i + 1) / 1000).toFixed(3),
    cost_source: 'unpriced',
    quota_decision: ['allowed', 'blocked', 'downgraded'][i % 3],
    budget_decision: i % 5 === 0 ? 'blocked' : i % 5 === 1 ? 'downgraded' : 'allowed',
    rate_limit_decision: i % 6 === 0 ? 'rejected' : 'allowed',
  }));
}

async function insertSpans(database: string, rows: Record<string, unknown>[]): Promise<void> {
  await store.client.insert({
    table: `${database}.${Tables.SPANS}`,
    values: rows,
    format: 'JSONEachRow',
  });
}

/** Per project and user: the spans' own sums, and what each per-user level holds. */
async function perUser(database: string): Promise<Record<string, unknown>> {
  const sums = (requests: string, source: string, columns: Record<string, string>) =>
    queryRows(
      store.client,
      `SELECT project, user_id, toString(${requests}) AS requests,
         ${Object.entries(columns)
           .map(([name, expr]) => `toString(${expr}) AS ${name}`)
           .join(', ')}
       FROM ${database}.${source} GROUP BY project, user_id ORDER BY project, user_id`,
    );
  const fromSpans = {
    errors: "countIf(status = 'error')",
    input_tokens: 'sum(input_tokens)',
    output_tokens: 'sum(output_tokens)',
    cost_usd: 'sum(cost_usd)',
    quota_blocks: "countIf(quota_decision = 'blocked')",
    budget_blocks: "countIf(budget_decision = 'blocked')",
    downgrades: "countIf(quota_decision = 'downgraded' OR budget_decision = 'downgraded')",
    rate_limit_rejections: "countIf(rate_limit_decision = 'rejected')",
  };
  const fromRollup = Object.fromEntries(Object.keys(fromSpans).map((m) => [m, `sum(${m})`]));
  return {
    spans: await sums('count()', Tables.SPANS, fromSpans),
    users1h: await sums('sum(requests)', Tables.USAGE_USERS_1H, fromRollup),
    users1d: await sums('sum(requests)', Tables.USAGE_USERS_1D, fromRollup),
  };
}

function expectEveryLevelEqualsSpans(levels: Record<string, unknown>): void {
  expect(levels['users1h']).toEqual(levels['spans']);
  expect(levels['users1d']).toEqual(levels['spans']);
}

describe('per-user rollups', () => {
  it('sum every stored span once per project and user, at both levels', async () => {
    // Two inserts: each block is rolled up on its own and the rows merge by summing.
    await insertSpans('agentmeter', spans('p1', 0));
    await insertSpans('agentmeter', [...spans('p1', 100), ...spans('p2', 200)]);

    const levels = await perUser('agentmeter');
    expectEveryLevelEqualsSpans(levels);
    // By hand: u0 of p1 is spans 0, 3, 6, 9 of each of the two batches.
    expect((levels['users1d'] as Record<string, string>[])[0]).toEqual({
      project: 'p1',
      user_id: 'u0',
      requests: '8',
      errors: '2',
      input_tokens: String(2 * (1000 * 4 + 0 + 3 + 6 + 9)),
      output_tokens: String(2 * (100 * 4 + 0 + 3 + 6 + 9)),
      cost_usd: '0.044',
      quota_blocks: '0',
      budget_blocks: '2',
      downgrades: '2',
      rate_limit_rejections: '4',
    });
    const hours = await queryRows<{ hours: string }>(
      store.client,
      `SELECT toString(uniqExact(bucket)) AS hours FROM agentmeter.${Tables.USAGE_USERS_1H}`,
    );
    expect(hours).toEqual([{ hours: '2' }]);
  });

  it('rebuild the days a reprice rewrites, from the repriced spans', async () => {
    const catalog = await loadPricing();
    const before = await queryRows<{ usd: string }>(
      store.client,
      `SELECT toString(sum(cost_usd)) AS usd FROM agentmeter.${Tables.USAGE_USERS_1D}`,
    );
    const day = new Date(YESTERDAY_10H).toISOString().slice(0, 10);
    const report = await reprice(store.client, catalog, { schema: options, since: day });
    expect(report.days.map((d) => [d.day, d.repriced])).toEqual([[day, 36]]);

    const levels = await perUser('agentmeter');
    expectEveryLevelEqualsSpans(levels);
    const after = (levels['users1d'] as { cost_usd: string }[]).reduce(
      (total, r) => total + Number(r.cost_usd),
      0,
    );
    // gpt-4o at the catalog's price, not the sent thousandths of a dollar.
    expect(after).not.toBeCloseTo(Number(before[0]!.usd), 3);
    expect(Number(report.days[0]!.newTotal)).toBeCloseTo(after, 9);
  });

  it('upgrading a version-4 database rolls up the spans it holds once; its statements run again add nothing', async () => {
    const v4: SchemaOptions = { ...options, database: 'at_v4' };
    for (const statements of [schemaV1, schemaV2, schemaV3, schemaV4])
      for (const query of statements(v4)) await store.client.command({ query });
    await store.client.command({ query: migrationsTable(v4) });
    await store.client.insert({
      table: `at_v4.${Tables.MIGRATIONS}`,
      values: [1, 2, 3, 4].map((version) => ({ version, name: `v${version}` })),
      format: 'JSONEachRow',
    });
    await insertSpans('at_v4', [...spans('p1', 0), ...spans('p2', 100)]);

    expect((await migrate(store.client, v4)).applied).toEqual([5, 6, 7]);
    const upgraded = await perUser('at_v4');
    expect((upgraded['spans'] as unknown[]).length).toBe(6);
    expectEveryLevelEqualsSpans(upgraded);

    // As after a crash between the statements and their record: nothing is counted twice.
    for (const query of schemaV5(v4)) await store.client.command({ query });
    expect(await perUser('at_v4')).toEqual(upgraded);
    // And spans stored after the upgrade reach the rollups through the views.
    await insertSpans('at_v4', spans('p3', 200));
    expectEveryLevelEqualsSpans(await perUser('at_v4'));
  });
});
