import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  BudgetBlockError,
  QuotaBlockError,
  QuotaEnforcementConfigSchema,
  QuotaTracker,
  QuotasConfigSchema,
  quotaAction,
  quotaIncidentSeverity,
  type QuotaEnforcementConfig,
  type QuotaWarningEvent,
} from '@agentmeter/budgets';
import { describeError } from '../src/telemetry/call-span.js';

const d = (iso: string) => new Date(iso);

describe('QuotaTracker', () => {
  const quotas = { anthropic: { tokens: 5_000_000, period: 'weekly' as const } };

  it('is exhausted when the estimate would pass the weekly quota, and resets on Monday', () => {
    const q = new QuotaTracker({ quotas });
    q.record('anthropic', 4_000_000, d('2024-05-01T10:00:00Z'));
    expect(q.check('anthropic', 1_000_000, d('2024-05-02T10:00:00Z'))).toMatchObject({
      exhausted: false,
      used: 4_000_000,
      limit: 5_000_000,
    });
    const over = q.check('anthropic', 1_000_001, d('2024-05-02T10:00:00Z'));
    expect(over.exhausted).toBe(true);
    expect(over.resetsAt!.toISOString()).toBe('2024-05-06T00:00:00.000Z');
    q.record('anthropic', 1_000_000, d('2024-05-02T10:00:00Z'));
    expect(q.check('anthropic', 0, d('2024-05-05T23:59:59Z')).exhausted).toBe(true);
    expect(q.check('anthropic', 1_000_000, d('2024-05-06T00:00:00Z'))).toMatchObject({
      exhausted: false,
      used: 0,
    });
  });

  it('never exhausts a provider without a quota', () => {
    const q = new QuotaTracker({ quotas });
    q.record('openai', 1e12, d('2024-05-01T10:00:00Z'));
    expect(q.check('openai', 1e12, d('2024-05-01T10:00:00Z'))).toMatchObject({
      exhausted: false,
      limit: Infinity,
    });
  });

  it('warns once per period at warn_at, re-armed by the reset', () => {
    const events: QuotaWarningEvent[] = [];
    const q = new QuotaTracker({
      quotas: {
        openai: { tokens: 1_000, period: 'daily', warn_at: 0.75, time_zone: 'Asia/Kolkata' },
      },
      onWarning: (e) => events.push(e),
    });
    q.record('openai', 749, d('2024-05-01T10:00:00Z'));
    expect(q.check('openai', 0, d('2024-05-01T10:00:00Z')).warning).toBe(false);
    q.record('openai', 1, d('2024-05-01T11:00:00Z'));
    q.record('openai', 100, d('2024-05-01T12:00:00Z'));
    expect(q.check('openai', 0, d('2024-05-01T12:00:00Z')).warning).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ provider: 'openai', used: 750, limit: 1_000, warnAt: 0.75 });
    expect(events[0]!.resetsAt.toISOString()).toBe('2024-05-01T18:30:00.000Z');
    q.record('openai', 800, d('2024-05-01T18:30:00Z')); // the next Kolkata day
    expect(events.map((e) => e.periodStart.toISOString())).toEqual([
      '2024-04-30T18:30:00.000Z',
      '2024-05-01T18:30:00.000Z',
    ]);
  });

  it('keeps the usage when the limit changes and re-sums it when the period changes', () => {
    const q = new QuotaTracker({ quotas });
    q.record('anthropic', 3_000_000, d('2024-05-06T10:00:00Z')); // Monday
    q.record('anthropic', 1_000_000, d('2024-05-08T10:00:00Z')); // Wednesday
    q.update({ anthropic: { tokens: 3_500_000, period: 'weekly' } });
    expect(q.check('anthropic', 0, d('2024-05-08T11:00:00Z'))).toMatchObject({
      used: 4_000_000,
      exhausted: true,
    });
    q.update({ anthropic: { tokens: 3_500_000, period: 'daily' } });
    expect(q.check('anthropic', 0, d('2024-05-08T11:00:00Z'))).toMatchObject({
      used: 1_000_000,
      exhausted: false,
    });
  });

  it('validates the quotas section', () => {
    expect(
      QuotasConfigSchema.safeParse({
        anthropic: { tokens: 0, period: 'hourly' },
      }).error!.issues.map((i) => i.path.join('.')),
    ).toEqual(['anthropic.tokens', 'anthropic.period']);
  });
});

