import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleEvaluator } from '../src/rules/evaluate.js';
import type { Sample } from '../src/model.js';
import {
  DAY,
  HOUR,
  MINUTE,
  insertSpans,
  openEngine,
  repeat,
  type Engine,
  type SpanSpec,
} from './rules/engine.js';
import { rule } from './rules/rule.js';
import { byLabel, samplesOf } from './rules/samples.js';

let engine: Engine;
let evaluator: RuleEvaluator;
const D0 = Math.floor(Date.now() / DAY) * DAY;
// Yesterday 12:30:30 UTC; each describe block uses its own providers.
const NOW = D0 - DAY + 12 * HOUR + 30 * MINUTE + 30_000;

beforeAll(async () => {
  engine = await openEngine();
  evaluator = new RuleEvaluator({ client: engine.client });
});
afterAll(async () => {
  await engine.close();
});

/** `usd` one-dollar calls of `provider`, `ago` before NOW. */
const dollars = (provider: string, usd: number, ago: number): SpanSpec[] =>
  repeat(usd, { at: NOW - ago, provider, cost_usd: '1' });

const byProvider = (found: readonly Sample[]) => byLabel(found, 'provider');

describe('against the same window last week', () => {
  const WEEK = 7 * DAY;
  const half = 30 * MINUTE;

  beforeAll(async () => {
    await insertSpans(engine, [
      ...dollars('w-crit', 10, WEEK + half),
      ...dollars('w-crit', 16, half), // +60 %
      ...dollars('w-warn', 10, WEEK + half),
      ...dollars('w-warn', 13, half), // +30 %
      ...dollars('w-flat', 100, WEEK + half),
      ...dollars('w-flat', 104, half), // +4 %
      ...dollars('w-drift', 100, WEEK + half),
      ...dollars('w-drift', 106, half), // +6 %: up, but under the warning band
      ...dollars('w-down', 10, WEEK + half),
      ...dollars('w-down', 4, half), // −60 %
      ...dollars('w-gone', 10, WEEK + half), // nothing this week: −100 %
      ...dollars('w-new', 10, half), // nothing last week: no baseline
    ]);
  });

  const anomaly = (extra: Record<string, unknown> = {}) =>
    rule({
      kind: 'anomaly',
      metric: 'cost_usd',
      window: '1h',
      baseline: 'same_window_last_week',
      where: { provider: ['w-crit', 'w-warn', 'w-flat', 'w-drift', 'w-down', 'w-gone', 'w-new'] },
      group_by: ['provider'],
      ...extra,
    });

  it('fires on the relative change at ±25 % warning and ±50 % critical, with the trend', async () => {
    const before = engine.queries.length;
    const found = byProvider(samplesOf(await evaluator.evaluate(anomaly(), NOW)));
    expect(engine.queries.length - before).toBe(1);
    const summary = Object.fromEntries(
      Object.entries(found).map(([p, s]) => [
        p,
        [s.breached, s.labels.trend, s.value, s.values?.change_percent],
      ]),
    );
    expect(summary).toEqual({
      'w-crit': ['critical', 'up', 16, 60],
      'w-warn': ['warning', 'up', 13, 30],
      'w-flat': [undefined, 'flat', 104, 4],
      'w-drift': [undefined, 'up', 106, 6],
      'w-down': ['critical', 'down', 4, -60],
      'w-gone': ['critical', 'down', 0, -100],
      'w-new': [undefined, 'up', 10, undefined],
    });
    expect(found['w-crit']!.values).toEqual({
      baseline: 10,
      change_percent: 60,
      requests: 16,
      baseline_requests: 10,
    });
    // A sum absent last week was 0 then: a change from 0 has no size, so no verdict.
    expect(found['w-new']!.values).toEqual({ baseline: 0, requests: 10, baseline_requests: 0 });
  });

  it('fires one way only with direction up or down, at the bands given', async () => {
    const verdicts = async (extra: Record<string, unknown>) =>
      Object.fromEntries(
        samplesOf(await evaluator.evaluate(anomaly(extra), NOW)).map((s) => [
          s.labels.provider,
          s.breached,
        ]),
      );
    expect(await verdicts({ direction: 'up' })).toMatchObject({
      'w-crit': 'critical',
      'w-warn': 'warning',
      'w-down': undefined,
      'w-gone': undefined,
    });
    expect(
      await verdicts({ direction: 'down', change_percent: { info: 5, warning: 50, critical: 90 } }),
    ).toMatchObject({
      'w-crit': undefined,
      'w-down': 'warning',
      'w-gone': 'critical',
      'w-flat': undefined,
    });
  });

  it('gives no verdict when either window has fewer calls than min_requests', async () => {
    const found = byProvider(
      samplesOf(await evaluator.evaluate(anomaly({ min_requests: 12 }), NOW)),
    );
    // w-crit: 16 now, 10 last week; w-warn: 13 and 10; w-flat: 104 and 100.
    expect(found['w-crit']!.breached).toBeUndefined();
    expect(found['w-warn']!.breached).toBeUndefined();
    expect(found['w-flat']!.labels.trend).toBe('flat');
    const flat = byProvider(
      samplesOf(
        await evaluator.evaluate(
          anomaly({ min_requests: 12, direction: 'up', change_percent: { info: 3 } }),
          NOW,
        ),
      ),
    );
    expect(flat['w-flat']!.breached).toBe('info');
  });
});

