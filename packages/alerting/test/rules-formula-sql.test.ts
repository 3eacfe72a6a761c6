/**
 * A metric's formula as SQL (what the dashboards show a rule's metric with) gives the value the
 * evaluator gives the rule, on the real engine: every metric that has a value per group of rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUANTILE_LEVELS, Tables } from '@agentmeter/schema';
import { RuleEvaluator } from '../src/rules/evaluate.js';
import { parseRules } from '../src/rules/load.js';
import { formulaSql, METRIC_NAMES, METRICS } from '../src/rules/metrics.js';
import { leavesOf, readsShare, type Formula } from '../src/rules/formula.js';
import { DAY, HOUR, MINUTE, insertSpans, openEngine, type Engine } from './rules/engine.js';
import { byLabel, samplesOf } from './rules/samples.js';

let engine: Engine;
const NOW = Math.floor(Date.now() / DAY) * DAY - DAY + 12 * HOUR + 30_000;

beforeAll(async () => {
  engine = await openEngine();
  await insertSpans(
    engine,
    ['openai', 'anthropic'].flatMap((provider, p) =>
      Array.from({ length: 40 + 17 * p }, (_, k) => ({
        at: NOW - 50 * MINUTE + k * 60_000,
        provider,
        duration_ms: 200 + ((k * 37 + p * 11) % 40) * 100,
        ...(k % (4 + p) === 0
          ? { status: 'error' as const, error_category: k % 2 === 0 ? 'rate_limit' : 'server' }
          : {}),
        ...(k % 3 === 0 ? { time_to_first_token_ms: 50 + k } : {}),
        input_tokens: 1000 + k,
        output_tokens: 100 + k,
        cache_read_tokens: k % 2 === 0 ? 300 : 0,
        cost_usd: (0.001 * (1 + (k % 4))).toFixed(6),
        escalated: k % 5 === 1,
      })),
    ),
  );
});
afterAll(() => engine?.close());

const perGroup = (f: Formula) =>
  !readsShare(f) && !JSON.stringify(f).includes('"perHour"') && leavesOf(f).length > 0;

describe('formulaSql', () => {
  const names = METRIC_NAMES.filter((m) => perGroup(METRICS[m].value));

  it('covers the metrics with a value per group of rows, the health score among them', () => {
    expect(names).toContain('provider_health_score');
    expect(names.length).toBeGreaterThan(15);
  });

  it.each(names)('%s as SQL over the window equals the evaluator', async (metric) => {
    const sql = formulaSql(METRICS[metric].value, (measure, level) => {
      const i = QUANTILE_LEVELS.indexOf(level) + 1;
      return `quantilesTDigestMerge(${QUANTILE_LEVELS.join(', ')})(${measure})[${i}]`;
    });
    const rs = await engine.store.client.query({
      query: `SELECT provider, ${sql} AS value FROM agentmeter.${Tables.USAGE_1M}
        WHERE bucket >= fromUnixTimestamp({start:Int64}) AND bucket < fromUnixTimestamp({end:Int64})
        GROUP BY provider`,
      query_params: {
        start: (NOW - HOUR + 60_000 - (NOW % 60_000)) / 1000,
        end: (NOW - (NOW % 60_000) + 60_000) / 1000,
      },
      format: 'JSONEachRow',
    });
    const fromSql = await rs.json<{ provider: string; value: number | null }>();
    const [rule] = parseRules(
      {
        groups: [
          {
            name: 'g',
            rules: [
              { alert: 'A', metric, window: '1h', group_by: ['provider'], op: '>', threshold: 0 },
            ],
          },
        ],
      },
      'test',
    ).rules;
    const found = byLabel(
      samplesOf(await new RuleEvaluator({ client: engine.client }).evaluate(rule!, NOW)),
      'provider',
    );
    for (const row of fromSql) {
      const expected = found[row.provider]?.value;
      if (expected === undefined || row.value === null) continue;
      expect(row.value, `${metric} ${row.provider}`).toBeCloseTo(expected, 6);
    }
    expect(fromSql.filter((r) => found[r.provider] !== undefined).length, metric).toBe(2);
  });

  it('refuses what has no value per group of rows', () => {
    expect(() => formulaSql(METRICS.cost_usd_per_hour.value, () => '')).toThrow(/window/);
    expect(() => formulaSql(METRICS.category_cost_share.value, () => '')).toThrow(/window/);
  });
});
