import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BudgetConfigSchema,
  ClickHouseLedger,
  periodWindow,
  spendCounter,
} from '@agentmeter/budgets';
import { DEFAULT_RETENTION, Tables } from '@agentmeter/schema';
import { budgetStatus } from '../src/rules/budget-status.js';
import { RuleEvaluator } from '../src/rules/evaluate.js';
import { DAY, HOUR, MINUTE, insertSpans, openEngine, type Engine } from './rules/engine.js';
import { rule } from './rules/rule.js';
import { byLabel, samplesOf } from './rules/samples.js';

let engine: Engine;
let evaluator: RuleEvaluator;
const D0 = Math.floor(Date.now() / DAY) * DAY;

// A Kolkata (UTC+05:30) week starts on Monday at 00:00 IST, Sunday 18:30 UTC. Take the latest
// such start at least 5 days ago, and stand 2 days 6 hours into that week.
const SUNDAY = 0;
const sundays = Array.from({ length: 14 }, (_, i) => D0 - i * DAY).filter(
  (d) => new Date(d).getUTCDay() === SUNDAY,
);
const WEEK_START = sundays
  .map((d) => d + 18 * HOUR + 30 * MINUTE)
  .find((t) => t <= Date.now() - 5 * DAY)!;
const NOW = WEEK_START + 2 * DAY + 6 * HOUR;
const WEEK = 7 * DAY;

beforeAll(async () => {
  engine = await openEngine();
  evaluator = new RuleEvaluator({ client: engine.client });
  const project = (name: string, usd: string, at: number) => ({ at, project: name, cost_usd: usd });
  await insertSpans(engine, [
    project('alpha', '100', WEEK_START - MINUTE), // the week before
    project('alpha', '30', WEEK_START + HOUR),
    project('alpha', '24', NOW - HOUR),
    project('beta', '96', WEEK_START + DAY),
    project('gamma', '120', WEEK_START + DAY),
    project('delta', '10', WEEK_START + DAY),
  ]);
});
afterAll(async () => {
  await engine.close();
});

const weekly = {
  id: 'team-weekly',
  scope: 'project',
  match: ['alpha', 'beta', 'gamma', 'delta'],
  period: 'weekly',
  limit_usd: 100,
  time_zone: 'Asia/Kolkata',
};
const perProject = { ...weekly, match: undefined };

describe('a budget rule at its thresholds', () => {
  it('breaches per scope value at the highest threshold crossed, its severity from the budget', async () => {
    const before = engine.queries.length;
    const found = samplesOf(
      await evaluator.evaluate(
        rule({ kind: 'budget', budget: perProject }),
        WEEK_START + DAY + HOUR,
      ),
    );
    expect(engine.queries.length - before).toBe(1);
    const byProject = byLabel(found, 'project');
    // Default thresholds 50/80/95/100 %; budget warning 80 %, critical 100 %. Alpha's 24 of a
    // later day is not spent yet at this instant.
    expect(
      Object.fromEntries(
        Object.entries(byProject).map(([p, s]) => [
          p,
          [s.value, s.breached, s.values?.threshold_percent],
        ]),
      ),
    ).toEqual({
      alpha: [30, undefined, undefined],
      beta: [96, 'warning', 95],
      gamma: [120, 'critical', 100],
      delta: [10, undefined, undefined],
    });
    expect(byProject.beta!.labels).toEqual({ budget_id: 'team-weekly', project: 'beta' });
  });

  it('reads the spend of its own period only, and puts limit, spend, forecast and reset in values', async () => {
    const found = samplesOf(
      await evaluator.evaluate(rule({ kind: 'budget', budget: perProject }), NOW),
    );
    const alpha = found.find((s) => s.labels.project === 'alpha')!;
    // 30 + 24 this week; the 100 before the week's start is not counted.
    expect(alpha.value).toBeCloseTo(54, 9);
    expect(alpha.breached).toBe('info');
    expect(alpha.values).toEqual({
      percent: 54,
      limit_usd: 100,
      spent_usd: 54,
      // 54 in 2 days 6 hours of a 7-day week.
      forecast_usd: (54 * 7 * 24) / 54,
      resets_at: WEEK_START + WEEK,
      threshold_percent: 50,
    });
  });

  it('pools the values a match names into one series labelled with the budget only', async () => {
    const found = samplesOf(
      await evaluator.evaluate(rule({ kind: 'budget', budget: weekly }), NOW),
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.labels).toEqual({ budget_id: 'team-weekly' });
    expect(found[0]!.values!.spent_usd).toBeCloseTo(54 + 96 + 120 + 10, 9);
    expect(found[0]!.breached).toBe('critical');
  });
});

describe('a budget forecast', () => {
  it("projects to the end of the budget's own period, not the month's, and breaches past the limit", async () => {
    const found = samplesOf(
      await evaluator.evaluate(
        rule({
          kind: 'budget',
          budget: perProject,
          forecast: true,
          labels: { severity: 'critical' },
        }),
        NOW,
      ),
    );
    const byProject = byLabel(found, 'project');
    // 54 h of a 168 h week: alpha's 54 projects to 168, delta's 10 to 31.1.
    expect(byProject.alpha!.value).toBeCloseTo(168, 9);
    expect(byProject.alpha!.breached).toBe('critical');
    expect(byProject.delta!.value).toBeCloseTo((10 * 168) / 54, 9);
    expect(byProject.delta!.breached).toBeUndefined();
    expect(byProject.alpha!.values!.resets_at).toBe(WEEK_START + WEEK);
  });

  it('gives no verdict before forecast_min_elapsed_percent of the period', async () => {
    // 6 hours into the week is 3.6 % of it: alpha's 30 projects to 840, but it is too early.
    const early = WEEK_START + 6 * HOUR;
    const r = (min?: number) =>
      rule({
        kind: 'budget',
        budget: perProject,
        forecast: true,
        forecast_min_elapsed_percent: min,
      });
    const alpha = async (min?: number) =>
      samplesOf(await evaluator.evaluate(r(min), early)).find((s) => s.labels.project === 'alpha')!;
    expect((await alpha()).value).toBeCloseTo(840, 9);
    expect((await alpha()).breached).toBeUndefined();
    expect((await alpha(3)).breached).toBe('warning');
  });
});

