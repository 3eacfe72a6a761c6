import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { RuleEvaluator } from '../src/rules/evaluate.js';
import { parseRules } from '../src/rules/load.js';
import { METRIC_NAMES, METRICS } from '../src/rules/metrics.js';
import type { Evaluation } from '../src/model.js';
import type { Rule } from '../src/rules/rule.js';
import {
  DAY,
  HOUR,
  MINUTE,
  insertSpans,
  openEngine,
  type Engine,
  type SpanSpec,
} from './rules/engine.js';
import { samplesOf } from './rules/samples.js';

let engine: Engine;
let evaluator: RuleEvaluator;
const D0 = Math.floor(Date.now() / DAY) * DAY;
// Yesterday 12:30:30 UTC.
const NOW = D0 - DAY + 12 * HOUR + 30 * MINUTE + 30_000;

const PROVIDERS = ['b-openai', 'b-anthropic'];
const CATEGORIES = ['docs', 'tests'];
const STRATEGIES: Record<string, string> = { docs: 'cheap_first', tests: 'progressive' };

/**
 * Calls before NOW: in the 5m, 1h and 1d windows, in the 5m and 1h windows before them (trailing
 * means), and a day and a week earlier (baselines); a different mix at each, so that every
 * metric, filter and group has values that differ between series and windows.
 */
const AGO = [
  30_000,
  2 * MINUTE,
  20 * MINUTE,
  50 * MINUTE,
  4 * HOUR,
  5 * HOUR,
  20 * HOUR,
  7 * MINUTE,
  12 * MINUTE,
  17 * MINUTE,
  70 * MINUTE,
  130 * MINUTE,
  190 * MINUTE,
  DAY + 2 * MINUTE,
  DAY + 40 * MINUTE,
  7 * DAY + 2 * MINUTE,
  7 * DAY + 40 * MINUTE,
];

function spans(): SpanSpec[] {
  const out: SpanSpec[] = [];
  AGO.forEach((ago, o) => {
    PROVIDERS.forEach((provider, p) => {
      [`${provider}-large`, `${provider}-small`].forEach((request_model, m) => {
        CATEGORIES.forEach((category, c) => {
          const n = 6 + ((o * 7 + p * 3 + m * 5 + c * 11) % 9);
          for (let k = 0; k < n; k++) {
            const failed = (k + o) % 5 === 0;
            out.push({
              at: NOW - ago - k * 1000,
              provider,
              request_model,
              category,
              strategy: STRATEGIES[category]!,
              project: `proj-${(p + c) % 2}`,
              duration_ms: (k + o + m) % 9 === 0 ? 5000 : 100 + 100 * ((k + o) % 7),
              ...(failed
                ? { status: 'error', error_category: k % 2 === 0 ? 'rate_limit' : 'server' }
                : {}),
              ...(k % 3 !== 1 ? { time_to_first_token_ms: 40 + 10 * ((k + p) % 6) } : {}),
              input_tokens: 1000 + 10 * k,
              output_tokens: 100 + k,
              cache_read_tokens: k % 3 === 0 ? 200 : 0,
              cache_write_tokens: k % 4 === 0 ? 50 : 0,
              cost_usd: (0.001 * (1 + ((k + o + c) % 5))).toFixed(6),
              response_cache_hit: k % 7 === 3,
              escalated: k % 4 === 1,
              ...(k % 11 === 7 ? { quota_decision: 'blocked' } : {}),
              ...(k % 9 === 2 ? { budget_decision: 'downgraded' } : {}),
              ...(k % 13 === 5 ? { cost_source: 'unpriced' as const } : {}),
            });
          }
        });
      });
    });
  });
  return out;
}

const WINDOWS = ['5m', '1h', '1d'];

/** Three variants of every metric over every window: scope, groups, part, bands, volume. */
function thresholdRules(): Record<string, unknown>[] {
  return METRIC_NAMES.flatMap((metric) =>
    WINDOWS.flatMap((window) => {
      const share = METRICS[metric].share;
      const base = { metric, window };
      return [
        { ...base, ...(share ? { group_by: ['category'] } : {}), op: '>', threshold: 0 },
        {
          ...base,
          where: { provider: 'b-openai' },
          group_by: ['request_model'],
          ...(share ? { part: { category: 'docs' } } : {}),
          op: '<',
          threshold: 1e9,
          labels: { severity: 'critical' },
        },
        {
          ...base,
          where: { category: ['docs', 'tests'], provider: PROVIDERS },
          group_by: ['provider', 'category'],
          ...(share ? { part: { strategy: 'progressive' }, group_by: ['provider'] } : {}),
          op: '>',
          thresholds: { warning: 0.01, critical: 200 },
          min_requests: 20,
        },
      ].map((r) => ({ kind: 'threshold', ...r }));
    }),
  );
}

