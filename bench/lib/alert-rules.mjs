// A rule file document of `count` rules as users write them, over the population of
// bench/lib/spans.mjs: threshold rules over the whole metric catalogue (windows 5m/15m/1h/24h,
// `where` on 0–2 dimensions, `group_by` on 0–2, severity bands on a quarter, `for`,
// `min_requests` on per-call metrics, labels and templated annotations), ~5 % anomaly rules
// (yesterday, last week, trailing mean) and ~3 % budget rules (global, project, model, agent,
// user). Deterministic (seeded). Rule `i` goes to group `i % groups`, so every group has a mix.
import {
  AGENTS,
  CATEGORIES,
  ENVIRONMENTS,
  MODELS,
  PROJECTS,
  PROVIDERS,
  SERVICES,
  STRATEGIES,
  WORKFLOWS,
} from './spans.mjs';
import { seededRandom } from '../../packages/cli/dist/demo.js';

/** The generated population's rough rates, to put thresholds where the values are. */
const CALLS_PER_MINUTE = 870;
const USD_PER_MINUTE = 6.6;
const TOKENS_PER_CALL = 4000;

const VALUES = {
  provider: PROVIDERS,
  request_model: MODELS.map((m) => m[1]),
  project: PROJECTS,
  service_name: SERVICES,
  environment: ENVIRONMENTS,
  category: CATEGORIES,
  agent: AGENTS,
  workflow: WORKFLOWS,
  strategy: STRATEGIES,
};
// What users filter and group on, most often first (weights).
const WHERE_DIMS = [
  ['provider', 5],
  ['project', 4],
  ['environment', 3],
  ['request_model', 3],
  ['service_name', 2],
  ['category', 2],
  ['agent', 1],
  ['workflow', 1],
  ['strategy', 1],
];
const GROUP_DIMS = [
  ['provider', 6],
  ['request_model', 5],
  ['project', 4],
  ['service_name', 3],
  ['category', 2],
  ['agent', 2],
  ['workflow', 1],
  ['environment', 1],
  ['operation', 1],
  ['role', 1],
];
const WINDOWS = [
  ['5m', 40],
  ['15m', 25],
  ['1h', 25],
  ['24h', 10],
];
const MINUTES = { '5m': 5, '15m': 15, '1h': 60, '24h': 1440 };

/**
 * Per metric: weight, op, a threshold generator (r: 0..1, scale: the expected amount of the
 * sums in the rule's window and scope), min_requests or not.
 */
const METRICS = {
  error_rate: [15, '>', (r) => 0.02 + 0.08 * r, true],
  latency_p95_ms: [12, '>', (r) => 2000 + 8000 * r, true],
  cost_usd: [10, '>', (r, scale) => USD_PER_MINUTE * scale * 10 ** (r * 1.8 - 1.5), false],
  cost_usd_per_hour: [
    8,
    '>',
    (r, scale) => USD_PER_MINUTE * 60 * scale * 10 ** (r * 1.8 - 1.5),
    false,
  ],
  requests: [8, '>', (r, scale) => CALLS_PER_MINUTE * scale * 10 ** (r * 1.8 - 1.5), false],
  rate_limit_denial_rate: [6, '>', (r) => 0.005 + 0.045 * r, true],
  latency_p99_ms: [5, '>', (r) => 5000 + 15000 * r, true],
  latency_avg_ms: [4, '>', (r) => 1000 + 3000 * r, true],
  ttft_p95_ms: [4, '>', (r) => 300 + 1500 * r, true],
  provider_health_score: [4, '<', (r) => 60 + 25 * r, true],
  tokens: [
    4,
    '>',
    (r, scale) => CALLS_PER_MINUTE * TOKENS_PER_CALL * scale * 10 ** (r * 1.8 - 1.5),
    false,
  ],
  escalation_rate: [3, '>', (r) => 0.1 + 0.4 * r, true],
  latency_p50_ms: [2, '>', (r) => 800 + 2000 * r, true],
  input_tokens: [
    2,
    '>',
    (r, scale) => CALLS_PER_MINUTE * 3200 * scale * 10 ** (r * 1.8 - 1.5),
    false,
  ],
  output_tokens: [
    2,
    '>',
    (r, scale) => CALLS_PER_MINUTE * 800 * scale * 10 ** (r * 1.8 - 1.5),
    false,
  ],
  success_rate: [2, '<', (r) => 0.95 + 0.04 * r, true],
  cache_hit_rate: [2, '<', (r) => 0.05 + 0.35 * r, true],
  prompt_cache_hit_rate: [2, '<', (r) => 0.1 + 0.2 * r, true],
  quota_blocks: [2, '>', (r, scale) => Math.round(CALLS_PER_MINUTE * 0.002 * scale * 3 * r), false],
  budget_blocks: [
    2,
    '>',
    (r, scale) => Math.round(CALLS_PER_MINUTE * 0.001 * scale * 3 * r),
    false,
  ],
  downgrades: [2, '>', (r, scale) => Math.round(CALLS_PER_MINUTE * 0.008 * scale * 3 * r), false],
  unpriced_requests: [
    2,
    '>',
    (r, scale) => Math.round(CALLS_PER_MINUTE * 0.015 * scale * 3 * r),
    false,
  ],
  category_request_share: [2, '>', (r) => 0.1 + 0.3 * r, true],
  category_cost_share: [2, '>', (r) => 0.1 + 0.3 * r, true],
};

