import { describe, expect, it } from 'vitest';
import type { Attributes } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SamplingDecision,
  SimpleSpanProcessor,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { loadPricing } from '@agentmeter/pricing';
import { BudgetEngine } from '@agentmeter/budgets';
import { Agentmeter, GenAi } from '@agentmeter/conventions';
import { RoutingClient } from '../src/routing/routing-client.js';
import { RoutingError } from '../src/routing/errors.js';
import { loadRoutingConfig } from '../src/config/load.js';
import { ScriptedProvider, messages, testConfig, tracing } from './routing-fixtures.js';
import { ManualClock } from '@agentmeter/test-kit';

function setup(config = testConfig()) {
  const openai = new ScriptedProvider('openai');
  const anthropic = new ScriptedProvider('anthropic');
  const t = tracing();
  const router = new RoutingClient({
    config,
    providers: [openai, anthropic],
    tracer: t.tracer,
    clock: new ManualClock(),
  });
  return { router, openai, anthropic, t };
}

describe('model selection per strategy', () => {
  it('best_first uses the primary on every attempt and never escalates', async () => {
    const { router } = setup();
    for (const attempt of [1, 2, 3, 10]) {
      const res = await router.complete({
        category: 'security_auth_change',
        role: 'builder',
        messages,
        attempt,
      });
      expect([res.model, res.escalated, res.strategy]).toEqual(['gpt-5', false, 'best_first']);
    }
  });

  it('progressive escalates exactly at attempt after_attempts + 1, per role', async () => {
    const { router } = setup();
    const pick = async (role: string, attempt: number) =>
      (await router.complete({ category: 'core_backend_high', role, messages, attempt })).model;
    // after_attempts: 2 → attempts 1 and 2 on the primary, 3 onwards escalated.
    expect(await pick('builder', 1)).toBe('gpt-4o');
    expect(await pick('builder', 2)).toBe('gpt-4o');
    expect(await pick('builder', 3)).toBe('gpt-5');
    expect(await pick('builder', 4)).toBe('gpt-5');
    expect(await pick('auditor', 2)).toBe('claude-sonnet-4-5');
    expect(await pick('auditor', 3)).toBe('claude-opus-4-5');
  });

  it('cheap_first escalates only the roles escalate_to names', async () => {
    const { router } = setup();
    const pick = async (role: string, attempt: number) =>
      router.complete({ category: 'docs', role, messages, attempt });
    expect((await pick('builder', 3)).model).toBe('gpt-4o-mini');
    const escalated = await pick('builder', 4);
    expect([escalated.model, escalated.escalated, escalated.escalatedFrom]).toEqual([
      'gpt-4o',
      true,
      'gpt-4o-mini',
    ]);
    // No `escalate_to.auditor`: the auditor stays on its primary.
    expect((await pick('auditor', 9)).model).toBe('gpt-4o-mini');
  });

  it('records escalation, strategy, role and attempt on the call span', async () => {
    const { router, t } = setup();
    await router.complete({
      category: 'core_backend_high',
      role: 'builder',
      messages,
      attempt: 3,
      maxTokens: 800,
      temperature: 0.2,
    });
    const [span] = t.calls();
    expect(span?.name).toBe('chat gpt-5');
    expect(span?.attributes).toMatchObject({
      [Agentmeter.CATEGORY]: 'core_backend_high',
      [Agentmeter.CATEGORY_SOURCE]: 'explicit',
      [Agentmeter.STRATEGY]: 'progressive',
      [Agentmeter.ROLE]: 'builder',
      [Agentmeter.ATTEMPT]: 3,
      [Agentmeter.ESCALATED]: true,
      [Agentmeter.ESCALATED_FROM]: 'gpt-4o',
      [Agentmeter.ESCALATION_REASON]: 'escalation_threshold_reached',
      [GenAi.PROVIDER_NAME]: 'openai',
      [GenAi.REQUEST_MODEL]: 'gpt-5',
      [GenAi.REQUEST_MAX_TOKENS]: 800,
      [GenAi.REQUEST_TEMPERATURE]: 0.2,
    });
  });

  it("the client's own loop escalates after failed attempts", async () => {
    const { router, openai } = setup();
    // Each attempt fails for good (auth is not retried), so the loop moves to the next attempt.
    openai.then({ error: 'auth' }, { error: 'auth' }, { reply: 'escalated answer' });
    const res = await router.complete({
      category: 'core_backend_high',
      role: 'builder',
      messages,
      maxAttempts: 3,
    });
    expect(openai.models()).toEqual(['gpt-4o', 'gpt-4o', 'gpt-5']);
    expect([res.attempt, res.escalated, res.response.text]).toEqual([3, true, 'escalated answer']);
  });

  it("the client's own loop moves on when a response is not accepted", async () => {
    const { router, openai } = setup();
    openai.then({ reply: 'bad' }, { reply: 'bad' }, { reply: 'good' });
    const res = await router.complete({
      category: 'core_backend_high',
      role: 'builder',
      messages,
      maxAttempts: 5,
      accept: (r) => r.text === 'good',
    });
    expect(openai.models()).toEqual(['gpt-4o', 'gpt-4o', 'gpt-5']);
    expect(res.attempt).toBe(3);
  });

  it('the loop continues from the attempt the caller gives, and rethrows the last failure', async () => {
    const { router, openai } = setup();
    openai.then({ error: 'auth' }, { error: 'auth' });
    await expect(
      router.complete({
        category: 'core_backend_high',
        role: 'builder',
        messages,
        attempt: 2,
        maxAttempts: 2,
      }),
    ).rejects.toMatchObject({ kind: 'auth' });
    expect(openai.models()).toEqual(['gpt-4o', 'gpt-5']);
  });

  it('all calls of one complete() are children of one routing span', async () => {
    const { router, openai, t } = setup();
    openai.then({ error: 'auth' });
    await router.complete({
      category: 'core_backend_high',
      role: 'builder',
      messages,
      attempt: 2,
      maxAttempts: 2,
    });
    const [route] = t.routes();
    const calls = t.calls();
    expect(route?.name).toBe('agentmeter.route core_backend_high');
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.parentSpanContext?.spanId).toBe(route?.spanContext().spanId);
      expect(call.spanContext().traceId).toBe(route?.spanContext().traceId);
    }
    // The routing span is no LLM span: the ingester would count it as a call.
    expect(
      Object.keys(route?.attributes ?? {}).filter((k) => /^(gen_ai|agentmeter|llm)\./.test(k)),
    ).toEqual([]);
    expect(route?.events.map((e) => e.name)).toEqual(['agentmeter.route.attempt_failed']);
  });
});