function anomalyRules(): Record<string, unknown>[] {
  const metrics = ['requests', 'cost_usd', 'error_rate', 'latency_p95_ms', 'ttft_p95_ms'];
  const baselines = [
    { baseline: 'same_window_yesterday' },
    { baseline: 'same_window_last_week' },
    { baseline: 'trailing_mean', trailing_windows: 3 },
  ];
  return metrics.flatMap((metric, i) =>
    baselines.flatMap((b, j) =>
      ['5m', '1h'].map((window) => ({
        kind: 'anomaly',
        metric,
        window,
        ...b,
        ...((i + j) % 2 === 0 ? { group_by: ['provider'] } : { where: { category: 'docs' } }),
        min_requests: (i + j) % 3 === 0 ? 10 : 0,
      })),
    ),
  );
}

function budgetRules(): Record<string, unknown>[] {
  return [
    { budget: { id: 'b-global', scope: 'global', period: 'daily', limit_usd: 1 } },
    { budget: { id: 'b-project', scope: 'project', period: 'weekly', limit_usd: 2 } },
    {
      budget: {
        id: 'b-models',
        scope: 'model',
        match: 'b-openai-*',
        period: 'monthly',
        limit_usd: 3,
      },
      forecast: true,
      labels: { severity: 'warning' },
    },
  ].map((r) => ({ kind: 'budget', ...r }));
}

const calls = (table: string) => ({
  kind: 'sql',
  query: `SELECT provider, count() AS value FROM {database:Identifier}.${table}
    WHERE timestamp > {window_start:DateTime64(3)} AND timestamp <= {now:DateTime64(3)}
    GROUP BY provider`,
  window: '1h',
  op: '>',
  threshold: 10,
  labels: { severity: 'info' },
});

/** Every body as a rule of one group, named in order (`<prefix><index>`). */
function rules(bodies: readonly Record<string, unknown>[], prefix = 'Batch'): Rule[] {
  const document = {
    groups: [{ name: 'batch', rules: bodies.map((b, i) => ({ alert: `${prefix}${i}`, ...b })) }],
  };
  return [...parseRules(document, 'test').rules];
}

const ALL = [...thresholdRules(), ...anomalyRules(), ...budgetRules(), calls('llm_spans')];

/** Samples in a fixed order: a batch need not list a rule's series in the order alone does. */
function canonical(e: Evaluation): Evaluation {
  if (!e.ok) return e;
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());
  return {
    ok: true,
    samples: [...e.samples].sort((a, b) => key(a.labels).localeCompare(key(b.labels))),
  };
}

async function alone(evaluator: RuleEvaluator, list: readonly Rule[]): Promise<Evaluation[]> {
  const out: Evaluation[] = [];
  for (const r of list) out.push(canonical(await evaluator.evaluate(r, NOW)));
  return out;
}

beforeAll(async () => {
  engine = await openEngine();
  evaluator = new RuleEvaluator({ client: engine.client });
  await insertSpans(engine, spans());
});
afterAll(async () => {
  await engine.close();
});