export function benchRuleDocument({ count, groups, prefix = 'bench', interval = '1m', seed = 42 }) {
  const rand = seededRandom(seed);
  const weighted = (entries) => {
    const total = entries.reduce((a, [, w]) => a + w, 0);
    let x = rand() * total;
    for (const [v, w] of entries) if ((x -= w) < 0) return v;
    return entries.at(-1)[0];
  };
  const one = (list) => list[Math.floor(rand() * list.length)];
  const pickDims = (entries, n, exclude = []) => {
    const out = [];
    while (out.length < n) {
      const d = weighted(entries.filter(([e]) => !out.includes(e) && !exclude.includes(e)));
      out.push(d);
    }
    return out;
  };
  const where = () => {
    const n = weighted([
      [0, 35],
      [1, 50],
      [2, 15],
    ]);
    const out = {};
    for (const d of pickDims(WHERE_DIMS, n)) {
      out[d] = rand() < 0.2 ? [one(VALUES[d]), one(VALUES[d])] : one(VALUES[d]);
    }
    return out;
  };
  const groupBy = (exclude) =>
    pickDims(
      GROUP_DIMS,
      weighted([
        [0, 30],
        [1, 45],
        [2, 25],
      ]),
      exclude,
    );
  const round = (x) => Number(x.toPrecision(3));
  const groupNames = Array.from(
    { length: groups },
    (_, g) => `${prefix}-${String(g).padStart(String(groups - 1).length, '0')}`,
  );
  const byGroup = groupNames.map(() => []);

  for (let i = 0; i < count; i++) {
    const kind = weighted([
      ['threshold', 92],
      ['anomaly', 5],
      ['budget', 3],
    ]);
    const id = String(i).padStart(4, '0');
    let rule;
    if (kind === 'threshold') rule = thresholdRule(id);
    else if (kind === 'anomaly') rule = anomalyRule(id);
    else rule = budgetRule(id, i);
    byGroup[i % groups].push(rule);
  }
  return {
    groups: groupNames.map((name, g) => ({ name, interval, rules: byGroup[g] })),
  };

  function thresholdRule(id) {
    const metric = weighted(Object.entries(METRICS).map(([m, [w]]) => [m, w]));
    const [, op, threshold, perCall] = METRICS[metric];
    const window = weighted(WINDOWS);
    const filter = where();
    let by = groupBy(Object.keys(filter));
    let part;
    if (metric === 'category_request_share' || metric === 'category_cost_share') {
      // A share: of each category in scope, or of one category (part).
      if (rand() < 0.5) by = ['category'];
      else {
        by = by.filter((d) => d !== 'category');
        part = { category: one(CATEGORIES) };
      }
      delete filter.category;
    }
    if (metric === 'provider_health_score' && by.length === 0) by = ['provider'];
    // The sums' scale: the window's minutes over the series the scope splits into.
    const split = by.length === 0 ? 1 : by.length === 1 ? 6 : 30;
    const scope =
      Object.keys(filter).length === 0 ? 1 : Object.keys(filter).length === 1 ? 0.15 : 0.03;
    const scale = (MINUTES[window] * scope) / split;
    const r = rand();
    const bands = rand() < 0.25;
    const value = threshold(r, scale);
    const severe = op === '>' ? Math.max(value * 1.5, value + 1) : value * 0.8;
    const name = `${metric.replace(/(^|_)([a-z0-9])/g, (_, __, c) => c.toUpperCase())}${id}`;
    return {
      alert: name,
      metric,
      window,
      ...(Object.keys(filter).length > 0 ? { where: filter } : {}),
      ...(by.length > 0 ? { group_by: by } : {}),
      ...(part ? { part } : {}),
      op,
      ...(bands
        ? { thresholds: { warning: round(value), critical: round(severe) } }
        : { threshold: round(value) }),
      ...(perCall
        ? {
            min_requests: weighted([
              [10, 3],
              [20, 2],
              [50, 1],
            ]),
          }
        : {}),
      for: weighted([
        ['0', 4],
        ['1m', 3],
        ['5m', 2],
        ['10m', 1],
      ]),
      labels: {
        team: one(['platform', 'ml', 'finops', 'support']),
        ...(bands ? {} : { severity: one(['warning', 'warning', 'critical', 'info']) }),
      },
      annotations: {
        summary: `${metric} is {{ $value }}${by.map((d) => ` on {{ $labels.${d} }}`).join('')}`,
      },
    };
  }

  function anomalyRule(id) {
    const metric = one(['cost_usd', 'requests', 'error_rate', 'latency_p95_ms', 'tokens']);
    const baseline = weighted([
      ['same_window_yesterday', 4],
      ['same_window_last_week', 3],
      ['trailing_mean', 3],
    ]);
    const window = one(['5m', '15m', '1h']);
    const filter = rand() < 0.5 ? where() : {};
    const by = rand() < 0.5 ? [] : [weighted(GROUP_DIMS.slice(0, 4))];
    return {
      alert: `Anomaly${metric.replace(/(^|_)([a-z0-9])/g, (_, __, c) => c.toUpperCase())}${id}`,
      kind: 'anomaly',
      metric,
      window,
      ...(Object.keys(filter).length > 0 ? { where: filter } : {}),
      ...(by.length > 0 ? { group_by: by } : {}),
      baseline,
      ...(baseline === 'trailing_mean' ? { trailing_windows: one([4, 6, 12]) } : {}),
      direction: one(['up', 'both']),
      min_requests: 10,
      labels: { team: 'finops' },
      annotations: { summary: `${metric} {{ $value }}, {{ $labels.trend }} on its baseline` },
    };
  }

  function budgetRule(id, i) {
    const budgets = [
      { scope: 'global', period: 'monthly', limit_usd: 300_000 },
      { scope: 'global', period: 'daily', limit_usd: 12_000 },
      { scope: 'project', period: 'weekly', limit_usd: 12_000, time_zone: 'Asia/Kolkata' },
      { scope: 'project', period: 'monthly', limit_usd: 40_000, match: one(PROJECTS) },
      { scope: 'model', period: 'daily', limit_usd: 2_000, match: 'claude-*' },
      { scope: 'model', period: 'weekly', limit_usd: 10_000 },
      { scope: 'agent', period: 'daily', limit_usd: 2_500, time_zone: 'America/New_York' },
      { scope: 'workflow', period: 'weekly', limit_usd: 15_000 },
      { scope: 'user', period: 'daily', limit_usd: 20 },
    ];
    const b = budgets[i % budgets.length];
    const forecast = rand() < 0.3;
    return {
      alert: `Budget${id}`,
      kind: 'budget',
      budget: { id: `budget-${id}`, ...b },
      ...(forecast
        ? { forecast: true, labels: { severity: 'warning', team: 'finops' } }
        : { thresholds_percent: [50, 80, 95, 100], labels: { team: 'finops' } }),
      annotations: { summary: 'spent {{ $value }}' },
    };
  }
}
