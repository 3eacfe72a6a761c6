import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tables } from '@agentmeter/schema';
import { RuleEvaluator } from '../src/rules/evaluate.js';
import { defaultRules } from '../src/rules/defaults.js';
import type { Sample } from '../src/model.js';
import type { ThresholdRule } from '../src/rules/rule.js';
import {
  DAY,
  HOUR,
  MINUTE,
  insertRollupRows,
  insertSpans,
  openEngine,
  repeat,
  type Engine,
} from './rules/engine.js';
import { rule } from './rules/rule.js';
import { samplesOf } from './rules/samples.js';

let engine: Engine;
let evaluator: RuleEvaluator;
// Today's UTC midnight: each test's data lies on its own day before it (inside every retention).
const D0 = Math.floor(Date.now() / DAY) * DAY;
const AT_1230 = 12 * HOUR + 30 * MINUTE + 30_000;

beforeAll(async () => {
  engine = await openEngine();
  evaluator = new RuleEvaluator({ client: engine.client });
});
afterAll(async () => {
  await engine.close();
});

async function valueOf(body: Record<string, unknown>, now: number): Promise<number> {
  const found = samplesOf(await evaluator.evaluate(rule({ op: '>', threshold: 0, ...body }), now));
  expect(found).toHaveLength(1);
  return found[0]!.value;
}

describe('the metric catalogue on a known data set', () => {
  // 100 calls of one provider in one minute of the 5-minute window ending at NOW.
  const NOW = D0 - DAY + AT_1230;
  const at = NOW - 2 * MINUTE;
  const base = { at, provider: 'catalogue', service_name: 'svc' } as const;

  beforeAll(async () => {
    await insertSpans(engine, [
      // 54 streamed docs calls, best_first.
      ...repeat(54, {
        ...base,
        category: 'docs',
        strategy: 'best_first',
        input_tokens: 1000,
        output_tokens: 100,
        cache_read_tokens: 500,
        cost_usd: '0.01',
        time_to_first_token_ms: 200,
      }),
      // 20 escalated tests calls.
      ...repeat(20, {
        ...base,
        category: 'tests',
        strategy: 'progressive',
        escalated: true,
        input_tokens: 1000,
        output_tokens: 100,
        cost_usd: '0.02',
      }),
      // 10 answered by the response cache.
      ...repeat(10, { ...base, category: 'tests', response_cache_hit: true, cost_usd: '0' }),
      // 10 failures of 5 s: 6 rate limits, 2 quota blocks, 1 budget block, 1 server error.
      ...repeat(6, {
        ...base,
        category: 'docs',
        status: 'error',
        error_category: 'rate_limit',
        duration_ms: 5000,
      }),
      ...repeat(2, {
        ...base,
        category: 'docs',
        status: 'error',
        error_category: 'quota',
        quota_decision: 'blocked',
        duration_ms: 5000,
      }),
      {
        ...base,
        category: 'docs',
        status: 'error',
        error_category: 'budget',
        budget_decision: 'blocked',
        duration_ms: 5000,
      },
      { ...base, category: 'docs', status: 'error', error_category: 'server', duration_ms: 5000 },
      // 6 unpriced, downgraded by a budget.
      ...repeat(6, {
        ...base,
        category: 'docs',
        cost_source: 'unpriced',
        budget_decision: 'downgraded',
        input_tokens: 1000,
        output_tokens: 100,
      }),
    ]);
  });

  const window = { window: '5m', where: { provider: 'catalogue' } };
  // Each value by hand from the spans above (all durations 100 ms unless 5 s).
  const expected: [string, number, Record<string, unknown>?][] = [
    ['requests', 100],
    ['error_rate', 10 / 100],
    ['success_rate', 90 / 100],
    ['latency_avg_ms', (90 * 100 + 10 * 5000) / 100],
    ['latency_p50_ms', 100],
    ['latency_p95_ms', 5000],
    ['latency_p99_ms', 5000],
    ['ttft_p95_ms', 200],
    ['cost_usd', 54 * 0.01 + 20 * 0.02],
    // The window started at 12:26:00 and it is 12:30:30: 4.5 minutes of it have elapsed.
    ['cost_usd_per_hour', (54 * 0.01 + 20 * 0.02) / (4.5 / 60)],
    ['tokens', 80 * 1000 + 80 * 100],
    ['input_tokens', 80 * 1000],
    ['output_tokens', 80 * 100],
    ['cache_hit_rate', 10 / 100],
    ['prompt_cache_hit_rate', (54 * 500) / (80 * 1000)],
    ['rate_limit_denial_rate', 6 / 100],
    ['escalation_rate', 20 / 100],
    ['quota_blocks', 2],
    ['budget_blocks', 1],
    ['downgrades', 6],
    ['unpriced_requests', 6],
    ['category_request_share', 70 / 100, { part: { category: 'docs' } }],
    ['category_cost_share', 0.54 / 0.94, { part: { category: 'docs' } }],
    // 100 − 60 × (10 % / 10 %) − 30 × ((5000 − 2000) / 2000, capped at 1) − 10 × (6 % / 10 %)
    ['provider_health_score', 100 - 60 - 30 - 6],
  ];

  it.each(expected)('%s is the value computed by hand', async (metric, value, extra = {}) => {
    expect(await valueOf({ metric, ...window, ...extra }, NOW)).toBeCloseTo(value, 9);
  });

  it('gives a share its scope from where and its part from part, one series per group', async () => {
    const found = samplesOf(
      await evaluator.evaluate(
        rule({
          metric: 'category_request_share',
          window: '5m',
          where: { provider: 'catalogue', category: ['docs', 'tests'] },
          part: { strategy: 'progressive' },
          group_by: ['category'],
          op: '>',
          threshold: 0,
        }),
        NOW,
      ),
    );
    // Only tests calls ran progressive: 20 of the 100 in scope; docs has none and no series.
    expect(found.map((s) => [s.labels, s.value, s.values])).toEqual([
      [{ category: 'tests' }, 0.2, { requests: 20 }],
    ]);
  });
});

