/**
 * Seed 004's daily summary on the real engine: a bad day (errors, a rate-limited provider, a
 * cost spike) and a quiet one, each against the day before. Expected values are hand-computed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Panels, dailyMarkdown, dailySummary, type DailySummary } from '../src/reports/index.js';
import { openEngine, span, type Engine } from './reports-fixture.js';

const day = (iso: string) => ({ from: Date.parse(iso), to: Date.parse(iso) + 86_400_000 });
const GENERATED = Date.parse('2026-12-02T06:00:00Z');

/** `count` calls of `provider` on `date`, one a minute from 08:00, the first `errors` failed. */
function calls(
  date: string,
  provider: string,
  count: number,
  errors = 0,
  errorCategory = 'server',
) {
  return Array.from({ length: count }, (_, i) =>
    span(new Date(Date.parse(`${date}T08:00:00Z`) + i * 60_000).toISOString(), {
      provider,
      request_model: 'm',
      cost_usd: '0.1',
      ...(i < errors ? { status: 'error' as const, error_category: errorCategory } : {}),
    }),
  );
}

let engine: Engine;
let bad: DailySummary;
let quiet: DailySummary;

beforeAll(async () => {
  engine = await openEngine();
  await engine.insertSpans([
    // 2026-12-01: 65 calls, 5 errors, 5 response-cache hits saving $0.20 each.
    ...calls('2026-12-01', 'openai', 40, 1),
    ...calls('2026-12-01', 'anthropic', 20, 4, 'rate_limit'),
    ...calls('2026-12-01', 'mistral', 5).map((s) => ({
      ...s,
      response_cache_hit: true,
      cache_saved_usd: '0.2',
    })),
    // 2026-11-30, the day before: 30 calls, 1 error, $3.
    ...calls('2026-11-30', 'openai', 30, 1),
    // 2026-11-28 and the day before: 20 clean calls each.
    ...calls('2026-11-28', 'openai', 20),
    ...calls('2026-11-27', 'openai', 20),
  ]);
  const summary = (iso: string, label: string) =>
    dailySummary(new Panels(engine.run, day(iso)), { label, generatedAt: GENERATED });
  [bad, quiet] = await Promise.all([
    summary('2026-12-01T00:00:00Z', '2026-12-01'),
    summary('2026-11-28T00:00:00Z', '2026-11-28'),
  ]);
});
afterAll(() => engine?.close());

describe('a bad day', () => {
  it('counts calls, success and error rates, cost and savings against the day before', () => {
    expect(bad.calls).toBe(65);
    expect(bad.errorRate).toBeCloseTo(5 / 65, 12);
    expect(bad.successRate).toBeCloseTo(60 / 65, 12);
    expect(bad.cost.current).toBeCloseTo(6.5, 9);
    expect(bad.cost.previous).toBeCloseTo(3, 9);
    expect(bad.cost.change).toBeCloseTo(6.5 / 3 - 1, 9);
    expect(bad.errorTrend.previous).toBeCloseTo(1 / 30, 12);
    expect(bad.errorTrend.direction).toBe('up');
    expect(bad.cacheSavedUsd).toBeCloseTo(1, 9);
    expect(bad.cacheHitRate).toBeCloseTo(5 / 65, 12);
  });

  it('scores each provider with the health formula, none below the minimum volume', () => {
    // openai: 100 − 60 × (2.5 % / 10 %) = 85; anthropic: 100 − 60 × 1 − 10 × 1 (20 % rate-limited) = 30.
    expect(bad.providers.map((p) => [p.provider, p.calls, p.healthScore])).toEqual([
      ['anthropic', 20, 30],
      ['openai', 40, 85],
      ['mistral', 5, undefined],
    ]);
    expect(bad.providers[0]!.rateLimited).toBe(4);
    expect(bad.providers[1]!.share).toBeCloseTo(40 / 65, 12);
    expect(bad.healthScore).toBe(30);
  });

  it('recommends at the seed severities', () => {
    expect(bad.recommendations.map((r) => [r.severity, r.text.split(':')[0]])).toEqual([
      ['critical', 'Error rate 7.7 % is above 5 %'],
      ['critical', 'anthropic health score 30 is below 50'],
      ['critical', 'Cost rose 116.7 % on the day before'],
      ['warning', 'Monitor error rate trending'],
      ['info', 'mistral'],
    ]);
    const md = dailyMarkdown(bad);
    expect(md).toContain('- Total calls: 65\n- Success rate: 92.3 %\n');
    expect(md).toContain('- Cost: $6.50 (day before: $3.00, +116.7 %, up)');
    expect(md).toContain('| anthropic | 20 | 30.8 % | 80.0 % | 0 | 4 | 30 |');
  });
});

describe('a quiet day', () => {
  it('says the system performs well and nothing else', () => {
    expect(quiet.calls).toBe(20);
    expect(quiet.errorRate).toBe(0);
    expect(quiet.healthScore).toBe(100);
    expect(quiet.cost.direction).toBe('flat');
    expect(quiet.recommendations).toEqual([{ severity: 'info', text: 'System performing well' }]);
  });
});