describe('quota_enforcement (seed 000)', () => {
  const SEED = `
quota_enforcement:
  best_first_block_on_exhaustion: true
  progressive_block_on_exhaustion: true
  cheap_first_allow_downgrade: false
  on_quota_exhaustion: "raise_incident"
  never_fallback_categories:
    - security_auth_change
    - external_feature_reuse_remote
    - schema_contract_change_destructive
`;
  const seed: QuotaEnforcementConfig = QuotaEnforcementConfigSchema.parse(
    (parseYaml(SEED) as { quota_enforcement: unknown }).quota_enforcement,
  );
  const with_ = (over: Partial<QuotaEnforcementConfig>): QuotaEnforcementConfig => ({
    ...seed,
    ...over,
  });

  it('allows whatever the strategy while the quota lasts', () => {
    expect(quotaAction(seed, 'security_auth_change', 'best_first', false)).toBe('allow');
  });

  it('blocks never_fallback categories whatever the strategy and the other keys', () => {
    const lenient = with_({
      best_first_block_on_exhaustion: false,
      progressive_block_on_exhaustion: false,
      cheap_first_allow_downgrade: true,
    });
    for (const strategy of ['best_first', 'progressive', 'cheap_first']) {
      expect(quotaAction(lenient, 'security_auth_change', strategy, true)).toBe('block');
    }
    expect(quotaIncidentSeverity(lenient, 'security_auth_change', 'block')).toBe('critical');
  });

  it('blocks best_first and progressive when their *_block_on_exhaustion is set, else falls back', () => {
    expect(quotaAction(seed, 'core_backend_high', 'progressive', true)).toBe('block');
    expect(quotaAction(seed, 'core_backend_high', 'best_first', true)).toBe('block');
    const off = with_({
      best_first_block_on_exhaustion: false,
      progressive_block_on_exhaustion: false,
    });
    expect(quotaAction(off, 'core_backend_high', 'progressive', true)).toBe('fallback');
    expect(quotaAction(off, 'core_backend_high', 'best_first', true)).toBe('fallback');
  });

  it('downgrades cheap_first only when cheap_first_allow_downgrade', () => {
    expect(quotaAction(seed, 'docs', 'cheap_first', true)).toBe('fallback');
    expect(
      quotaAction(with_({ cheap_first_allow_downgrade: true }), 'docs', 'cheap_first', true),
    ).toBe('downgrade');
    expect(
      quotaAction(with_({ on_quota_exhaustion: 'downgrade' }), 'docs', 'cheap_first', true),
    ).toBe('fallback');
  });

  it('leaves the open cases to on_quota_exhaustion', () => {
    const open = { progressive_block_on_exhaustion: false };
    expect(
      quotaAction(
        with_({ ...open, on_quota_exhaustion: 'require_override' }),
        'tests',
        'progressive',
        true,
      ),
    ).toBe('block');
    expect(
      quotaAction(
        with_({ ...open, on_quota_exhaustion: 'downgrade' }),
        'tests',
        'progressive',
        true,
      ),
    ).toBe('downgrade');
    expect(quotaAction(seed, 'legacy', 'complexity', true)).toBe('fallback');
    expect(quotaIncidentSeverity(seed, 'docs', 'fallback')).toBe('warning');
    expect(
      quotaIncidentSeverity(with_({ on_quota_exhaustion: 'downgrade' }), 'tests', 'downgrade'),
    ).toBeUndefined();
  });

  it('uses the seed keys exactly: defaults as the seed, unknown keys refused', () => {
    expect(QuotaEnforcementConfigSchema.parse({})).toEqual({
      best_first_block_on_exhaustion: true,
      progressive_block_on_exhaustion: true,
      cheap_first_allow_downgrade: false,
      on_quota_exhaustion: 'raise_incident',
      never_fallback_categories: [],
    });
    expect(
      QuotaEnforcementConfigSchema.safeParse({ cheap_first_allow_downgrades: true }).success,
    ).toBe(false);
  });
});

describe('block errors', () => {
  it('carry the codes span recording classifies, and say what to do next', () => {
    const quota = new QuotaBlockError({
      provider: 'anthropic',
      category: 'security_auth_change',
      strategy: 'best_first',
      used: 5_000_000,
      limit: 5_000_000,
      resetsAt: new Date('2024-05-06T00:00:00Z'),
      neverFallback: true,
    });
    expect(quota.code).toBe('QUOTA_BLOCKED');
    expect(quota.message).toMatch(/anthropic token quota is exhausted \(5000000 of 5000000/);
    expect(quota.message).toMatch(
      /Wait for the reset at 2024-05-06T00:00:00.000Z, raise quotas.anthropic.tokens/,
    );
    expect(describeError(quota)).toEqual({ type: 'QuotaBlockError', category: 'quota' });

    const budget = new BudgetBlockError(
      {
        budgetId: 'team',
        scope: 'project',
        scopeValue: 'acme',
        action: 'block',
        period: 'daily',
        timeZone: 'UTC',
        periodStart: new Date('2024-05-01T00:00:00Z'),
        resetsAt: new Date('2024-05-02T00:00:00Z'),
        spentNanos: 9_990_000_000,
        estimatedNanos: 50_000_000,
        limitNanos: 10_000_000_000,
      },
      'gpt-4o',
    );
    expect(budget.code).toBe('BUDGET_BLOCKED');
    expect(budget.message).toContain(
      'budget "team" (project=acme, daily in UTC) refuses a call to gpt-4o: spent $9.99 + estimated $0.05 exceeds its $10.00 limit',
    );
    expect(budget.message).toMatch(
      /Wait for the reset at 2024-05-02T00:00:00.000Z, raise limit_usd/,
    );
    expect(describeError(budget)).toEqual({ type: 'BudgetBlockError', category: 'budget' });
  });
});
