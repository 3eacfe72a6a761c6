import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openStore, type Store } from '@agentmeter/store';
import {
  DEFAULT_RETENTION,
  ROLLUP_DIMENSIONS,
  Tables,
  USER_ROLLUP_DIMENSIONS,
} from '@agentmeter/schema';
import {
  BudgetEngine,
  ClickHouseLedger,
  compileMatch,
  spendCounter,
  type SpendCounter,
} from '../src/index.js';
import { ManualClock } from '@agentmeter/test-kit';
import { ROLLUP_COLUMN } from '../src/clickhouse-spend-sql.js';
import type { GuardContext } from '../src/guards.js';

const USD = 1_000_000_000;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-ledger-'));
let store: Store;
// Today's UTC midnight: spans are placed around it (within the 7-day TTL of llm_spans).
const D0 = Math.floor(Date.now() / DAY) * DAY;

beforeAll(async () => {
  store = openStore({ dataPath: dir });
  await migrate(store.client, { database: 'agentmeter', retention: DEFAULT_RETENTION });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Span {
  at: number;
  usd: number;
  project?: string;
  agent?: string;
  model?: string;
  workflow?: string;
  user?: string;
}

let spanId = 0;
async function insertSpans(spans: Span[]): Promise<void> {
  await store.client.insert({
    table: 'agentmeter.llm_spans',
    format: 'JSONEachRow',
    values: spans.map((s) => ({
      timestamp: (BigInt(s.at) * 1_000_000n).toString(),
      trace_id: 'ab'.repeat(16),
      span_id: String(++spanId).padStart(16, '0'),
      provider: 'openai',
      request_model: s.model ?? 'test-model',
      cost_usd: String(s.usd),
      project: s.project ?? '',
      agent: s.agent ?? '',
      workflow: s.workflow ?? '',
      user_id: s.user ?? '',
    })),
  });
}

const win = (start: number, end: number) => ({ start, end });

function ledger() {
  return new ClickHouseLedger({ client: store.client, onError: () => undefined });
}

describe('the ClickHouse contract the ledger reads', () => {
  it('reads rollup dimensions that exist', () => {
    for (const column of Object.values(ROLLUP_COLUMN)) {
      expect(ROLLUP_DIMENSIONS as readonly string[]).toContain(column);
    }
    // Users are too many for the ladder: they have rollups of their own.
    expect(ROLLUP_DIMENSIONS as readonly string[]).not.toContain('user_id');
    expect(USER_ROLLUP_DIMENSIONS as readonly string[]).toContain('user_id');
  });
});

describe('period-to-date spend from the rollups', () => {
  it('sums whole days, partial days and partial hours of a +5:30 period exactly, nothing outside it', async () => {
    // A period from Kolkata midnight four days ago to Kolkata midnight tonight: both ends at :30 UTC.
    const S = D0 - 4 * DAY + 18 * HOUR + 30 * MIN;
    const E = D0 + 18 * HOUR + 30 * MIN;
    // Powers of two: a wrong total tells which span was lost or counted twice.
    await insertSpans([
      { at: S - MIN, usd: 1, project: 'kolkata' }, // before the period
      { at: S, usd: 2, project: 'kolkata' }, // partial hour (1m)
      { at: S + 29 * MIN, usd: 4, project: 'kolkata' }, // partial hour (1m)
      { at: S + 30 * MIN, usd: 8, project: 'kolkata' }, // whole hour of a partial day (1h)
      { at: D0 - 3 * DAY + 12 * HOUR, usd: 16, project: 'kolkata' }, // whole day (1d)
      { at: D0 - DAY + 5 * HOUR, usd: 32, project: 'kolkata' }, // whole day (1d)
      { at: E - 31 * MIN, usd: 64, project: 'kolkata' }, // whole hour of a partial day (1h)
      { at: E - MIN, usd: 128, project: 'kolkata' }, // partial hour (1m)
      { at: E, usd: 256, project: 'kolkata' }, // next period
      { at: E + DAY, usd: 512, project: 'kolkata' }, // next period
    ]);
    // Chatham (+12:45): ends at :15; and a second group in the same statement.
    const S2 = D0 - 3 * DAY + 11 * HOUR + 15 * MIN;
    const E2 = S2 + DAY;
    await insertSpans([
      { at: S2 - MIN, usd: 1, project: 'chatham' },
      { at: S2, usd: 2, project: 'chatham' },
      { at: S2 + 44 * MIN, usd: 4, project: 'chatham' },
      { at: S2 + 45 * MIN, usd: 8, project: 'chatham' },
      { at: E2 - MIN, usd: 16, project: 'chatham' },
      { at: E2, usd: 32, project: 'chatham' },
    ]);
    const l = ledger();
    const kolkata = spendCounter('project', { value: 'kolkata' }, win(S, E));
    const chatham = spendCounter('project', { value: 'chatham' }, win(S2, E2));
    l.spent(kolkata);
    l.spent(chatham);
    await l.refresh();
    expect(l.spent(kolkata) / USD).toBe(2 + 4 + 8 + 16 + 32 + 64 + 128);
    expect(l.spent(chatham) / USD).toBe(2 + 4 + 8 + 16);
    // The next Kolkata period holds only what came after E.
    const next = spendCounter('project', { value: 'kolkata' }, win(E, E + DAY));
    l.spent(next);
    await l.refresh();
    expect(l.spent(next) / USD).toBe(256);
  });

  it('reads each scope: global, agent, workflow, pooled model prefixes, and users', async () => {
    const S = D0 - 2 * DAY;
    const E = D0 + DAY;
    const t = D0 - DAY + 3 * HOUR;
    await insertSpans([
      { at: t, usd: 0.000000001, agent: 'coder', model: 'gpt-4o', workflow: 'wf', user: 'ann' },
      { at: t, usd: 0.25, agent: 'coder', model: 'gpt-4.1', workflow: 'wf', user: 'bob' },
      { at: t, usd: 3, agent: 'reviewer', model: 'o3', user: 'ann' },
      { at: S - HOUR, usd: 100, agent: 'coder', model: 'gpt-4o', workflow: 'wf', user: 'ann' },
    ]);
    const l = ledger();
    const counters: Record<string, SpendCounter> = {
      coder: spendCounter('agent', { value: 'coder' }, win(S, E)),
      wf: spendCounter('workflow', { value: 'wf' }, win(S, E)),
      gpt4: spendCounter('model', { match: compileMatch(['gpt-4*']) }, win(S, E)),
      o3: spendCounter('model', { match: compileMatch(['o3']) }, win(S, E)),
      ann: spendCounter('user', { value: 'ann' }, win(S, E)),
      bob: spendCounter('user', { value: 'bob' }, win(S, E)),
    };
    for (const c of Object.values(counters)) l.spent(c);
    await l.refresh();
    const spent = Object.fromEntries(Object.entries(counters).map(([k, c]) => [k, l.spent(c)]));
    expect(spent).toEqual({
      coder: 250_000_001,
      wf: 250_000_001,
      gpt4: 250_000_001,
      o3: 3 * USD,
      ann: 3 * USD + 1,
      bob: 250_000_000,
    });
    // Global includes every span of the window, including the other tests' (and nothing before S).
    const global = spendCounter('global', null, win(S, E));
    l.spent(global);
    await l.refresh();
    const [row] = await (
      await store.client.query({
        query: `SELECT toString(toInt64(sum(cost_usd) * 1000000000)) AS n FROM agentmeter.llm_spans
                WHERE timestamp >= fromUnixTimestamp64Milli({s:Int64}) AND timestamp < fromUnixTimestamp64Milli({e:Int64})`,
        query_params: { s: S, e: E },
        format: 'JSONEachRow',
      })
    ).json<{ n: string }>();
    expect(l.spent(global)).toBe(Number(row!.n));
  });
});

describe('per-user spend from the per-user rollups', () => {
  it('sums whole days and hours from the user rollups and the partial hours at both edges from llm_spans, as llm_spans alone does', async () => {
    // From Kolkata midnight four days ago (:30 UTC) into the hour that is filling at E.
    const S = D0 - 4 * DAY + 18 * HOUR + 30 * MIN;
    const E = D0 + 5 * HOUR + 20 * MIN;
    await insertSpans([
      { at: S - MIN, usd: 1, user: 'edna' }, // before the period
      { at: S, usd: 2, user: 'edna' }, // partial hour (llm_spans)
      { at: S + 29 * MIN, usd: 4, user: 'edna', project: 'other' }, // partial hour (llm_spans)
      { at: S + 30 * MIN, usd: 8, user: 'edna' }, // whole hour of a partial day (users 1h)
      { at: D0 - 3 * DAY + 12 * HOUR, usd: 16, user: 'edna' }, // whole day (users 1d)
      { at: D0 - 3 * DAY + 13 * HOUR, usd: 32, user: 'edna', project: 'other' }, // whole day
      { at: D0 + 2 * HOUR, usd: 64, user: 'edna' }, // whole hour of today (users 1h)
      { at: E - MIN + 999, usd: 128, user: 'edna' }, // the filling hour (llm_spans)
      { at: E, usd: 256, user: 'edna' }, // after the window
      { at: D0 - DAY, usd: 512, user: 'ed' }, // another user
    ]);
    const l = ledger();
    const edna = spendCounter('user', { value: 'edna' }, win(S, E));
    l.spent(edna);
    await l.refresh();
    expect(l.spent(edna) / USD).toBe(2 + 4 + 8 + 16 + 32 + 64 + 128);
    const [row] = await (
      await store.client.query({
        query: `SELECT toString(toInt64(sum(cost_usd) * 1000000000)) AS n FROM agentmeter.${Tables.SPANS}
                WHERE user_id = 'edna' AND timestamp >= fromUnixTimestamp64Milli({s:Int64}) AND timestamp < fromUnixTimestamp64Milli({e:Int64})`,
        query_params: { s: S, e: E },
        format: 'JSONEachRow',
      })
    ).json<{ n: string }>();
    expect(l.spent(edna)).toBe(Number(row!.n));
  });
});

describe('the local delta', () => {
  it('counts a local call until a refresh started ingestLagMs after it, then the store’s copy: never lost, never twice after the lag', async () => {
    const clock = new ManualClock(D0 - DAY + 10 * HOUR);
    const l = new ClickHouseLedger({ client: store.client, clock, ingestLagMs: 10_000 });
    const counter = spendCounter('project', { value: 'lag' }, win(D0 - DAY, D0));
    l.spent(counter);
    await l.refresh();
    expect(l.spent(counter)).toBe(0);
    const call = { at: clock.now(), model: 'gpt-4o', project: 'lag', costNanos: 5 * USD };
    l.record(call);
    expect(l.spent(counter)).toBe(5 * USD);
    clock.advance(5_000);
    await l.refresh(); // not stored yet, and within the lag: still local
    expect(l.spent(counter)).toBe(5 * USD);
    await insertSpans([{ at: call.at, usd: 5, project: 'lag' }]); // the exporter delivers it
    clock.advance(1_000);
    await l.refresh(); // within the lag, now also stored: counted twice (errs toward blocking)
    expect(l.spent(counter)).toBe(10 * USD);
    clock.advance(60_000);
    await l.refresh(); // past the lag: the store's copy only
    expect(l.spent(counter)).toBe(5 * USD);
  });

  it('keeps the last snapshot and every local call while ClickHouse is unreachable', async () => {
    let fail = false;
    const client = {
      query: ((params: Parameters<typeof store.client.query>[0]) => {
        if (fail) return Promise.reject(new Error('connection refused'));
        return store.client.query(params);
      }) as typeof store.client.query,
    };
    const clock = new ManualClock(D0 - DAY + 11 * HOUR);
    await insertSpans([{ at: clock.now() - HOUR, usd: 7, project: 'outage' }]);
    const l = new ClickHouseLedger({ client, clock, ingestLagMs: 1_000 });
    const counter = spendCounter('project', { value: 'outage' }, win(D0 - DAY, D0));
    l.spent(counter);
    await l.refresh();
    fail = true;
    l.record({ at: clock.now(), model: 'gpt-4o', project: 'outage', costNanos: 1 * USD });
    clock.advance(60_000);
    await expect(l.refresh()).rejects.toThrow('connection refused');
    expect(l.status().lastError).toBeInstanceOf(Error);
    expect(l.spent(counter)).toBe(8 * USD);
  });
});

describe('background refresh', () => {
  it('loads a scope value first asked by a check soon after, without a wait in the check', async () => {
    await insertSpans([{ at: D0 - DAY + HOUR, usd: 2, user: 'carol' }]);
    const clock = new ManualClock(D0 + HOUR);
    const l = new ClickHouseLedger({
      client: store.client,
      clock,
      refreshIntervalMs: 3_600_000,
      minRefreshGapMs: 1_000,
    });
    await l.start();
    try {
      const counter = spendCounter('user', { value: 'carol' }, win(D0 - DAY, D0));
      expect(l.spent(counter)).toBe(0); // answered at once from what is known
      expect(clock.pendingTimers).toBe(2); // the periodic refresh and the eager one
      clock.advance(999); // the eager refresh waits out minRefreshGapMs after the first
      expect(clock.pendingTimers).toBe(2);
      clock.advance(1);
      expect(clock.pendingTimers).toBe(1);
      await vi.waitFor(() => expect(l.spent(counter)).toBe(2 * USD), { timeout: 10_000 });
    } finally {
      l.stop();
    }
    expect(clock.pendingTimers).toBe(0);
  });

  it('refreshes every refreshIntervalMs and stops with stop()', async () => {
    const clock = new ManualClock(D0 + HOUR);
    let reads = 0;
    const client = {
      query: ((params: Parameters<typeof store.client.query>[0]) => {
        reads++;
        return store.client.query(params);
      }) as typeof store.client.query,
    };
    const l = new ClickHouseLedger({ client, clock, refreshIntervalMs: 10_000 });
    const today = spendCounter('global', null, win(D0, D0 + DAY));
    l.spent(today);
    await l.start();
    expect(reads).toBe(1);
    for (let i = 2; i <= 4; i++) {
      l.spent(today); // still asked for, so the next refresh reads it
      clock.advance(10_000);
      // Each tick's read has completed when the ledger says it refreshed at that tick.
      await vi.waitFor(() => expect(l.status().lastRefreshAt).toBe(clock.now()));
      expect(reads).toBe(i);
    }
    l.stop();
    clock.advance(60_000);
    expect(reads).toBe(4);
  });
});

describe('a fleet of two instances', () => {
  it('blocks on one instance once the other’s spend reaches the store', async () => {
    const budgets = [
      {
        id: 'fleet',
        scope: 'project' as const,
        match: 'fleet',
        period: 'daily' as const,
        limit_usd: 10,
        action: 'block' as const,
      },
    ];
    const a = ledger();
    const b = ledger();
    const engineA = new BudgetEngine({ budgets, ledger: a });
    const engineB = new BudgetEngine({ budgets, ledger: b });
    const call = (): GuardContext => ({
      provider: 'openai',
      model: 'gpt-4o',
      category: 'docs',
      project: 'fleet',
      estimatedCostNanos: 1 * USD,
      estimatedTokens: 1000,
      now: new Date(),
    });
    engineB.prime(new Date());
    await b.refresh();
    expect(engineB.check(call()).action).toBe('allow');
    const ctx = call();
    engineA.record(ctx, 9.5 * USD);
    expect(engineA.check(call()).action).toBe('block'); // A knows at once (local delta)
    expect(engineB.check(call()).action).toBe('allow'); // B has not seen it yet
    await insertSpans([{ at: ctx.now.getTime(), usd: 9.5, project: 'fleet' }]);
    await b.refresh();
    expect(engineB.check(call())).toMatchObject({ action: 'block', id: 'fleet' });
  });
});
