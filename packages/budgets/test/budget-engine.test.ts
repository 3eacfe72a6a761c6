import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  BudgetEngine,
  BudgetsConfigSchema,
  DEFAULT_BUDGET,
  InMemoryLedger,
  QuotaEnforcementConfigSchema,
  QuotasConfigSchema,
  type BudgetConfigInput,
  type ThresholdEvent,
} from '../src/index.js';
import type { GuardContext } from '../src/guards.js';

const USD = 1_000_000_000;

function ctx(over: Partial<GuardContext> & { at: string }): GuardContext {
  const { at, ...rest } = over;
  return {
    provider: 'openai',
    model: 'gpt-4o',
    category: 'docs',
    estimatedCostNanos: 0,
    estimatedTokens: 0,
    now: new Date(at),
    ...rest,
  };
}

function engine(budgets: BudgetConfigInput[], events: ThresholdEvent[] = []) {
  return new BudgetEngine({ budgets, onThreshold: (e) => events.push(e) });
}

describe('budget check', () => {
  it('blocks the call whose estimate would pass the limit, and every call once the limit is spent', () => {
    const e = engine([
      { id: 'daily', scope: 'global', period: 'daily', limit_usd: 10, action: 'block' },
    ]);
    const t = '2024-05-01T10:00:00Z';
    e.record(ctx({ at: t }), 9 * USD);
    expect(e.check(ctx({ at: t, estimatedCostNanos: 1 * USD })).action).toBe('allow'); // lands exactly on 10
    const over = e.check(ctx({ at: t, estimatedCostNanos: 1 * USD + 1 }));
    expect(over).toMatchObject({ action: 'block', id: 'daily' });
    expect(over.reason).toContain('$9.00 + estimated $1.000000001 exceeds $10.00');
    e.record(ctx({ at: t }), 1 * USD);
    // Spent == limit: even a call of unknown cost (estimate 0) is refused (LiteLLM #23714).
    expect(e.check(ctx({ at: t })).action).toBe('block');
  });

  it('sums integer nano-dollars: ten calls of $0.10 reach a $1 limit exactly', () => {
    const e = engine([
      { id: 'one-dollar', scope: 'global', period: 'daily', limit_usd: 1, action: 'block' },
    ]);
    const t = '2024-05-01T10:00:00Z';
    for (let i = 0; i < 9; i++) e.record(ctx({ at: t }), 0.1 * USD);
    expect(e.check(ctx({ at: t, estimatedCostNanos: 0.1 * USD })).action).toBe('allow');
    e.record(ctx({ at: t }), 0.1 * USD);
    expect(e.check(ctx({ at: t })).action).toBe('block');
    expect(e.statuses({ model: 'gpt-4o' }, new Date(t))[0]!.spentNanos).toBe(1 * USD);
  });

  it('returns the strictest action of the matching budgets: block > downgrade > alert > allow', () => {
    const budgets: BudgetConfigInput[] = [
      { id: 'watch', scope: 'global', period: 'daily', limit_usd: 1, action: 'alert_only' },
      {
        id: 'cheaper',
        scope: 'project',
        match: 'acme',
        period: 'daily',
        limit_usd: 2,
        action: 'downgrade',
        downgrade_to: 'gpt-4o-mini',
      },
      {
        id: 'hard',
        scope: 'agent',
        match: 'coder',
        period: 'daily',
        limit_usd: 3,
        action: 'block',
      },
    ];
    const e = engine(budgets);
    const t = '2024-05-01T10:00:00Z';
    const call = { at: t, project: 'acme', agent: 'coder' };
    expect(e.check(ctx(call)).action).toBe('allow');
    e.record(ctx(call), 1.5 * USD);
    expect(e.check(ctx(call))).toMatchObject({ action: 'alert', id: 'watch' });
    e.record(ctx(call), 1 * USD);
    expect(e.check(ctx(call))).toMatchObject({
      action: 'downgrade',
      id: 'cheaper',
      downgradeTo: 'gpt-4o-mini',
    });
    e.record(ctx(call), 1 * USD);
    expect(e.check(ctx(call))).toMatchObject({ action: 'block', id: 'hard' });
    // Another project and agent: only the global alert applies.
    expect(e.check(ctx({ at: t, project: 'other', agent: 'x' }))).toMatchObject({
      action: 'alert',
    });
  });

  it('lets the downgrade model itself through an exceeded downgrade budget (flagged as an alert)', () => {
    const e = engine([
      {
        id: 'gpt4',
        scope: 'model',
        match: 'gpt-4*',
        period: 'weekly',
        limit_usd: 5,
        action: 'downgrade',
        downgrade_to: 'gpt-4o-mini',
      },
    ]);
    const t = '2024-05-01T10:00:00Z';
    e.record(ctx({ at: t, model: 'gpt-4.1' }), 5 * USD);
    expect(e.check(ctx({ at: t, model: 'gpt-4o' })).action).toBe('downgrade');
    const cheap = e.check(ctx({ at: t, model: 'gpt-4o-mini' }));
    expect(cheap.action).toBe('alert');
    expect(cheap.reason).toContain('already on its downgrade model gpt-4o-mini');
    expect(e.check(ctx({ at: t, model: 'claude-sonnet-4-5' })).action).toBe('allow');
  });

  it('model match: exact names and prefixes pool their spend; other models are not counted', () => {
    const e = engine([
      {
        id: 'frontier',
        scope: 'model',
        match: ['o3', 'claude-opus*'],
        period: 'daily',
        limit_usd: 3,
        action: 'block',
      },
    ]);
    const t = '2024-05-01T10:00:00Z';
    e.record(ctx({ at: t, model: 'o3' }), 1 * USD);
    e.record(ctx({ at: t, model: 'claude-opus-4-1' }), 1 * USD);
    e.record(ctx({ at: t, model: 'o3-mini' }), 50 * USD); // neither 'o3' nor a claude-opus model
    e.record(ctx({ at: t, model: 'claude-opus-4-5' }), 1 * USD);
    expect(e.check(ctx({ at: t, model: 'o3' })).action).toBe('block');
    expect(e.check(ctx({ at: t, model: 'o3-mini' })).action).toBe('allow');
  });

  it('without match, each user has a budget of their own; calls without a user are not counted', () => {
    const e = engine([
      { id: 'per-user', scope: 'user', period: 'daily', limit_usd: 10, action: 'block' },
    ]);
    const t = '2024-05-01T10:00:00Z';
    e.record(ctx({ at: t, user: 'ann' }), 10 * USD);
    e.record(ctx({ at: t }), 100 * USD);
    expect(e.check(ctx({ at: t, user: 'ann' }))).toMatchObject({
      action: 'block',
      status: { scope: 'user', scopeValue: 'ann', spentNanos: 10 * USD },
    });
    expect(e.check(ctx({ at: t, user: 'bob' })).action).toBe('allow');
    expect(e.check(ctx({ at: t })).action).toBe('allow');
  });

  it('resets at the period boundary of the budget time zone, not at UTC midnight', () => {
    const e = engine([
      {
        id: 'la',
        scope: 'global',
        period: 'daily',
        limit_usd: 1,
        action: 'block',
        time_zone: 'America/Los_Angeles',
      },
    ]);
    e.record(ctx({ at: '2024-05-01T20:00:00Z' }), 1 * USD); // 13:00 PDT, May 1
    expect(e.check(ctx({ at: '2024-05-02T01:00:00Z' })).action).toBe('block'); // 18:00 PDT, still May 1
    expect(e.check(ctx({ at: '2024-05-02T06:59:59.999Z' })).action).toBe('block');
    expect(e.check(ctx({ at: '2024-05-02T07:00:00Z' })).action).toBe('allow'); // midnight PDT
  });

  it('counts a call in the period it started: a call checked before the reset and recorded after it', () => {
    const e = engine([
      { id: 'd', scope: 'global', period: 'daily', limit_usd: 1, action: 'block' },
    ]);
    const started = ctx({ at: '2024-05-01T23:59:59Z' });
    e.check(ctx({ at: '2024-05-02T00:00:01Z' })); // the engine has moved on to May 2
    e.record(started, 1 * USD);
    expect(e.check(ctx({ at: '2024-05-01T23:59:59.500Z' })).action).toBe('block');
    expect(e.check(ctx({ at: '2024-05-02T00:00:02Z' })).action).toBe('allow');
  });
});