describe('the window and the rollup it reads', () => {
  it('is (now − window, now] in minute buckets: the minute holding now counts, the one before the start does not', async () => {
    const NOW = D0 - 2 * DAY + AT_1230;
    const provider = 'edges';
    await insertSpans(engine, [
      { at: NOW - 4 * MINUTE - 30_001, provider, cost_usd: '1' }, // 12:25:59.999, before the window
      { at: NOW - 4 * MINUTE - 30_000, provider, cost_usd: '2' }, // 12:26:00, its first minute
      { at: NOW - 1, provider, cost_usd: '4' }, // 12:30:29.999, the filling minute
      { at: NOW + 29_999, provider, cost_usd: '8' }, // later in the filling minute: stored early, counted
      { at: NOW + 30_000, provider, cost_usd: '16' }, // the next minute
    ]);
    expect(await valueOf({ metric: 'cost_usd', window: '5m', where: { provider } }, NOW)).toBe(
      2 + 4 + 8,
    );
  });

  it('reads every bucket once across 1d, 1h and 1m, whatever level holds it', async () => {
    const NOW = D0 - 5 * DAY + AT_1230;
    const provider = 'ladder';
    const start = NOW - 4 * DAY; // 12:30:30: the window's first minute is 12:31
    // Powers of two: a wrong total tells which span was lost or counted twice.
    await insertSpans(engine, [
      { at: start - 30_000, provider, cost_usd: '1' }, // 12:30, before the window
      { at: start + 30_000, provider, cost_usd: '2' }, // 12:31, a minute of a partial hour (1m)
      { at: start + 29 * MINUTE + 29_000, provider, cost_usd: '4' }, // 12:59:59 (1m)
      { at: start + 30 * MINUTE, provider, cost_usd: '8' }, // 13:00, an hour of a partial day (1h)
      { at: D0 - 8 * DAY + 5 * HOUR, provider, cost_usd: '16' }, // a whole day (1d)
      { at: D0 - 6 * DAY - MINUTE, provider, cost_usd: '32' }, // the end of another whole day (1d)
      { at: D0 - 5 * DAY + 11 * HOUR + 15 * MINUTE, provider, cost_usd: '64' }, // 11:00 hour (1h)
      { at: D0 - 5 * DAY + 12 * HOUR + 5 * MINUTE, provider, cost_usd: '128' }, // 12:05 (1m)
      { at: NOW - 1, provider, cost_usd: '256' }, // the filling minute (1m)
      { at: NOW + 30_000, provider, cost_usd: '512' }, // after now
    ]);
    expect(await valueOf({ metric: 'cost_usd', window: '4d', where: { provider } }, NOW)).toBe(
      2 + 4 + 8 + 16 + 32 + 64 + 128 + 256,
    );
    expect(await valueOf({ metric: 'cost_usd', window: '90m', where: { provider } }, NOW)).toBe(
      64 + 128 + 256,
    );
  });

  it('reads 1d from 3 days on, 1h from an hour on, only 1m under an hour', async () => {
    const NOW = D0 - 5 * DAY + AT_1230;
    // Rows written straight into one level: only a query reading that level sees them.
    await insertRollupRows(engine, Tables.USAGE_1D, [
      { bucket: (D0 - 7 * DAY) / 1000, provider: 'only-1d', requests: 1000 },
    ]);
    await insertRollupRows(engine, Tables.USAGE_1H, [
      { bucket: (D0 - 5 * DAY + 11 * HOUR) / 1000, provider: 'only-1h', requests: 7 },
    ]);
    const requests = (window: string, provider: string) =>
      evaluator
        .evaluate(
          rule({ metric: 'requests', window, where: { provider }, op: '>', threshold: 0 }),
          NOW,
        )
        .then((e) => samplesOf(e).map((s) => s.value));
    // D0 − 7d is a whole day inside a 3d window, and inside a 71h one, which reads no 1d.
    expect(await requests('3d', 'only-1d')).toEqual([1000]);
    expect(await requests('71h', 'only-1d')).toEqual([]);
    // 11:00–12:00 is a whole hour inside a 2h window; a 59m one starts at 11:32.
    expect(await requests('2h', 'only-1h')).toEqual([7]);
    expect(await requests('59m', 'only-1h')).toEqual([]);
  });
});