describe('category', () => {
  const config = loadRoutingConfig(new URL('../examples/models.yaml', import.meta.url).pathname);

  it('is detected from the description by the configured rules, first match wins', async () => {
    const { router, t } = setup(config);
    const detect = async (description: string, changedFiles?: string[]) =>
      (await router.complete({ role: 'builder', messages, description, changedFiles })).category;
    expect(await detect('Add OAuth login to the API')).toBe('security_auth_change');
    expect(await detect('Schema migration: drop the legacy column')).toBe(
      'schema_contract_change_destructive',
    );
    expect(await detect('Schema migration adding an index')).toBe(
      'schema_contract_change_additive',
    );
    expect(await detect('Vendor the retry library from GitHub')).toBe(
      'external_feature_reuse_remote',
    );
    expect(await detect('Reuse the internal library for paging')).toBe(
      'external_feature_reuse_internal',
    );
    expect(await detect('Refactor the order pipeline')).toBe('core_backend_high');
    expect(t.calls().every((s) => s.attributes[Agentmeter.CATEGORY_SOURCE] === 'detected')).toBe(
      true,
    );
  });

  it('is detected from changed files, with files_match all for docs and tests', async () => {
    const { router } = setup(config);
    const detect = async (changedFiles: string[]) =>
      (
        await router.complete({
          role: 'builder',
          messages,
          description: 'Update things',
          changedFiles,
        })
      ).category;
    expect(await detect(['docs/guide.md', 'README.md'])).toBe('docs');
    expect(await detect(['docs/guide.md', 'src/server.ts'])).toBe('core_backend_high');
    expect(await detect(['src/x.test.ts', 'test/y.ts'])).toBe('tests');
    expect(await detect(['src/auth/session.ts', 'README.md'])).toBe('security_auth_change');
  });

  it('an explicit category wins over detection and is recorded as explicit', async () => {
    const { router, t } = setup(config);
    const res = await router.complete({
      category: 'docs',
      role: 'builder',
      messages,
      description: 'Fix OAuth',
    });
    expect([res.category, res.categorySource, res.model]).toEqual([
      'docs',
      'explicit',
      'gpt-4o-mini',
    ]);
    expect(t.calls()[0]?.attributes[Agentmeter.CATEGORY_SOURCE]).toBe('explicit');
  });

  it('a category without a policy falls back to complexity_models (strategy `complexity`)', async () => {
    const { router, t } = setup();
    const low = await router.complete({ category: 'frontend', role: 'auditor', messages });
    expect([low.model, low.strategy, low.escalated]).toEqual([
      'claude-haiku-4-5',
      'complexity',
      false,
    ]);
    const high = await router.complete({
      category: 'frontend',
      role: 'builder',
      messages,
      complexity: 'high',
      attempt: 7,
    });
    expect([high.model, high.strategy]).toEqual(['gpt-5', 'complexity']);
    expect(t.calls()[0]?.attributes[Agentmeter.STRATEGY]).toBe('complexity');
  });

  it('without a route the call is refused with a RoutingError saying what to add', async () => {
    const { router } = setup(testConfig({ default_complexity: undefined }));
    await expect(
      router.complete({ category: 'frontend', role: 'builder', messages }),
    ).rejects.toMatchObject({
      code: 'ROUTING_NO_ROUTE',
    });
    await expect(router.complete({ category: 'docs', role: 'reviewer', messages })).rejects.toThrow(
      /reviewer_primary/,
    );
    await expect(
      router.complete({ category: 'docs', role: 'builder', messages, attempt: 0 }),
    ).rejects.toBeInstanceOf(RoutingError);
  });
});

