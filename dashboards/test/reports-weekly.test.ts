/**
 * Seed 000's weekly report on the real engine: two fixed weeks of hand-made spans, access
 * events and notification attempts. In week 48 every trigger fires; in week 46 none does. The
 * expected numbers are computed by hand from the data below, not read back from the engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tables } from '@agentmeter/schema';
import { Panels, weeklyMarkdown, weeklyReport, type WeeklyReport } from '../src/reports/index.js';
import { openEngine, span, type Engine } from './reports-fixture.js';

const W48 = { from: Date.parse('2026-11-23T00:00:00Z'), to: Date.parse('2026-11-30T00:00:00Z') };
const W46 = { from: Date.parse('2026-11-09T00:00:00Z'), to: Date.parse('2026-11-16T00:00:00Z') };
const GENERATED = Date.parse('2026-12-02T09:00:00Z');
/** Seed 000's never_fallback_categories. */
const HIGH_RISK = [
  'security_auth_change',
  'external_feature_reuse_remote',
  'schema_contract_change_destructive',
];

/** `count` spans of one category spread over the week starting `monday` (YYYY-MM-DD). */
function calls(
  monday: string,
  count: number,
  o: { category: string; strategy: string; usd: string; provider?: string; escalated?: number },
  each: (i: number) => Record<string, unknown> = () => ({}),
) {
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(Date.parse(`${monday}T00:00:00Z`) + (i % 7) * 86_400_000 + i * 60_000);
    return span(at.toISOString(), {
      category: o.category,
      category_source: 'detected',
      strategy: o.strategy,
      provider: o.provider ?? 'openai',
      request_model: 'gpt-4o',
      cost_usd: o.usd,
      escalated: i < (o.escalated ?? 0),
      ...each(i),
    });
  });
}

const access = (at: string, address: string, event: string) => ({
  at,
  listener: 'otlp',
  event,
  remote_address: address,
  user: 'bot',
  method: 'POST',
  path: '/v1/traces',
});

const delivery = (at: string, receiver: string, status: string) => ({
  at,
  delivery_id: `${receiver}-${at}`,
  receiver,
  integration: 'webhook',
  status,
  attempt: 1,
  error: status === 'sent' ? '' : 'connect ECONNREFUSED',
});

let engine: Engine;
let fired: WeeklyReport;
let quiet: WeeklyReport;

beforeAll(async () => {
  engine = await openEngine();
  await engine.insertSpans([
    // Week 48: 100 calls.
    ...calls(
      '2026-11-23',
      40,
      { category: 'core_backend_high', strategy: 'progressive', usd: '0.1', escalated: 8 },
      (i) =>
        i >= 38 ? { cost_usd: '0', cost_source: 'unpriced', request_model: 'mystery-model' } : {},
    ),
    ...calls(
      '2026-11-23',
      20,
      { category: 'docs', strategy: 'cheap_first', usd: '0.01', escalated: 18 },
      (i) => (i < 3 ? { quota_decision: 'blocked' } : {}),
    ),
    ...calls('2026-11-23', 25, {
      category: 'tests',
      strategy: 'cheap_first',
      usd: '0.02',
      escalated: 15,
    }),
    ...calls(
      '2026-11-23',
      15,
      {
        category: 'security_auth_change',
        strategy: 'best_first',
        usd: '0.5',
        provider: 'anthropic',
        escalated: 12,
      },
      (i) => (i < 2 ? { quota_decision: 'blocked' } : {}),
    ),
    // The first instant of week 49 belongs to week 49.
    span('2026-11-30T00:00:00Z', { category: 'docs', strategy: 'cheap_first', cost_usd: '100' }),
    // Week 47, the week before: $9.
    ...calls('2026-11-16', 9, { category: 'docs', strategy: 'cheap_first', usd: '1' }),
    // Week 46: 94 calls, every figure in its expected range; week 45 has nothing.
    ...calls('2026-11-09', 30, {
      category: 'core_backend_high',
      strategy: 'progressive',
      usd: '0.1',
      escalated: 6,
    }),
    ...calls('2026-11-09', 20, {
      category: 'docs',
      strategy: 'cheap_first',
      usd: '0.01',
      escalated: 3,
    }),
    ...calls('2026-11-09', 25, {
      category: 'tests',
      strategy: 'cheap_first',
      usd: '0.02',
      escalated: 4,
    }),
    ...calls('2026-11-09', 4, {
      category: 'security_auth_change',
      strategy: 'best_first',
      usd: '0.5',
    }),
    ...calls('2026-11-09', 10, {
      category: 'schema_contract_change_additive',
      strategy: 'progressive',
      usd: '0.05',
      escalated: 2,
    }),
    // Too few calls for a verdict on its 0 % escalation.
    ...calls('2026-11-09', 5, {
      category: 'external_feature_reuse_internal',
      strategy: 'progressive',
      usd: '0.05',
    }),
  ]);
  await engine.insert(Tables.ACCESS_EVENTS, [
    // 11 refused credentials from one address within an hour; 3 from another, hours apart.
    ...Array.from({ length: 11 }, (_, i) =>
      access(`2026-11-24 10:0${i % 10}:0${i % 7}.000`, '10.0.0.1', 'auth_failed'),
    ),
    ...[9, 12, 15].map((h) => access(`2026-11-25 ${h}:00:00.000`, '10.0.0.2', 'auth_failed')),
    ...Array.from({ length: 12 }, (_, i) =>
      access(`2026-11-26 0${i % 10}:30:00.000`, '10.0.0.3', 'rate_limited'),
    ),
    access('2026-11-30 00:00:01.000', '10.0.0.1', 'auth_failed'),
    // Week 46: a little of each, under every trigger.
    access('2026-11-10 08:00:00.000', '10.0.0.9', 'auth_failed'),
    access('2026-11-11 08:00:00.000', '10.0.0.9', 'auth_failed'),
    ...[1, 2, 3].map((h) => access(`2026-11-12 0${h}:00:00.000`, '10.0.0.8', 'rate_limited')),
  ]);
  await engine.insert(Tables.ALERT_DELIVERIES, [
    delivery('2026-11-24 10:00:00.000', 'oncall', 'failed'),
    delivery('2026-11-24 10:05:00.000', 'oncall', 'gave_up'),
    ...[4, 5, 6].map((d) => delivery(`2026-11-2${d} 12:00:00.000`, 'team', 'sent')),
    delivery('2026-11-25 12:00:00.000', 'team', 'failed'),
    delivery('2026-11-10 12:00:00.000', 'team', 'sent'),
    delivery('2026-11-11 12:00:00.000', 'team', 'sent'),
  ]);
  const week = (period: typeof W48, label: string) =>
    weeklyReport(new Panels(engine.run, period), {
      label,
      generatedAt: GENERATED,
      highRisk: HIGH_RISK,
    });
  [fired, quiet] = await Promise.all([week(W48, '2026-W48'), week(W46, '2026-W46')]);
});
afterAll(() => engine?.close());

