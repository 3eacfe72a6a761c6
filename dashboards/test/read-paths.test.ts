/**
 * What keeps a month of panels fast answers as before, on the real engine: the t-digest panels
 * read the rollups' by-provider-and-model projection (and the table when another dimension is
 * filtered), the per-user panels read the per-user rollups, and freshness reads the spans from
 * the last hour with calls only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_PROJECTION } from '@agentmeter/schema';
import { queryRows } from '@agentmeter/store';
import { expandQuery, type QueryContext, type VariableValue } from '../src/macros.js';
import { QUERIES, CostQueries, TenancyQueries, UsageQueries } from '../src/queries.js';
import { SPANS } from '../src/sql.js';
import { openEngine, span, type Engine } from './reports-fixture.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The start of the current hour: the data set ends an hour before it. */
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

let engine: Engine;

/** 40 days of calls at minutes 10 and 40 of four hours a day, by four users in two projects. */
beforeAll(async () => {
  engine = await openEngine();
  const spans: ReturnType<typeof span>[] = [];
  for (let day = 40; day >= 1; day--)
    for (const hour of [1, 7, 13, 19])
      for (const minute of [10, 40]) {
        const at = NOW - day * DAY + hour * HOUR + minute * 60_000;
        if (at >= NOW - HOUR) continue;
        const i = spans.length;
        spans.push(
          span(iso(at), {
            project: i % 3 === 0 ? 'p2' : 'p1',
            user_id: `u${i % 4}`,
            provider: i % 2 ? 'openai' : 'anthropic',
            request_model: i % 2 ? 'gpt-4o' : 'claude-sonnet-4',
            category: i % 5 ? 'docs' : 'tests',
            error_category: i % 7 ? '' : 'rate_limit',
            status: i % 7 ? 'ok' : 'error',
            duration_ms: 100 + (i % 50) * 20,
            input_tokens: 1000 + i,
            output_tokens: 10 + (i % 9),
            cost_usd: (0.001 * (1 + (i % 13))).toFixed(3),
            quota_decision: i % 6 ? 'allowed' : 'blocked',
            budget_decision: i % 11 ? 'allowed' : 'downgraded',
            rate_limit_decision: i % 8 ? 'allowed' : 'rejected',
          }),
        );
      }
  await engine.insertSpans(spans);
});
afterAll(() => engine.close());

const ALL = { project: 'All', service: 'All', provider: 'All', model: 'All', category: 'All' };

/** A range ending at `toMs` as Grafana sends it; the rollup chosen by the dashboards' variable. */
async function context(
  span: number,
  variables: Record<string, VariableValue> = {},
  toMs = NOW,
): Promise<QueryContext> {
  const range = { fromMs: toMs - span, toMs, intervalMs: span / 1000 };
  const [choice] = await engine.run.rows<{ rollup: string }>(
    expandQuery(QUERIES.VariableQueries.rollup, range),
  );
  return { ...range, variables: { ...ALL, rollup: choice!.rollup, ...variables } };
}

const plan = async (sql: string, c: QueryContext) =>
  (await engine.run.rows<{ explain: string }>(`EXPLAIN ${expandQuery(sql, c)}`))
    .map((r) => r.explain)
    .join('\n');

describe('t-digest panels', () => {
  const digestPanels = Object.values(QUERIES)
    .flatMap((area) => Object.entries(area))
    .filter(([, sql]) => sql.includes('quantilesTDigestMerge') && sql.includes('${rollup}'));

  it.each([
    ['7 days (1h)', 7 * DAY],
    ['30 days (1d)', 30 * DAY],
  ])(
    'read the by-provider-and-model projection over %s, the table under a project filter',
    async (_, span) => {
      expect(digestPanels.length).toBeGreaterThanOrEqual(8);
      for (const [name, sql] of digestPanels) {
        expect(await plan(sql, await context(span)), name).toContain(
          `ReadFromMergeTree (${MODEL_PROJECTION})`,
        );
        expect(await plan(sql, await context(span, { project: ['p1'] })), name).not.toContain(
          `ReadFromMergeTree (${MODEL_PROJECTION})`,
        );
      }
    },
  );

  it('answer from the projection what they answer from the table', async () => {
    const c = await context(30 * DAY);
    for (const sql of [UsageQueries.topModelsByCost, QUERIES.HealthQueries.providerStatus]) {
      const expanded = expandQuery(sql, c);
      const table = await engine.run.rows(`${expanded} SETTINGS optimize_use_projections = 0`);
      expect(await engine.run.rows(expanded)).toEqual(table);
      expect(table.length).toBe(2);
    }
  });
});

