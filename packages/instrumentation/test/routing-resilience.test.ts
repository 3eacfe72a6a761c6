import { describe, expect, it } from 'vitest';
import { SpanStatusCode } from '@opentelemetry/api';
import { Agentmeter, GenAi } from '@agentmeter/conventions';
import { RoutingClient, type RoutingClientOptions } from '../src/routing/routing-client.js';
import type { RoutingConfigInput } from '../src/config/schema.js';
import { ScriptedProvider, messages, testConfig, tracing } from './routing-fixtures.js';
import { ManualClock } from '@agentmeter/test-kit';

function setup(
  extra: Partial<RoutingConfigInput> = {},
  options: Partial<RoutingClientOptions> = {},
) {
  const openai = new ScriptedProvider('openai');
  const anthropic = new ScriptedProvider('anthropic');
  const t = tracing();
  const clock = new ManualClock();
  const router = new RoutingClient({
    config: testConfig(extra),
    providers: [openai, anthropic],
    tracer: t.tracer,
    clock,
    ...options,
  });
  const docs = () => router.complete({ category: 'docs', role: 'builder', messages });
  return { router, openai, anthropic, t, clock, docs };
}

describe('retries', () => {
  it('honour Retry-After, capped by max_retry_after_ms', async () => {
    const { openai, clock, docs, t } = setup({ retry: { max_retry_after_ms: 5_000 } });
    openai.then(
      { error: 'rate_limit', retryAfterMs: 2_000 },
      { error: 'rate_limit', retryAfterMs: 60_000 },
    );
    const res = await docs();
    expect(clock.sleeps).toEqual([2_000, 5_000]);
    expect(openai.requests).toHaveLength(3);
    expect(res.decisions.rateLimit).toBe('delayed');
    // Every try is its own span; the ones after a Retry-After wait say so.
    const calls = t.calls();
    expect(calls.map((s) => s.status.code)).toEqual([
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
      SpanStatusCode.UNSET,
    ]);
    expect(calls.map((s) => s.attributes[Agentmeter.RATE_LIMIT_DECISION])).toEqual([
      undefined,
      'delayed',
      'delayed',
    ]);
    expect(calls[0]?.attributes[Agentmeter.ERROR_CATEGORY]).toBe('rate_limit');
    const retries = t.routes()[0]?.events.filter((e) => e.name === 'agentmeter.route.retry');
    expect(retries?.map((e) => e.attributes?.['wait_ms'])).toEqual([2_000, 5_000]);
  });

  it('back off exponentially without Retry-After, up to num_retries', async () => {
    const { openai, clock, docs } = setup({
      retry: { num_retries: 3, initial_backoff_ms: 100, max_backoff_ms: 300 },
    });
    openai.then(
      { error: 'server' },
      { error: 'timeout' },
      { error: 'network' },
      { error: 'server', status: 503 },
    );
    await expect(docs()).rejects.toMatchObject({ kind: 'server' });
    expect(clock.sleeps).toEqual([100, 200, 300]);
    expect(openai.requests).toHaveLength(4);
  });

  it('are not spent on kinds that will fail again', async () => {
    const { openai, clock, docs } = setup();
    openai.then({ error: 'auth', status: 401 });
    await expect(docs()).rejects.toMatchObject({ kind: 'auth' });
    expect(openai.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('follow retry_on', async () => {
    const { openai, docs } = setup({ retry: { retry_on: ['server'] } });
    openai.then({ error: 'rate_limit', retryAfterMs: 10 });
    await expect(docs()).rejects.toMatchObject({ kind: 'rate_limit' });
    expect(openai.requests).toHaveLength(1);
  });
});

describe('fallbacks', () => {
  it('on a context-window error, the context_window list is tried', async () => {
    const { openai, anthropic, docs, t } = setup({
      fallbacks: {
        context_window: { 'gpt-4o-mini': ['gpt-4o'] },
        default: { 'gpt-4o-mini': ['claude-haiku-4-5'] },
      },
    });
    openai.then({ error: 'context_window', status: 400 }, { reply: 'long context answer' });
    const res = await docs();
    expect(openai.models()).toEqual(['gpt-4o-mini', 'gpt-4o']);
    expect(anthropic.requests).toHaveLength(0);
    expect([res.model, res.response.text]).toEqual(['gpt-4o', 'long context answer']);
    const [failed, succeeded] = t.calls();
    expect(failed?.attributes[Agentmeter.ERROR_CATEGORY]).toBe('validation');
    expect(succeeded?.attributes[GenAi.REQUEST_MODEL]).toBe('gpt-4o');
    const fallback = t.routes()[0]?.events.find((e) => e.name === 'agentmeter.route.fallback');
    expect(fallback?.attributes).toEqual({
      from: 'gpt-4o-mini',
      to: 'gpt-4o',
      reason: 'context_window',
    });
  });

  it('on a content-policy refusal, the content_policy list is tried', async () => {
    const { openai, anthropic, docs } = setup({
      fallbacks: { content_policy: { 'gpt-4o-mini': ['claude-haiku-4-5'] } },
    });
    openai.then({ error: 'content_policy', status: 400 });
    const res = await docs();
    expect([res.model, res.provider]).toEqual(['claude-haiku-4-5', 'anthropic']);
    expect(anthropic.requests).toHaveLength(1);
  });

  it('a context-window error without a context_window fallback is thrown, not retried', async () => {
    const { openai, clock, docs } = setup({
      fallbacks: { default: { 'gpt-4o-mini': ['claude-haiku-4-5'] } },
    });
    openai.then({ error: 'context_window', status: 400 });
    await expect(docs()).rejects.toMatchObject({ kind: 'context_window' });
    expect(clock.sleeps).toEqual([]);
  });

  it('after retries are exhausted, the default list is tried', async () => {
    const { openai, anthropic, docs } = setup({
      retry: { num_retries: 1, initial_backoff_ms: 1 },
      fallbacks: { default: { 'gpt-4o-mini': ['claude-haiku-4-5'] } },
    });
    openai.then({ error: 'server' }, { error: 'server' });
    const res = await docs();
    expect(openai.requests).toHaveLength(2);
    expect(anthropic.models()).toEqual(['claude-haiku-4-5']);
    expect(res.model).toBe('claude-haiku-4-5');
  });

  it('stop at max_fallbacks and never loop between two models', async () => {
    const { openai, anthropic, docs } = setup({
      retry: { num_retries: 0 },
      fallbacks: {
        default: { 'gpt-4o-mini': ['claude-haiku-4-5'], 'claude-haiku-4-5': ['gpt-4o-mini'] },
      },
    });
    openai.then({ error: 'server' });
    anthropic.then({ error: 'server' });
    await expect(docs()).rejects.toMatchObject({
      kind: 'server',
      options: { provider: 'anthropic' },
    });
    expect(openai.requests.length + anthropic.requests.length).toBe(2);
  });
});

describe('cooldown', () => {
  const cooldown = { allowed_fails: 1, window_seconds: 60, cooldown_seconds: 5 };

  it('a provider failing more than allowed_fails per window is skipped until its cooldown ends', async () => {
    const { openai, anthropic, docs, clock, t } = setup({
      retry: { num_retries: 0 },
      cooldown,
      fallbacks: { default: { 'gpt-4o-mini': ['claude-haiku-4-5'] } },
    });
    openai.then({ error: 'server' }, { error: 'server' });
    // 1st failure: tolerated; the call falls back. 2nd: over allowed_fails → openai cools down.
    await docs();
    await docs();
    expect(openai.requests).toHaveLength(2);
    expect(t.routes()[1]?.events.map((e) => e.name)).toContain('agentmeter.route.cooldown');

    // While cooling, openai is not called at all.
    clock.advance(4_999);
    await docs();
    expect(openai.requests).toHaveLength(2);
    expect(anthropic.requests).toHaveLength(3);
    const skip = t.routes()[2]?.events.find((e) => e.name === 'agentmeter.route.fallback');
    expect(skip?.attributes?.['reason']).toBe('cooldown');

    // After cooldown_seconds, it is tried again.
    clock.advance(1);
    const res = await docs();
    expect([res.provider, openai.requests.length]).toEqual(['openai', 3]);
  });

  it('failures in different windows do not add up', async () => {
    const { openai, docs, clock } = setup({ retry: { num_retries: 0 }, cooldown });
    openai.then({ error: 'server' });
    await expect(docs()).rejects.toBeDefined();
    clock.advance(60_000);
    openai.then({ error: 'server' });
    await expect(docs()).rejects.toMatchObject({ kind: 'server' });
    // Not cooling: the next call reaches openai.
    await docs();
    expect(openai.requests).toHaveLength(3);
  });

  it("a request's own faults never cool a provider down", async () => {
    const { openai, docs } = setup({ cooldown: { ...cooldown, allowed_fails: 0 } });
    openai.then({ error: 'validation', status: 400 }, { error: 'context_window', status: 400 });
    await expect(docs()).rejects.toBeDefined();
    await expect(docs()).rejects.toBeDefined();
    await docs();
    expect(openai.requests).toHaveLength(3);
  });

  it('with no fallback available, a cooling provider refuses the call with a RoutingError', async () => {
    const { openai, docs } = setup({
      retry: { num_retries: 0 },
      cooldown: { ...cooldown, allowed_fails: 0 },
    });
    openai.then({ error: 'rate_limit' });
    await expect(docs()).rejects.toMatchObject({ kind: 'rate_limit' });
    await expect(docs()).rejects.toMatchObject({ code: 'ROUTING_NO_AVAILABLE_PROVIDER' });
    expect(openai.requests).toHaveLength(1);
  });

  it('cuts the retries of a provider that starts cooling mid-call', async () => {
    const { openai, docs, clock } = setup({
      retry: { num_retries: 5, initial_backoff_ms: 1 },
      cooldown,
    });
    openai.then({ error: 'server' }, { error: 'server' });
    await expect(docs()).rejects.toMatchObject({ kind: 'server' });
    expect(openai.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([1]);
  });

  it("the client's own loop moves past a cooling provider to the next attempt's model", async () => {
    const mixed = {
      strategy: 'progressive' as const,
      builder_primary: 'gpt-4o',
      escalate_to: { builder: 'claude-opus-4-5', after_attempts: 1 },
    };
    const { router, openai, anthropic, t } = setup({
      retry: { num_retries: 0 },
      cooldown: { ...cooldown, allowed_fails: 0 },
      llm_routing_policies: { mixed },
    });
    openai.then({ error: 'server' });
    const mixedCall = (maxAttempts: number) =>
      router.complete({ category: 'mixed', role: 'builder', messages, maxAttempts });
    await expect(mixedCall(1)).rejects.toMatchObject({ kind: 'server' });
    // openai now cools down: attempt 1 cannot run anywhere, attempt 2 escalates to anthropic.
    const res = await mixedCall(2);
    expect([res.attempt, res.provider, res.model]).toEqual([2, 'anthropic', 'claude-opus-4-5']);
    expect(openai.requests).toHaveLength(1);
    expect(anthropic.requests).toHaveLength(1);
    const failed = t.routes()[1]?.events.find((e) => e.name === 'agentmeter.route.attempt_failed');
    expect(failed?.attributes).toEqual({ attempt: 1, reason: 'cooldown' });
  });
});