describe('threshold events', () => {
  const budget: BudgetConfigInput = {
    id: 'team',
    scope: 'project',
    match: 'acme',
    period: 'daily',
    limit_usd: 100,
    action: 'alert_only',
  };
  const call = (at: string) => ctx({ at, project: 'acme' });

  it('fire once per threshold and period, with severity, and are re-armed by the reset', () => {
    const events: ThresholdEvent[] = [];
    const e = engine([budget], events);
    e.record(call('2024-05-01T01:00:00Z'), 49 * USD);
    expect(events).toEqual([]);
    e.record(call('2024-05-01T02:00:00Z'), 1 * USD);
    expect(events.map((x) => x.threshold)).toEqual([0.5]);
    e.record(call('2024-05-01T03:00:00Z'), 1 * USD);
    e.check(call('2024-05-01T03:00:01Z'));
    expect(events).toHaveLength(1);
    // One call across two thresholds fires both, in order.
    e.record(call('2024-05-01T04:00:00Z'), 40 * USD);
    expect(events.map((x) => [x.threshold, x.severity])).toEqual([
      [0.5, 'info'],
      [0.75, 'info'],
      [0.9, 'warning'],
    ]);
    e.record(call('2024-05-01T05:00:00Z'), 9 * USD);
    expect(events.at(-1)).toMatchObject({
      budgetId: 'team',
      scope: 'project',
      scopeValue: 'acme',
      threshold: 1,
      severity: 'critical',
      spentNanos: 100 * USD,
      limitNanos: 100 * USD,
      periodLabel: '2024-05-01',
    });
    expect(events.at(-1)!.periodStart.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(events.at(-1)!.resetsAt.toISOString()).toBe('2024-05-02T00:00:00.000Z');
    e.record(call('2024-05-01T06:00:00Z'), 50 * USD);
    expect(events).toHaveLength(4);
    e.record(call('2024-05-02T00:00:00Z'), 60 * USD);
    expect(events.slice(4).map((x) => [x.threshold, x.periodLabel])).toEqual([[0.5, '2024-05-02']]);
  });

  it('warning and critical classify thresholds; a failing callback does not fail the call', () => {
    const errors: unknown[] = [];
    const e = new BudgetEngine({
      budgets: [{ ...budget, thresholds: [0.8, 0.95, 1], warning: 0.9, critical: 0.95 }],
      onThreshold: () => {
        throw new Error('webhook down');
      },
      onError: (err) => errors.push(err),
    });
    expect(() => e.record(call('2024-05-01T01:00:00Z'), 96 * USD)).not.toThrow();
    expect(errors).toHaveLength(2);
    const events: ThresholdEvent[] = [];
    const e2 = engine(
      [{ ...budget, thresholds: [0.8, 0.95, 1], warning: 0.9, critical: 0.95 }],
      events,
    );
    e2.record(call('2024-05-01T01:00:00Z'), 100 * USD);
    expect(events.map((x) => x.severity)).toEqual(['info', 'critical', 'critical']);
  });

  it('name a pooled budget by its patterns, so that every instance reports the same crossing', () => {
    const events: ThresholdEvent[] = [];
    const e = engine([{ ...budget, match: ['acme', 'globex*'] }], events);
    e.record(ctx({ at: '2024-05-01T01:00:00Z', project: 'acme' }), 30 * USD);
    e.record(ctx({ at: '2024-05-01T02:00:00Z', project: 'globex-eu' }), 30 * USD);
    expect(events.map((x) => [x.threshold, x.scopeValue, x.spentNanos / USD])).toEqual([
      [0.5, 'acme,globex*', 60],
    ]);
  });

  it('notice spend that arrives through the ledger (another instance) at the next check', () => {
    const events: ThresholdEvent[] = [];
    const ledger = new InMemoryLedger();
    const e = new BudgetEngine({ budgets: [budget], ledger, onThreshold: (x) => events.push(x) });
    ledger.record({
      at: Date.parse('2024-05-01T01:00:00Z'),
      model: 'm',
      project: 'acme',
      costNanos: 80 * USD,
    });
    e.check(call('2024-05-01T02:00:00Z'));
    expect(events.map((x) => x.threshold)).toEqual([0.5, 0.75]);
  });
});

describe('a budget changed mid-period keeps its spend (LiteLLM #5651, #7129, #20532, #31292)', () => {
  const base: BudgetConfigInput = {
    id: 'b',
    scope: 'global',
    period: 'monthly',
    limit_usd: 100,
    action: 'block',
  };

  it('a raised limit keeps the spend and re-arms the thresholds no longer crossed', () => {
    const events: ThresholdEvent[] = [];
    const e = engine([base], events);
    e.record(ctx({ at: '2024-05-03T00:00:00Z' }), 80 * USD);
    expect(events.map((x) => x.threshold)).toEqual([0.5, 0.75]);
    e.update([{ ...base, limit_usd: 200 }]);
    expect(e.statuses({ model: 'x' }, new Date('2024-05-03T01:00:00Z'))[0]).toMatchObject({
      spentNanos: 80 * USD,
      limitNanos: 200 * USD,
    });
    e.record(ctx({ at: '2024-05-04T00:00:00Z' }), 20 * USD); // 100 of 200: 0.5 is crossed again
    expect(events.map((x) => [x.threshold, x.limitNanos / USD])).toEqual([
      [0.5, 100],
      [0.75, 100],
      [0.5, 200],
    ]);
    expect(e.check(ctx({ at: '2024-05-04T00:00:00Z', estimatedCostNanos: 100 * USD })).action).toBe(
      'allow',
    );
  });

  it('a lowered limit fires the thresholds it now crosses, once, and blocks', () => {
    const events: ThresholdEvent[] = [];
    const e = engine([base], events);
    e.record(ctx({ at: '2024-05-03T00:00:00Z' }), 60 * USD);
    e.update([{ ...base, limit_usd: 60 }]);
    expect(e.check(ctx({ at: '2024-05-03T01:00:00Z' })).action).toBe('block');
    e.check(ctx({ at: '2024-05-03T02:00:00Z' }));
    expect(events.map((x) => [x.threshold, x.limitNanos / USD])).toEqual([
      [0.5, 100],
      [0.75, 60],
      [0.9, 60],
      [1, 60],
    ]);
  });

  it('monthly → weekly counts the spend of the current week: neither zero nor the whole month', () => {
    const e = engine([base]);
    e.record(ctx({ at: '2024-05-01T12:00:00Z' }), 70 * USD); // Wednesday of the previous ISO week
    e.record(ctx({ at: '2024-05-07T12:00:00Z' }), 20 * USD); // Tuesday, week from Mon May 6
    e.check(ctx({ at: '2024-05-08T00:00:00Z' }));
    e.update([{ ...base, period: 'weekly', limit_usd: 50 }]);
    const [status] = e.statuses({ model: 'x' }, new Date('2024-05-08T12:00:00Z'));
    expect(status).toMatchObject({ spentNanos: 20 * USD, period: 'weekly' });
    expect(status!.periodStart.toISOString()).toBe('2024-05-06T00:00:00.000Z');
    // And back to monthly: the month's total again.
    e.update([base]);
    expect(e.statuses({ model: 'x' }, new Date('2024-05-08T12:00:00Z'))[0]!.spentNanos).toBe(
      90 * USD,
    );
  });

  it('a changed time zone counts the spend of the new local day', () => {
    const e = engine([{ ...base, period: 'daily' }]);
    e.record(ctx({ at: '2024-05-01T10:00:00Z' }), 5 * USD); // May 1 in UTC, May 1 15:30 in Kolkata
    e.record(ctx({ at: '2024-05-01T20:00:00Z' }), 7 * USD); // May 2 01:30 in Kolkata
    const now = new Date('2024-05-01T21:00:00Z');
    expect(e.statuses({ model: 'x' }, now)[0]!.spentNanos).toBe(12 * USD);
    e.update([{ ...base, period: 'daily', time_zone: 'Asia/Kolkata' }]);
    expect(e.statuses({ model: 'x' }, now)[0]!.spentNanos).toBe(7 * USD);
  });

  it('a disabled budget no longer decides; enabled again, its spend is still there', () => {
    const e = engine([{ ...base, limit_usd: 1 }]);
    e.record(ctx({ at: '2024-05-03T00:00:00Z' }), 1 * USD);
    e.update([{ ...base, limit_usd: 1, enabled: false }]);
    expect(e.check(ctx({ at: '2024-05-03T01:00:00Z' })).action).toBe('allow');
    e.update([{ ...base, limit_usd: 1 }]);
    expect(e.check(ctx({ at: '2024-05-03T01:00:00Z' })).action).toBe('block');
  });
});

describe('budget configuration', () => {
  it('lists every problem of an invalid budget list', () => {
    const result = BudgetsConfigSchema.safeParse([
      { id: 'a', scope: 'model', period: 'daily', limit_usd: 1, action: 'downgrade' },
      { id: 'a', scope: 'global', match: 'x', period: 'fortnightly', limit_usd: -1 },
      { id: 'c', scope: 'user', period: 'daily', limit_usd: 1, time_zone: 'Mars/Olympus' },
    ]);
    expect(result.success).toBe(false);
    const problems = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^0\.downgrade_to: .*needs downgrade_to/),
        expect.stringMatching(/^1\.period: /),
        expect.stringMatching(/^1\.limit_usd: /),
        expect.stringMatching(/^2\.time_zone: .*IANA/),
      ]),
    );
  });

  it('fills the defaults of seed 003: thresholds 50/75/90/100 %, warning 80 %, critical 100 %, UTC', () => {
    const [b] = BudgetsConfigSchema.parse([
      { id: 'x', scope: 'global', period: 'monthly', limit_usd: 500 },
    ]);
    expect(b).toMatchObject({
      thresholds: [0.5, 0.75, 0.9, 1],
      warning: 0.8,
      critical: 1,
      action: 'alert_only',
      time_zone: 'UTC',
    });
  });

  it("accepts the README example, whose first budget is seed 001's default", () => {
    const readme = readFileSync(
      new URL('../../instrumentation/README.md', import.meta.url),
      'utf8',
    );
    const section = readme.slice(readme.indexOf('## Budgets and quotas'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const doc = parseYaml(yaml) as Record<string, unknown>;
    const budgets = BudgetsConfigSchema.parse(doc.budgets);
    QuotasConfigSchema.parse(doc.quotas);
    QuotaEnforcementConfigSchema.parse(doc.quota_enforcement);
    expect(budgets[0]).toEqual(BudgetsConfigSchema.parse([DEFAULT_BUDGET])[0]);
  });
});