describe('against the same window yesterday', () => {
  it('compares with the window one day earlier', async () => {
    await insertSpans(engine, [
      ...dollars('y', 8, DAY + 10 * MINUTE),
      ...dollars('y', 12, 10 * MINUTE),
    ]);
    const found = samplesOf(
      await evaluator.evaluate(
        rule({
          kind: 'anomaly',
          metric: 'requests',
          window: '30m',
          baseline: 'same_window_yesterday',
          where: { provider: 'y' },
        }),
        NOW,
      ),
    );
    expect(found).toEqual([
      {
        labels: { trend: 'up' },
        value: 12,
        breached: 'warning',
        values: { baseline: 8, change_percent: 50, requests: 12, baseline_requests: 8 },
      },
    ]);
  });
});

describe('against a trailing mean', () => {
  it('averages the n windows before this one, an empty one counting 0 for a sum', async () => {
    // Windows of 1h ending at NOW, NOW − 1h, NOW − 2h, NOW − 3h; the one before NOW − 3h is empty.
    await insertSpans(engine, [
      ...dollars('t-sum', 26, 20 * MINUTE),
      ...dollars('t-sum', 30, HOUR + 20 * MINUTE),
      ...dollars('t-sum', 30, 2 * HOUR + 20 * MINUTE),
    ]);
    const before = engine.queries.length;
    const found = samplesOf(
      await evaluator.evaluate(
        rule({
          kind: 'anomaly',
          metric: 'cost_usd',
          window: '1h',
          baseline: 'trailing_mean',
          trailing_windows: 3,
          where: { provider: 't-sum' },
        }),
        NOW,
      ),
    );
    expect(engine.queries.length - before).toBe(1);
    // Baseline (30 + 30 + 0) / 3 = 20; 26 is +30 %.
    expect(found).toEqual([
      {
        labels: { trend: 'up' },
        value: 26,
        breached: 'warning',
        values: { baseline: 20, change_percent: 30, requests: 26, baseline_requests: 20 },
      },
    ]);
  });

  it('leaves a window without calls out of a ratio’s mean', async () => {
    const calls = (ok: number, failed: number, ago: number): SpanSpec[] => [
      ...repeat(ok, { at: NOW - ago, provider: 't-ratio' }),
      ...repeat(failed, {
        at: NOW - ago,
        provider: 't-ratio',
        status: 'error',
        error_category: 'server',
      }),
    ];
    await insertSpans(engine, [
      ...calls(80, 20, 20 * MINUTE), // 20 %
      ...calls(90, 10, 2 * HOUR + 20 * MINUTE), // 10 %; the window before it has no calls
    ]);
    const found = samplesOf(
      await evaluator.evaluate(
        rule({
          kind: 'anomaly',
          metric: 'error_rate',
          window: '1h',
          baseline: 'trailing_mean',
          trailing_windows: 2,
          where: { provider: 't-ratio' },
        }),
        NOW,
      ),
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.values).toMatchObject({ baseline: 0.1, requests: 100, baseline_requests: 50 });
    expect(found[0]!.values!.change_percent).toBeCloseTo(100, 9);
    expect(found[0]!.breached).toBe('critical');
  });
});