describe('per-user panels', () => {
  type Usage = {
    user_id: string;
    project: string;
    calls: number;
    nano_usd: number;
    quota_blocks: number;
    rate_limited: number;
  };
  const usage = (r: Record<string, unknown>): Usage => ({
    user_id: String(r['user_id']),
    project: String(r['project']),
    calls: Number(r['calls']),
    nano_usd: Math.round(Number(r['spend_usd']) * 1e9),
    quota_blocks: Number(r['quota_blocks']),
    rate_limited: Number(r['rate_limited']),
  });
  const byUser = (a: Usage, b: Usage) =>
    `${a.user_id} ${a.project}`.localeCompare(`${b.user_id} ${b.project}`);

  /** The spans' own per-user sums over the buckets a level of `grain` keeps for the range. */
  const fromSpans = async (c: QueryContext, grain: string, project = '') =>
    (
      await queryRows(
        engine.store.client,
        `SELECT user_id, project, count() AS calls, toString(sum(cost_usd)) AS spend_usd,
           countIf(quota_decision = 'blocked') AS quota_blocks,
           countIf(rate_limit_decision = 'rejected') AS rate_limited
         FROM ${SPANS}
         WHERE ${grain}(timestamp) BETWEEN toDateTime({from:Int64}) AND toDateTime({to:Int64})
           AND ({project:String} = '' OR project = {project:String})
         GROUP BY user_id, project`,
        { from: Math.floor(c.fromMs / 1000), to: Math.floor(c.toMs / 1000), project },
      )
    )
      .map(usage)
      .sort(byUser);
  const panel = async (c: QueryContext) =>
    (await engine.run.rows<Record<string, unknown>>(expandQuery(TenancyQueries.usageByUser, c)))
      .map(usage)
      .sort(byUser);

  it.each([
    ['24 hours', DAY, 'toStartOfHour'],
    ['30 days', 30 * DAY, 'toStartOfDay'],
  ])(
    'over %s equal the spans of the range per user and project; only the project filter applies',
    async (_, span, grain) => {
      const all = await context(span);
      const expected = await fromSpans(all, grain);
      expect(expected.length).toBeGreaterThan(0);
      expect(await panel(all)).toEqual(expected);
      expect(await panel(await context(span, { provider: ['openai'] }))).toEqual(expected);
      expect(await panel(await context(span, { project: ['p1'] }))).toEqual(
        await fromSpans(all, grain, 'p1'),
      );
      const top = await engine.run.rows<Record<string, unknown>>(
        expandQuery(CostQueries.topUsersByCost, all),
      );
      expect(top.map((r) => [r['user_id'], r['project'], Number(r['calls'])]).sort()).toEqual(
        expected.map((u) => [u.user_id, u.project, u.calls]).sort(),
      );
    },
  );
});

describe('seconds since the last span', () => {
  const newest = async (c: QueryContext) => {
    const [r] = await queryRows<{ lag: string }>(
      engine.store.client,
      `SELECT toString(dateDiff('second', max(timestamp), now())) AS lag FROM ${SPANS}
       WHERE timestamp BETWEEN toDateTime({from:Int64}) AND toDateTime({to:Int64})`,
      { from: Math.floor(c.fromMs / 1000), to: Math.floor(c.toMs / 1000) },
    );
    return Number(r!.lag);
  };
  const panel = async (c: QueryContext) => {
    const [r] = await engine.run.rows<{ seconds_since_last_span: string | number }>(
      expandQuery(UsageQueries.freshnessSeconds, c),
    );
    return Number(r!.seconds_since_last_span);
  };

  it.each([
    ['ends now', 0],
    ['ends inside an hour with calls before and after its end', 3 * DAY - 13 * HOUR - 20 * 60_000],
    ['ends inside an hour whose calls all come after its end', 3 * DAY - 13 * HOUR - 5 * 60_000],
  ])('is the newest span of the range when the range %s', async (_, before) => {
    const c = await context(30 * DAY, {}, NOW - before);
    const expected = await newest(c);
    expect(Math.abs((await panel(c)) - expected)).toBeLessThanOrEqual(1);
  });
});