describe('construction', () => {
  it('refuses a config naming a provider without a client', () => {
    expect(
      () =>
        new RoutingClient({ config: testConfig(), providers: [new ScriptedProvider('openai')] }),
    ).toThrow(/"anthropic" \(for claude-sonnet-4-5, claude-haiku-4-5, claude-opus-4-5\)/);
  });

  it('takes providers as a record too', async () => {
    const openai = new ScriptedProvider('openai');
    const router = new RoutingClient({
      config: testConfig(),
      providers: { openai, anthropic: new ScriptedProvider('anthropic') },
      clock: new ManualClock(),
    });
    await router.complete({ category: 'docs', role: 'builder', messages });
    expect(openai.models()).toEqual(['gpt-4o-mini']);
  });
});

describe('content capture', () => {
  const secretMessages = [
    { role: 'user' as const, content: 'Mail jane.doe@example.com about ticket ACME-123' },
  ];

  it('is off by default', async () => {
    const { router, t } = setup();
    await router.complete({ category: 'docs', role: 'builder', messages: secretMessages });
    const attributes = t.calls()[0]?.attributes ?? {};
    expect(attributes[GenAi.INPUT_MESSAGES]).toBeUndefined();
    expect(attributes[GenAi.OUTPUT_MESSAGES]).toBeUndefined();
  });

  it('when on, records prompts and responses through redactSecrets and the given redactor', async () => {
    const openai = new ScriptedProvider('openai').then({ reply: 'Sent to jane.doe@example.com' });
    const t = tracing();
    const router = new RoutingClient({
      config: testConfig(),
      providers: [openai, new ScriptedProvider('anthropic')],
      tracer: t.tracer,
      clock: new ManualClock(),
      captureContent: true,
      redact: (text) => text.replaceAll(/ACME-\d+/g, '[TICKET]'),
    });
    await router.complete({ category: 'docs', role: 'builder', messages: secretMessages });
    const attributes = t.calls()[0]?.attributes ?? {};
    const input = String(attributes[GenAi.INPUT_MESSAGES]);
    const output = String(attributes[GenAi.OUTPUT_MESSAGES]);
    expect(JSON.parse(input)).toEqual([
      {
        role: 'user',
        parts: [{ type: 'text', content: 'Mail [REDACTED:email] about ticket [TICKET]' }],
      },
    ]);
    expect(output).toContain('[REDACTED:email]');
    expect(`${input}${output}`).not.toContain('jane.doe');
    // The provider still got the real prompt.
    expect(openai.requests[0]?.messages[0]?.content).toContain('jane.doe@example.com');
  });
});

describe('sampling', () => {
  it('samplers see the semconv attributes at creation; a sampled-out call still routes, prices and spends', async () => {
    const seen: Attributes[] = [];
    const sampler: Sampler = {
      shouldSample: (_context, _traceId, name, _kind, attributes) => {
        if (!name.startsWith('agentmeter.route')) seen.push({ ...attributes });
        return { decision: SamplingDecision.NOT_RECORD };
      },
      toString: () => 'records what it was shown, samples nothing',
    };
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      sampler,
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const clock = new ManualClock(Date.now());
    const budgets = new BudgetEngine({
      budgets: [{ id: 'g', scope: 'global', period: 'daily', limit_usd: 100, action: 'block' }],
    });
    const router = new RoutingClient({
      config: testConfig(),
      providers: [new ScriptedProvider('openai'), new ScriptedProvider('anthropic')],
      tracer: provider.getTracer('sampled-out'),
      pricing: await loadPricing(),
      budgets,
      clock,
    });

    const res = await router.complete({ category: 'docs', role: 'builder', messages });
    expect(res.model).toBe('gpt-4o-mini');
    expect(res.cost?.priced).toBe(true);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen).toEqual([
      {
        [GenAi.OPERATION_NAME]: 'chat',
        [GenAi.PROVIDER_NAME]: 'openai',
        [GenAi.REQUEST_MODEL]: 'gpt-4o-mini',
      },
    ]);
    const [status] = budgets.statuses({ model: 'gpt-4o-mini' }, new Date(clock.now()));
    expect(status?.spentNanos).toBe(res.cost?.priced ? res.cost.costNanos : Number.NaN);
  });
});