describe('where, group_by and one query per rule', () => {
  const NOW = D0 - 3 * DAY + AT_1230;
  const at = NOW - MINUTE;

  beforeAll(async () => {
    await insertSpans(engine, [
      ...repeat(10, { at, provider: 'p-openai', request_model: 'gpt-4o' }),
      ...repeat(20, { at, provider: 'p-openai', request_model: 'gpt-4o-mini' }),
      ...repeat(30, { at, provider: 'p-anthropic', request_model: 'claude' }),
      ...repeat(40, { at, provider: 'p-other', request_model: 'x' }),
    ]);
  });

  it('filters on a value or a list of values and labels each series with the group_by columns', async () => {
    const before = engine.queries.length;
    const found = samplesOf(
      await evaluator.evaluate(
        rule({
          metric: 'requests',
          window: '5m',
          where: { provider: ['p-openai', 'p-anthropic'] },
          group_by: ['provider', 'request_model'],
          op: '>',
          threshold: 15,
        }),
        NOW,
      ),
    );
    expect(engine.queries.length - before).toBe(1);
    const byModel = (s: Sample) => s.labels.request_model!;
    expect([...found].sort((a, b) => byModel(a).localeCompare(byModel(b)))).toEqual([
      {
        labels: { provider: 'p-anthropic', request_model: 'claude' },
        value: 30,
        breached: 'warning',
        values: { requests: 30 },
      },
      {
        labels: { provider: 'p-openai', request_model: 'gpt-4o' },
        value: 10,
        breached: undefined,
        values: { requests: 10 },
      },
      {
        labels: { provider: 'p-openai', request_model: 'gpt-4o-mini' },
        value: 20,
        breached: 'warning',
        values: { requests: 20 },
      },
    ]);
    const single = samplesOf(
      await evaluator.evaluate(
        rule({
          metric: 'requests',
          window: '5m',
          where: { provider: 'p-other' },
          op: '>',
          threshold: 0,
        }),
        NOW,
      ),
    );
    expect(single.map((s) => [s.labels, s.value])).toEqual([[{}, 40]]);
  });

  it('runs one query whatever the number of series, and binds every value', async () => {
    const before = engine.queries.length;
    const found = samplesOf(
      await evaluator.evaluate(
        rule({ metric: 'requests', window: '5m', group_by: ['provider'], op: '>', threshold: 0 }),
        NOW,
      ),
    );
    expect(found.length).toBeGreaterThanOrEqual(3);
    expect(engine.queries.length - before).toBe(1);
    const sql = engine.queries.at(-1)!;
    expect(sql).not.toContain('p-openai');
    expect(sql).toMatch(/\{s0:Int64\}/);
  });
});

