import { beforeAll, describe, expect, it } from 'vitest';
import { SpanStatusCode } from '@opentelemetry/api';
import { Agentmeter, ErrorCategory, GenAi } from '@agentmeter/conventions';
import { loadPricing, type PriceCatalog } from '@agentmeter/pricing';
import { RoutingClient, type RoutingClientOptions } from '../src/routing/routing-client.js';
import { BudgetBlockError, QuotaBlockError } from '@agentmeter/budgets';
import { BudgetEngine } from '@agentmeter/budgets';
import { QuotaTracker } from '@agentmeter/budgets';
import type { BudgetConfigInput } from '@agentmeter/budgets';
import {
  FixedBudget,
  budgetStatus,
  ScriptedProvider,
  messages,
  testConfig,
  tracing,
} from './routing-fixtures.js';
import { ManualClock } from '@agentmeter/test-kit';

let pricing: PriceCatalog;
beforeAll(async () => {
  pricing = await loadPricing();
});

function setup(options: Partial<RoutingClientOptions> = {}) {
  const openai = new ScriptedProvider('openai');
  const anthropic = new ScriptedProvider('anthropic');
  const t = tracing();
  const clock = new ManualClock();
  const router = new RoutingClient({
    config: testConfig({ fallbacks: { quota: { 'gpt-4o-mini': ['claude-haiku-4-5'] } } }),
    providers: [openai, anthropic],
    tracer: t.tracer,
    clock,
    pricing,
    ...options,
  });
  return { router, openai, anthropic, t, clock };
}

