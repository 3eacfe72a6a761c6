import { describe, expect, it } from 'vitest';
import { defaultRules, mergeRulePacks } from '../src/rules/defaults.js';
import { parseRules, RuleFileError } from '../src/rules/load.js';
import type { BudgetRule, Rule, ThresholdRule } from '../src/rules/rule.js';

const byName = (rules: readonly Rule[]) => new Map(rules.map((r) => [r.name, r]));

describe('the default rule pack', () => {
  const rules = byName(defaultRules());

  it("reproduces seed 001's five rules", () => {
    const threshold = (name: string) => {
      const r = rules.get(name) as ThresholdRule;
      return [r.metric, r.condition.op, r.condition.levels, r.forMs];
    };
    const warning = (threshold: number) => [{ severity: 'warning', threshold }];
    expect(threshold('HighLatencyP95')).toEqual(['latency_p95_ms', '>', warning(2000), 300_000]);
    expect(threshold('ErrorSpike')).toEqual([
      'error_rate',
      '>',
      [{ severity: 'critical', threshold: 0.05 }],
      60_000,
    ]);
    expect(threshold('LowCacheHitRate')).toEqual(['cache_hit_rate', '<', warning(0.4), 600_000]);
    expect(threshold('HighHourlyCost')).toEqual(['cost_usd_per_hour', '>', warning(10), 300_000]);
    expect(threshold('HighRateLimitDenials')).toEqual([
      'rate_limit_denial_rate',
      '>',
      warning(0.1),
      300_000,
    ]);
  });

  it("reproduces seed 001's $500 a month at 80 % and 95 % (and exceeded), with its forecast", () => {
    const budget = rules.get('MonthlyBudget') as BudgetRule;
    expect(budget.budget).toMatchObject({ scope: 'global', period: 'monthly', limit_usd: 500 });
    expect(budget.thresholdsPercent).toEqual([80, 95, 100]);
    expect((rules.get('MonthlyBudgetForecast') as BudgetRule).forecast).toBe(true);
  });

  it("reproduces seed 000's triggers and seed 004's bands with minimum volume", () => {
    expect(rules.get('NeverFallbackCategoryBlocked')).toMatchObject({
      metric: 'quota_blocks',
      where: {
        category: [
          'security_auth_change',
          'external_feature_reuse_remote',
          'schema_contract_change_destructive',
        ],
      },
      condition: { op: '>', levels: [{ severity: 'critical', threshold: 0 }] },
    });
    expect(rules.get('BestFirstEscalation')).toMatchObject({
      metric: 'escalation_rate',
      where: { strategy: ['best_first'] },
      condition: { op: '>', levels: [{ severity: 'critical', threshold: 0.5 }] },
    });
    expect(rules.get('ProviderErrorRate')).toMatchObject({
      minRequests: 10,
      condition: {
        levels: [
          { severity: 'critical', threshold: 0.05 },
          { severity: 'warning', threshold: 0.025 },
        ],
      },
    });
    expect(rules.get('ProviderHealthScore')).toMatchObject({
      metric: 'provider_health_score',
      condition: { op: '<' },
    });
    expect(rules.get('CostAnomaly')).toMatchObject({ kind: 'anomaly', direction: 'up' });
  });

  it('gives every rule a summary and a description, templated', () => {
    for (const r of rules.values()) {
      expect(r.annotations.summary, r.name).toMatch(/\{\{ \$value \}\}/);
      expect(r.annotations.description, r.name).toBeTruthy();
    }
  });

  it('takes the routing config’s never-fallback categories, and drops their rules when there are none', () => {
    const mine = byName(defaultRules({ neverFallbackCategories: ['payments'] }));
    expect(mine.get('NeverFallbackCategoryBlocked')).toMatchObject({
      where: { category: ['payments'] },
    });
    const none = byName(defaultRules({ neverFallbackCategories: [] }));
    expect(none.has('NeverFallbackCategoryBlocked')).toBe(false);
    expect(none.has('HighRiskCategoryShare')).toBe(false);
  });
});

describe('merging user rules into the defaults', () => {
  const user = (rules: Record<string, unknown>[]) =>
    parseRules({ groups: [{ name: 'mine', rules }] }, 'mine.yaml');

  it('replaces a default by a rule of the same name and turns one off by name', () => {
    const merged = mergeRulePacks(
      defaultRules(),
      user([
        { alert: 'ErrorSpike', metric: 'error_rate', window: '10m', op: '>', threshold: 0.2 },
        { alert: 'LowCacheHitRate', enabled: false },
        {
          alert: 'HighHourlyCost',
          metric: 'cost_usd_per_hour',
          window: '1h',
          op: '>',
          threshold: 10,
          enabled: false,
        },
        { alert: 'Mine', metric: 'requests', window: '5m', op: '<', threshold: 1 },
      ]),
    );
    const names = merged.map((r) => r.name);
    expect(names.filter((n) => n === 'ErrorSpike')).toHaveLength(1);
    expect(merged.find((r) => r.name === 'ErrorSpike')).toMatchObject({
      id: 'mine/ErrorSpike',
      source: 'mine.yaml',
      windowMs: 600_000,
    });
    expect(names).not.toContain('LowCacheHitRate');
    expect(merged.find((r) => r.name === 'HighHourlyCost')!.enabled).toBe(false);
    expect(names).toContain('Mine');
    expect(names).toContain('HighLatencyP95');
  });

  it('refuses to turn off a name no default has, saying where and which names exist', () => {
    const attempt = () =>
      mergeRulePacks(defaultRules(), user([{ alert: 'LowCacheHitRat', enabled: false }]));
    expect(attempt).toThrow(RuleFileError);
    expect(attempt).toThrow(
      /mine\.yaml: groups\[0\]\.rules\[0\]: enabled: false alone turns off a default rule, and none is named "LowCacheHitRat" \(the defaults: HighLatencyP95, ErrorSpike, LowCacheHitRate/,
    );
  });
});