describe('thresholds, severity and volume', () => {
  const NOW = D0 - 4 * DAY + AT_1230;
  const at = NOW - MINUTE;
  const calls = (provider: string, ok: number, failed: number) => [
    ...repeat(ok, { at, provider }),
    ...repeat(failed, { at, provider, status: 'error' as const, error_category: 'server' }),
  ];

  beforeAll(async () => {
    await insertSpans(engine, [
      ...calls('t-fine', 99, 1), // 1 %
      ...calls('t-warn', 97, 3), // 3 %
      ...calls('t-crit', 90, 10), // 10 %
      ...calls('t-tiny', 2, 3), // 60 % of 5 calls
    ]);
  });

  const bands = (extra: Record<string, unknown> = {}) =>
    rule<ThresholdRule>({
      metric: 'error_rate',
      window: '5m',
      where: { provider: ['t-fine', 't-warn', 't-crit', 't-tiny'] },
      group_by: ['provider'],
      op: '>',
      thresholds: { warning: 0.025, critical: 0.05 },
      ...extra,
    });

  const verdicts = async (r: ThresholdRule) =>
    Object.fromEntries(
      samplesOf(await evaluator.evaluate(r, NOW)).map((s) => [s.labels.provider, s.breached]),
    );

  it('sets the most severe band reached', async () => {
    expect(await verdicts(bands())).toEqual({
      't-fine': undefined,
      't-warn': 'warning',
      't-crit': 'critical',
      't-tiny': 'critical',
    });
  });

  it('gives a series under min_requests no verdict, and its request count', async () => {
    const found = samplesOf(await evaluator.evaluate(bands({ min_requests: 10 }), NOW));
    const tiny = found.find((s) => s.labels.provider === 't-tiny')!;
    expect(tiny).toEqual({
      labels: { provider: 't-tiny' },
      value: 0.6,
      breached: undefined,
      noVerdict: true,
      values: { requests: 5 },
    });
    expect(found.find((s) => s.labels.provider === 't-crit')!.breached).toBe('critical');
  });

  it('takes one threshold with the severity label, and each operator', async () => {
    const one = (op: string, threshold: number, severity = 'critical') =>
      verdicts(
        rule({
          metric: 'error_rate',
          window: '5m',
          where: { provider: ['t-warn', 't-crit'] },
          group_by: ['provider'],
          op,
          threshold,
          labels: { severity },
        }),
      );
    expect(await one('>', 0.05)).toEqual({ 't-warn': undefined, 't-crit': 'critical' });
    expect(await one('>=', 0.1, 'info')).toEqual({ 't-warn': undefined, 't-crit': 'info' });
    expect(await one('<', 0.05)).toEqual({ 't-warn': 'critical', 't-crit': undefined });
    expect(await one('<=', 0.03)).toEqual({ 't-warn': 'critical', 't-crit': undefined });
    // 3/100 and 0.1 + 0.2 − 0.27 differ in the last bits: == and != allow for it.
    expect(await one('==', 0.1 + 0.2 - 0.27)).toEqual({
      't-warn': 'critical',
      't-crit': undefined,
    });
    expect(await one('!=', 0.1 + 0.2 - 0.27)).toEqual({
      't-warn': undefined,
      't-crit': 'critical',
    });
  });

  it('takes bands downwards with <', async () => {
    const found = samplesOf(
      await evaluator.evaluate(
        rule({
          metric: 'success_rate',
          window: '5m',
          where: { provider: ['t-fine', 't-warn', 't-crit'] },
          group_by: ['provider'],
          op: '<',
          thresholds: { warning: 0.98, critical: 0.95 },
        }),
        NOW,
      ),
    );
    expect(Object.fromEntries(found.map((s) => [s.labels.provider, s.breached]))).toEqual({
      't-fine': undefined,
      't-warn': 'warning',
      't-crit': 'critical',
    });
  });

  it('gives a cache rate no verdict where no call was a cache hit', async () => {
    const found = samplesOf(
      await evaluator.evaluate(
        rule({
          metric: 'cache_hit_rate',
          window: '5m',
          where: { provider: 't-fine' },
          op: '<',
          threshold: 0.4,
        }),
        NOW,
      ),
    );
    expect(found).toEqual([
      { labels: {}, value: 0, breached: undefined, noVerdict: true, values: { requests: 100 } },
    ]);
  });
});

describe('no data and failures', () => {
  const NOW = D0 - 4 * DAY + AT_1230;

  it('answers no rows as NoData: ok with no samples', async () => {
    const e = await evaluator.evaluate(
      rule({
        metric: 'error_rate',
        window: '5m',
        where: { provider: 'nobody' },
        op: '>',
        threshold: 0,
      }),
      NOW,
    );
    expect(e).toEqual({ ok: true, samples: [] });
  });

  it('answers a failing query as an evaluation error, without throwing', async () => {
    const missing = new RuleEvaluator({ client: engine.client, database: 'no_such_db' });
    const e = await missing.evaluate(
      rule({ metric: 'requests', window: '5m', op: '>', threshold: 0 }),
      NOW,
    );
    expect(e.ok).toBe(false);
    expect(!e.ok && e.error).toMatch(/no_such_db/);
    const down = new RuleEvaluator({
      client: { query: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8123')) },
    });
    expect(
      await down.evaluate(rule({ metric: 'requests', window: '5m', op: '>', threshold: 0 }), NOW),
    ).toEqual({ ok: false, error: 'connect ECONNREFUSED 127.0.0.1:8123' });
  });

  it('evaluates every default rule on the engine with one query each', async () => {
    const before = engine.queries.length;
    const defaults = defaultRules();
    for (const r of defaults) {
      const e = await evaluator.evaluate(r, NOW);
      expect(e.ok ? 'ok' : e.error, r.id).toBe('ok');
    }
    expect(engine.queries.length - before).toBe(defaults.length);
  });
});