describe('cost', () => {
  it('equals the catalog price × tokens, computed by hand (gpt-4o, cache read)', async () => {
    const { router, openai, t } = setup();
    // gpt-4o: $2.50 / M input, $1.25 / M cached input, $10 / M output.
    openai.then({
      reply: 'x',
      usage: { inputTokens: 1000, cacheReadTokens: 200, outputTokens: 500 },
    });
    const res = await router.complete({ category: 'core_backend_high', role: 'builder', messages });
    const byHand = 800 * 2_500 + 200 * 1_250 + 500 * 10_000; // nano-USD per token × tokens
    expect(byHand).toBe(7_250_000);
    expect(res.cost).toMatchObject({ priced: true, costNanos: byHand });
    const span = t.calls()[0];
    expect(span?.attributes[Agentmeter.COST_USD]).toBeCloseTo(0.00725, 12);
    expect(span?.attributes[GenAi.USAGE_COST]).toBeCloseTo(0.00725, 12);
    expect(span?.attributes[GenAi.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(200);
    expect(span?.attributes[Agentmeter.PRICE_VERSION]).toBe(pricing.priceVersion);
  });

  it('equals the catalog price × tokens, computed by hand (claude-sonnet-4-5, cache read and write)', async () => {
    const { router, anthropic } = setup();
    // claude-sonnet-4-5: $3 / M input, $0.30 / M cache read, $3.75 / M cache write (5 min), $15 / M output.
    anthropic.then({
      reply: 'x',
      usage: { inputTokens: 2000, cacheReadTokens: 1000, cacheWriteTokens: 500, outputTokens: 100 },
    });
    const res = await router.complete({ category: 'core_backend_high', role: 'auditor', messages });
    const byHand = 500 * 3_000 + 1000 * 300 + 500 * 3_750 + 100 * 15_000;
    expect(res.cost).toMatchObject({ priced: true, costNanos: byHand });
    expect(byHand).toBe(5_175_000);
  });
});

describe('quota (QuotaTracker + quotaAction of the budget module)', () => {
  const daily = (limits: Record<string, number>) =>
    new QuotaTracker({
      quotas: Object.fromEntries(
        Object.entries(limits).map(([provider, tokens]) => [
          provider,
          { tokens, period: 'daily' as const },
        ]),
      ),
    });
  /** Uses up a provider's quota for the day of the fake clock. */
  const exhaust = (quotas: QuotaTracker, clock: ManualClock, provider: string, tokens: number) =>
    quotas.record(provider, tokens, new Date(clock.now()));

  it('blocks a never_fallback category: QuotaBlockError, an incident span, no provider call', async () => {
    const quotas = daily({ openai: 500 });
    const { router, openai, t } = setup({ quotas });
    const error = await router
      .complete({ category: 'security_auth_change', role: 'builder', messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaBlockError);
    expect((error as QuotaBlockError).detail).toMatchObject({
      provider: 'openai',
      category: 'security_auth_change',
      strategy: 'best_first',
      neverFallback: true,
      used: 0,
      limit: 500,
    });
    expect(openai.requests).toHaveLength(0);
    const [incident] = t.calls();
    expect(incident?.status.code).toBe(SpanStatusCode.ERROR);
    expect(incident?.attributes).toMatchObject({
      [Agentmeter.QUOTA_DECISION]: 'blocked',
      [GenAi.ERROR_TYPE]: 'QuotaBlockError',
      [Agentmeter.ERROR_CATEGORY]: ErrorCategory.QUOTA,
      [Agentmeter.CATEGORY]: 'security_auth_change',
      [GenAi.REQUEST_MODEL]: 'gpt-5',
    });
    expect(incident?.parentSpanContext?.spanId).toBe(t.routes()[0]?.spanContext().spanId);
    expect(t.routes()[0]?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('is checked with the estimate (chars / 4 + maxTokens) and charged with the usage', async () => {
    const quotas = daily({ openai: 10_000 });
    const { router, openai, clock } = setup({ quotas });
    openai.then({ reply: 'x', usage: { inputTokens: 30, outputTokens: 70 } });
    const res = await router.complete({
      category: 'docs',
      role: 'builder',
      messages,
      maxTokens: 200,
    });
    expect(res.decisions.quota).toBe('allowed');
    expect(quotas.check('openai', 0, new Date(clock.now())).used).toBe(100);
    // 37 characters → 10 tokens, + maxTokens: exactly at a 210-token limit is allowed, one more is not.
    const tight = setup({ quotas: daily({ openai: 210 }) });
    await expect(
      tight.router.complete({
        category: 'core_backend_high',
        role: 'builder',
        messages,
        maxTokens: 201,
      }),
    ).rejects.toBeInstanceOf(QuotaBlockError);
    await expect(
      tight.router.complete({
        category: 'core_backend_high',
        role: 'builder',
        messages,
        maxTokens: 200,
      }),
    ).resolves.toMatchObject({ model: 'gpt-4o' });
  });

  it('progressive blocks on exhaustion (progressive_block_on_exhaustion)', async () => {
    const quotas = daily({ openai: 100 });
    const { router, clock } = setup({ quotas });
    exhaust(quotas, clock, 'openai', 100);
    const error = await router
      .complete({ category: 'core_backend_high', role: 'builder', messages })
      .catch((e: unknown) => e);
    expect((error as QuotaBlockError).detail).toMatchObject({
      strategy: 'progressive',
      neverFallback: false,
      used: 100,
    });
  });

  it('cheap_first falls back to the equivalent model at another provider (raise_incident)', async () => {
    const quotas = daily({ openai: 100 });
    const { router, openai, anthropic, t, clock } = setup({ quotas });
    exhaust(quotas, clock, 'openai', 100);
    const res = await router.complete({ category: 'docs', role: 'builder', messages });
    expect([res.model, res.provider, res.decisions.quota]).toEqual([
      'claude-haiku-4-5',
      'anthropic',
      'fallback',
    ]);
    expect(openai.requests).toHaveLength(0);
    expect(anthropic.models()).toEqual(['claude-haiku-4-5']);
    expect(t.calls()[0]?.attributes[Agentmeter.QUOTA_DECISION]).toBe('fallback');
  });

  it('blocks a fallback when the other provider is exhausted too', async () => {
    const quotas = daily({ openai: 100, anthropic: 100 });
    const { router, clock } = setup({ quotas });
    exhaust(quotas, clock, 'openai', 100);
    exhaust(quotas, clock, 'anthropic', 100);
    await expect(
      router.complete({ category: 'docs', role: 'builder', messages }),
    ).rejects.toBeInstanceOf(QuotaBlockError);
  });

  it("downgrades to the model's downgrade_to when on_quota_exhaustion says downgrade", async () => {
    const quotas = daily({ openai: 100 });
    const { router, openai, clock } = setup({
      quotas,
      config: testConfig({ quota_enforcement: { on_quota_exhaustion: 'downgrade' } }),
    });
    exhaust(quotas, clock, 'openai', 100);
    // A category without a policy (strategy `complexity`) follows on_quota_exhaustion.
    const res = await router.complete({
      category: 'frontend',
      role: 'builder',
      messages,
      complexity: 'high',
    });
    expect([res.model, res.strategy, res.decisions.quota]).toEqual([
      'gpt-4o',
      'complexity',
      'downgraded',
    ]);
    expect(openai.models()).toEqual(['gpt-4o']);
  });

  it('blocks a downgrade when the model names no cheaper one', async () => {
    const quotas = daily({ openai: 100 });
    const { router, clock } = setup({
      quotas,
      config: testConfig({ quota_enforcement: { cheap_first_allow_downgrade: true } }),
    });
    exhaust(quotas, clock, 'openai', 100);
    // docs' builder gpt-4o-mini has no downgrade_to.
    await expect(
      router.complete({ category: 'docs', role: 'builder', messages }),
    ).rejects.toBeInstanceOf(QuotaBlockError);
  });

  it('resets with its period: the next day the call goes through', async () => {
    const quotas = daily({ openai: 5_000 });
    const { router, clock } = setup({ quotas });
    exhaust(quotas, clock, 'openai', 5_000);
    await expect(
      router.complete({ category: 'core_backend_high', role: 'builder', messages }),
    ).rejects.toBeInstanceOf(QuotaBlockError);
    clock.advance(86_400_000);
    await expect(
      router.complete({ category: 'core_backend_high', role: 'builder', messages }),
    ).resolves.toMatchObject({
      decisions: { quota: 'allowed' },
    });
  });

  it('asks an injected quotaAction with the category and strategy of the call', async () => {
    const asked: unknown[] = [];
    const quotas = daily({ openai: 1 });
    const { router } = setup({
      quotas,
      quotaAction: (enforcement, category, strategy, exhausted) => {
        asked.push([enforcement.never_fallback_categories, category, strategy, exhausted]);
        return 'allow';
      },
    });
    const res = await router.complete({ category: 'frontend', role: 'builder', messages });
    expect(res.decisions.quota).toBe('allowed');
    expect(asked).toEqual([[['security_auth_change'], 'frontend', 'complexity', true]]);
  });
});

describe('budget (BudgetEngine of the budget module)', () => {
  // gpt-4o, 1,000 input + 500 output tokens: 1000 × 2,500 + 500 × 10,000 = 7,500,000 nano-USD a call.
  const usage = { inputTokens: 1000, outputTokens: 500 };
  // The pre-call estimate: 10 input tokens (37 chars / 4) × 2,500 + maxTokens 500 × 10,000 = 5,025,000.
  const run = (router: RoutingClient) =>
    router.complete({ category: 'core_backend_high', role: 'builder', messages, maxTokens: 500 });
  const engine = (budget: Partial<BudgetConfigInput>) =>
    new BudgetEngine({
      budgets: [{ id: 'team-daily', scope: 'global', period: 'daily', limit_usd: 0.02, ...budget }],
    });
  const spent = (budgets: BudgetEngine, clock: ManualClock) =>
    budgets.statuses({ model: 'gpt-4o' }, new Date(clock.now()))[0]?.spentNanos;

  it('blocks the call whose estimate would cross the limit, and not the one before', async () => {
    const budgets = engine({ action: 'block' });
    const { router, openai, t, clock } = setup({ budgets });
    openai.then({ reply: '1', usage }, { reply: '2', usage }, { reply: '3', usage });
    // Spent 0 → 7.5 M → 15 M; 15 M + 5.025 M estimate > 20 M: the third call is refused.
    await expect(run(router)).resolves.toMatchObject({ decisions: { budget: 'allowed' } });
    await expect(run(router)).resolves.toMatchObject({ decisions: { budget: 'allowed' } });
    expect(spent(budgets, clock)).toBe(15_000_000);
    const error = await run(router).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetBlockError);
    expect((error as BudgetBlockError).status).toMatchObject({
      budgetId: 'team-daily',
      spentNanos: 15_000_000,
      estimatedNanos: 5_025_000,
      limitNanos: 20_000_000,
    });
    expect(openai.requests).toHaveLength(2);
    const incident = t.calls()[2];
    expect(incident?.attributes).toMatchObject({
      [Agentmeter.BUDGET_DECISION]: 'blocked',
      [Agentmeter.BUDGET_ID]: 'team-daily',
      [GenAi.ERROR_TYPE]: 'BudgetBlockError',
      [Agentmeter.ERROR_CATEGORY]: ErrorCategory.BUDGET,
    });
  });

  it('downgrades the call that crosses the limit to the named model', async () => {
    const budgets = engine({
      action: 'downgrade',
      downgrade_to: 'claude-haiku-4-5',
      limit_usd: 0.01,
    });
    const { router, openai, anthropic, t, clock } = setup({ budgets });
    openai.then({ reply: '1', usage });
    anthropic.then({ reply: '2', usage: { inputTokens: 1000, outputTokens: 500 } });
    const first = await run(router);
    const second = await run(router);
    expect([first.model, first.decisions.budget]).toEqual(['gpt-4o', 'allowed']);
    expect([second.model, second.provider, second.decisions]).toEqual([
      'claude-haiku-4-5',
      'anthropic',
      { budget: 'downgraded', budgetId: 'team-daily' },
    ]);
    expect(anthropic.models()).toEqual(['claude-haiku-4-5']);
    expect(openai.models()).toEqual(['gpt-4o']);
    expect(t.calls()[1]?.attributes[Agentmeter.BUDGET_DECISION]).toBe('downgraded');
    // claude-haiku-4-5: 1,000 × 1,000 + 500 × 5,000 = 3,500,000 nano-USD, recorded in the budget.
    expect(spent(budgets, clock)).toBe(7_500_000 + 3_500_000);
  });

  it('an alert lets the call through and is recorded as alerted', async () => {
    const budgets = engine({ action: 'alert_only', limit_usd: 0.000001 });
    const { router, openai, t } = setup({ budgets });
    const res = await run(router);
    expect(res.decisions).toEqual({ budget: 'alerted', budgetId: 'team-daily' });
    expect(openai.requests).toHaveLength(1);
    expect(t.calls()[0]?.attributes[Agentmeter.BUDGET_DECISION]).toBe('alerted');
  });

  it("a guard's downgrade without a model uses the model's own downgrade_to", async () => {
    const budgets = new FixedBudget({ action: 'downgrade', id: 'b', status: budgetStatus('b') });
    const { router } = setup({ budgets });
    await expect(run(router)).resolves.toMatchObject({
      model: 'gpt-4o-mini',
      decisions: { budget: 'downgraded' },
    });
  });

  it('a downgrade with nowhere to go is refused', async () => {
    const budgets = new FixedBudget({ action: 'downgrade', id: 'b', status: budgetStatus('b') });
    const { router } = setup({ budgets });
    await expect(
      router.complete({ category: 'docs', role: 'builder', messages }),
    ).rejects.toBeInstanceOf(BudgetBlockError);
  });

  it('a guard that blocks without a status fails closed', async () => {
    const { router, openai } = setup({ budgets: new FixedBudget({ action: 'block', id: 'b' }) });
    await expect(run(router)).rejects.toMatchObject({ code: 'ROUTING_INVALID_OPTIONS' });
    expect(openai.requests).toHaveLength(0);
  });
});