const levels = (
  r: WeeklyReport,
  key: 'categories' | 'escalation' | 'cost' | 'quota' | 'auth' | 'rateLimits' | 'checks',
) => r[key].findings.map((f) => [f.level, f.trigger]);

describe('a week where every trigger fires (2026-W48)', () => {
  it('counts the category distribution against the expected shares', () => {
    expect(fired.categories.calls).toBe(100);
    expect(fired.categories.rows).toEqual([
      { category: 'core_backend_high', calls: 40, share: 0.4, expected: 0.3, matches: true },
      { category: 'tests', calls: 25, share: 0.25, expected: 0.25, matches: true },
      { category: 'docs', calls: 20, share: 0.2, expected: 0.2, matches: true },
      { category: 'security_auth_change', calls: 15, share: 0.15, expected: 0.05, matches: false },
    ]);
    expect(levels(fired, 'categories')).toEqual([
      ['this_week', 'High-risk category >10% of total phases'],
    ]);
  });

  it('rates escalation per category in the seed bands, best_first on its own', () => {
    expect(fired.escalation.rows).toEqual([
      {
        category: 'docs',
        calls: 20,
        escalations: 18,
        rate: 0.9,
        band: 'switch to best_first (> 80 %)',
      },
      {
        category: 'tests',
        calls: 25,
        escalations: 15,
        rate: 0.6,
        band: 'upgrade primary model (> 50 %)',
      },
      {
        category: 'core_backend_high',
        calls: 40,
        escalations: 8,
        rate: 0.2,
        band: 'well tuned (10–30 %)',
      },
    ]);
    expect(fired.escalation.bestFirst).toEqual([
      {
        category: 'security_auth_change',
        calls: 15,
        escalations: 12,
        rate: 0.8,
        band: 'upgrade primary model (> 50 %)',
      },
    ]);
    expect(levels(fired, 'escalation')).toEqual([
      ['immediate', '>50% escalation rate for best_first category'],
      ['this_week', 'Escalation rate >80% for any progressive category'],
      ['next_deep_dive', 'Escalation rate 50-80% for progressive category'],
    ]);
  });

  it('breaks the cost down by category, against the week before, with the best_first share', () => {
    expect(fired.cost.usd).toBeCloseTo(12, 9);
    expect(fired.cost.previousUsd).toBeCloseTo(9, 9);
    expect(fired.cost.change).toBeCloseTo(1 / 3, 9);
    expect(fired.cost.bestFirstShare).toBeCloseTo(7.5 / 12, 9);
    expect(fired.cost.rows.map((r) => [r.category, r.usd, r.calls])).toEqual([
      ['security_auth_change', 7.5, 15],
      ['core_backend_high', 3.8, 40],
      ['tests', 0.5, 25],
      ['docs', 0.2, 20],
    ]);
    expect(levels(fired, 'cost')).toEqual([
      ['this_week', 'Best_first categories >40% of total cost'],
      ['next_deep_dive', 'Cost trend increasing >20% week-over-week'],
      ['next_deep_dive', 'A single category >50% of spend'],
    ]);
  });

  it('lists quota incidents, critical for a never-fallback category', () => {
    expect(fired.quota.rows).toEqual([
      {
        category: 'docs',
        provider: 'openai',
        severity: 'WARNING',
        quotaBlocks: 3,
        budgetBlocks: 0,
        downgrades: 0,
      },
      {
        category: 'security_auth_change',
        provider: 'anthropic',
        severity: 'CRITICAL',
        quotaBlocks: 2,
        budgetBlocks: 0,
        downgrades: 0,
      },
    ]);
    expect(levels(fired, 'quota').sort()).toEqual([
      ['immediate', 'Critical quota incident (never_fallback category blocked)'],
      ['next_deep_dive', 'Quota incidents: acceptable at 1-2 a month, monitor the trend'],
    ]);
  });

  it('counts refused credentials and rate limits, and the address above 10 an hour', () => {
    expect(fired.auth.failures).toBe(14);
    expect(fired.auth.sources.map((s) => [s.address, s.events, s.maxPerHour])).toEqual([
      ['10.0.0.1', 11, 11],
      ['10.0.0.2', 3, 1],
    ]);
    expect(levels(fired, 'auth')).toEqual([
      ['immediate', '>10 auth failures from single IP in 1 hour'],
    ]);
    expect(fired.rateLimits.hits).toBe(12);
    expect(levels(fired, 'rateLimits')).toEqual([
      ['next_deep_dive', '>10 rate limit hits from legitimate users'],
    ]);
  });

  it('checks unpriced calls and failing notifications', () => {
    expect(fired.checks.unpriced).toEqual([
      { provider: 'openai', model: 'mystery-model', calls: 2, share: 1 },
    ]);
    expect(fired.checks.deliveries.map((d) => [d.receiver, d.sent, d.failed])).toEqual([
      ['oncall', 0, 2],
      ['team', 3, 1],
    ]);
    expect(levels(fired, 'checks')).toEqual([
      ['immediate', 'Alert notifications reach nobody'],
      ['this_week', 'Alert notifications failing'],
      ['this_week', 'Unpriced calls: their cost is missing from every total'],
    ]);
  });

  it('renders the verdict and every fired trigger at the top, then the seven sections', () => {
    const md = weeklyMarkdown(fired);
    expect(md).toContain(
      '**Period**: 2026-W48 (2026-11-23T00:00:00Z to 2026-11-30T00:00:00Z, end excluded)',
    );
    expect(md).toContain('**Verdict**: 🚨 Immediate action');
    const top = md.slice(0, md.indexOf('---'));
    expect(top.match(/^- /gm)).toHaveLength(14);
    expect(top).toContain(
      '- 5. Authentication Metrics: >10 auth failures from single IP in 1 hour — 10.0.0.1 (otlp): 11 in one hour, 11 this week',
    );
    expect(md.match(/^## /gm)).toHaveLength(7);
    expect(md).toContain('| security_auth_change | 15 | 15.0 % | 5.0 % | no |');
    expect(md).toContain('- Total: $12.00 (week before: $9.00, change: +33.3 %)');
    expect(md).toContain('| docs | 20 | 18 | 90.0 % | switch to best_first (> 80 %) |');
  });
});

describe('a week within every expected range (2026-W46)', () => {
  it('fires no trigger and says so in each section', () => {
    for (const key of [
      'categories',
      'escalation',
      'cost',
      'quota',
      'auth',
      'rateLimits',
      'checks',
    ] as const)
      expect(
        quiet[key].findings.map((f) => f.level),
        key,
      ).toEqual(['no_action']);
    expect(quiet.categories.rows.every((r) => r.matches)).toBe(true);
    expect(quiet.cost.usd).toBeCloseTo(6.45, 9);
    expect(quiet.cost.change).toBeUndefined();
    expect(quiet.cost.bestFirstShare).toBeCloseTo(2 / 6.45, 9);
    expect(quiet.auth.failures).toBe(2);
    expect(quiet.rateLimits.hits).toBe(3);
    const md = weeklyMarkdown(quiet);
    expect(md).toContain('**Verdict**: ✅ No action');
    expect(md).toContain('All metrics within expected ranges.');
  });
});