describe('a batch of rules', () => {
  it('gives every rule exactly the samples it gives evaluated alone', async () => {
    const list = rules(ALL);
    const batch = (await evaluator.evaluateAll(list, NOW)).map(canonical);
    const each = await alone(evaluator, list);
    // Every rule found series: the comparison is of values, not of empty lists.
    for (const [i, e] of each.entries()) {
      expect(e.ok && e.samples.length, list[i]!.name).toBeGreaterThan(0);
    }
    expect(batch).toEqual(each);
  });

  it('issues one statement per window length and kind of aggregate, whatever the number of rules', async () => {
    const count = async (list: readonly Rule[]) => {
      const before = engine.queries.length;
      await evaluator.evaluateAll(list, NOW);
      return engine.queries.length - before;
    };
    // 5m, 1h and 1d windows (anomaly baselines of the same lengths ride along), each with sums
    // and with quantiles; the budgets' spend; and each sql rule its own.
    const list = rules(ALL);
    expect(await count(list)).toBe(3 * 2 + 1 + 1);
    const copies = rules(
      ALL.map((b) => ({ ...b, labels: { copy: 'yes' } })),
      'Copy',
    );
    const twice = [...list, ...copies];
    expect(twice).toHaveLength(2 * list.length);
    expect(await count(twice)).toBe(3 * 2 + 1 + 2);
    // One rule, one statement.
    expect(await count(rules([ALL[0]!]))).toBe(1);
  });

  it('counts a call once when where lists its value twice', async () => {
    const requests = (where: Record<string, unknown>) => ({
      kind: 'threshold',
      metric: 'requests',
      window: '1h',
      where,
      op: '>',
      threshold: 0,
    });
    const list = rules([
      requests({ provider: 'b-openai' }),
      requests({ provider: ['b-openai', 'b-openai'] }),
    ]);
    const [once, twice] = await evaluator.evaluateAll(list, NOW);
    // The window's minutes: from the one after NOW − 1h to the one holding NOW.
    const end = Math.floor(NOW / MINUTE) * MINUTE + MINUTE;
    const calls = spans().filter(
      (s) => s.provider === 'b-openai' && s.at >= end - HOUR && s.at < end,
    ).length;
    expect(samplesOf(once!).map((s) => s.value)).toEqual([calls]);
    expect(twice).toEqual(once);
  });

  it("reads windows of one length that overlap (one rule's baseline in another's) for each", async () => {
    // 70 minutes: 24 trailing windows reach back past yesterday's window, which they overlap.
    const anomaly = (metric: string, baseline: Record<string, unknown>) => ({
      kind: 'anomaly',
      metric,
      window: '70m',
      ...baseline,
      group_by: ['provider'],
    });
    const bodies = ['requests', 'latency_p95_ms'].flatMap((metric) => [
      anomaly(metric, { baseline: 'trailing_mean', trailing_windows: 24 }),
      anomaly(metric, { baseline: 'same_window_yesterday' }),
    ]);
    const list = rules(bodies, 'Overlap');
    const before = engine.queries.length;
    const batch = (await evaluator.evaluateAll(list, NOW)).map(canonical);
    expect(engine.queries.length - before).toBe(2);
    expect(batch).toEqual(await alone(evaluator, list));
    // Yesterday's window holds calls that trailing windows also hold: counted in each.
    const end = Math.floor(NOW / MINUTE) * MINUTE + MINUTE - DAY;
    const yesterday = spans().filter(
      (s) => s.provider === 'b-openai' && s.at >= end - 70 * MINUTE && s.at < end,
    ).length;
    const openai = samplesOf(batch[1]!).find((s) => s.labels.provider === 'b-openai');
    expect(yesterday).toBeGreaterThan(0);
    expect(openai?.values?.baseline_requests).toBe(yesterday);
    // The 24 trailing 70-minute windows: some can hold a whole hour (read from llm_usage_1h and
    // the minutes around it), others cannot (minutes only, adjacent ones as one range).
    const now = Math.floor(NOW / MINUTE) * MINUTE + MINUTE;
    const windows = Array.from({ length: 24 }, (_, k) => now - (k + 1) * 70 * MINUTE);
    const perWindow = windows.map(
      (end) =>
        spans().filter((s) => s.provider === 'b-openai' && s.at >= end - 70 * MINUTE && s.at < end)
          .length,
    );
    expect(perWindow.filter((n) => n > 0).length).toBeGreaterThan(3);
    const trailing = samplesOf(batch[0]!).find((s) => s.labels.provider === 'b-openai');
    expect(trailing?.values?.baseline_requests).toBeCloseTo(
      perWindow.reduce((a, b) => a + b, 0) / 24,
      9,
    );
  });

  it('fails only the rules that read a failing statement', async () => {
    // The real engine refuses the 1h window sums (result limit on that statement alone), and a
    // sql rule reads a table that does not exist.
    const limited: Pick<ClickHouseClient, 'query'> = {
      query: ((params: Parameters<ClickHouseClient['query']>[0]) => {
        const p = params.query_params ?? {};
        const hourSums =
          !params.query.includes('ARRAY JOIN') &&
          params.query.includes('GROUP BY w') &&
          Number(p.e0) - Number(p.s0) === 3600;
        return engine.client.query(
          hourSums
            ? {
                ...params,
                clickhouse_settings: { max_result_rows: '1', result_overflow_mode: 'throw' },
              }
            : params,
        );
      }) as ClickHouseClient['query'],
    };
    const list = rules([...ALL, calls('no_such_table')]);
    const found = await new RuleEvaluator({ client: limited }).evaluateAll(list, NOW);
    const expected = await alone(evaluator, list);
    const reads = (r: Rule) =>
      (r.kind === 'threshold' || r.kind === 'anomaly') &&
      r.windowMs === HOUR &&
      !METRICS[r.metric].quantiles;
    let failing = 0;
    list.forEach((r, i) => {
      const e = found[i]!;
      if (reads(r) || r === list.at(-1)) {
        failing++;
        expect(e.ok, r.name).toBe(false);
        expect(!e.ok && e.error, r.name).toMatch(reads(r) ? /limit for result/i : /no_such_table/);
      } else {
        expect(canonical(e), r.name).toEqual(expected[i]);
      }
    });
    expect(failing).toBeGreaterThan(20);
    expect(failing).toBeLessThan(list.length / 2);
  });
});