describe('budget status for the API', () => {
  it('lists spend, limit, percent, forecast and reset of every budget in one query', async () => {
    const budgets = [
      BudgetConfigSchema.parse(weekly),
      BudgetConfigSchema.parse({
        id: 'alpha-daily',
        scope: 'project',
        match: 'alpha',
        period: 'daily',
        limit_usd: 50,
      }),
    ];
    const before = engine.queries.length;
    const status = await budgetStatus(engine.client, budgets, NOW);
    expect(engine.queries.length - before).toBe(1);
    // NOW is 00:30 UTC: alpha's 24 of 23:30 UTC fell on the previous UTC day.
    const utcDay = Math.floor(NOW / DAY) * DAY;
    expect(status).toEqual([
      {
        budgetId: 'team-weekly',
        scope: 'project',
        scopeValue: '',
        limitUsd: 100,
        spentUsd: 280,
        percent: 280,
        forecastUsd: (280 * 168) / 54,
        elapsedPercent: (54 / 168) * 100,
        periodStart: WEEK_START,
        resetsAt: WEEK_START + WEEK,
      },
      {
        budgetId: 'alpha-daily',
        scope: 'project',
        scopeValue: '',
        limitUsd: 50,
        spentUsd: 0,
        percent: 0,
        forecastUsd: 0,
        elapsedPercent: ((NOW - utcDay) / DAY) * 100,
        periodStart: utcDay,
        resetsAt: utcDay + DAY,
      },
    ]);
  });
});

describe('a per-user monthly budget past the spans’ retention', () => {
  // Stand on the 21st or later of a month, 14:20 UTC: the month began 20 days ago or more.
  const day = Array.from({ length: 40 }, (_, i) => D0 - (i + 1) * DAY).find(
    (d) => new Date(d).getUTCDate() >= 21,
  )!;
  const now = day + 14 * HOUR + 20 * MINUTE;
  const monthly = BudgetConfigSchema.parse({
    id: 'mona-monthly',
    scope: 'user',
    period: 'monthly',
    limit_usd: 40,
    time_zone: 'UTC',
  });
  const window = periodWindow('monthly', 'UTC', now);
  const spentOfMona = async (): Promise<number> => {
    const ledger = new ClickHouseLedger({ client: engine.client, onError: () => undefined });
    const counter = spendCounter('user', { value: 'mona' }, window);
    ledger.spent(counter);
    await ledger.refresh();
    return ledger.spent(counter) / 1e9;
  };

  beforeAll(async () => {
    // Retention counts from `now`, not from today: the deletion below stands in for the TTL.
    await engine.store.client.command({
      query: `ALTER TABLE agentmeter.${Tables.SPANS} REMOVE TTL`,
    });
    const mona = (at: number, usd: string) => ({ at, user_id: 'mona', cost_usd: usd });
    await insertSpans(engine, [
      mona(window.start - MINUTE, '100'), // last month
      // $1 a day for 20 days, the first 20 days ago, and $0.5 in the hour filling now.
      ...Array.from({ length: 20 }, (_, k) => mona(now - (20 - k) * DAY, '1')),
      mona(now - 10 * MINUTE, '0.5'),
    ]);
    // Spans past retention at `now` are gone; the rollups the views filled keep their rows.
    await engine.store.client.command({
      query: `ALTER TABLE agentmeter.${Tables.SPANS} DELETE
              WHERE user_id = 'mona' AND timestamp < fromUnixTimestamp64Milli({before:Int64})
              SETTINGS mutations_sync = 2`,
      query_params: { before: now - DEFAULT_RETENTION.spans * DAY },
    });
  });

  it('counts all 20 days, in the ledger and in the budget rule alike, where llm_spans holds 7', async () => {
    const [kept] = await (
      await engine.store.client.query({
        query: `SELECT toFloat64(sum(cost_usd)) AS usd FROM agentmeter.${Tables.SPANS} WHERE user_id = 'mona'`,
        format: 'JSONEachRow',
      })
    ).json<{ usd: number }>();
    // What reading llm_spans alone gave: the last 7 days' $1 and the filling hour's $0.5.
    expect(kept!.usd).toBe(7.5);
    expect(await spentOfMona()).toBe(20.5);
    const [status] = await budgetStatus(engine.client, [monthly], now);
    expect(status).toMatchObject({ scopeValue: 'mona', spentUsd: 20.5, periodStart: window.start });
    const [sample] = samplesOf(
      await evaluator.evaluate(rule({ kind: 'budget', budget: monthly }), now),
    );
    expect(sample!.labels).toMatchObject({ user_id: 'mona' });
    expect(sample!.values!.spent_usd).toBe(20.5);
  });
});
