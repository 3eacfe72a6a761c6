import { beforeAll, describe, expect, it } from 'vitest';
import { Agentmeter, GenAi } from '@agentmeter/conventions';
import { loadPricing, type PriceCatalog } from '@agentmeter/pricing';
import { ResponseCache } from '../src/response-cache.js';
import { RoutingClient } from '../src/routing/routing-client.js';
import type { ChatResponse } from '../src/types.js';
import { ScriptedProvider, messages, testConfig, tracing } from './routing-fixtures.js';
import { ManualClock } from '@agentmeter/test-kit';

const response = (text: string): ChatResponse => ({
  text,
  model: 'gpt-4o',
  usage: { inputTokens: 1, outputTokens: 1 },
  finishReasons: ['stop'],
});

describe('ResponseCache', () => {
  const key = (content: string, model = 'gpt-4o') =>
    ResponseCache.key({ model, messages: [{ role: 'user', content }] });

  it('keys on the model and everything that shapes the answer', () => {
    expect(key('a')).toBe(key('a'));
    expect(key('a')).not.toBe(key('b'));
    expect(key('a')).not.toBe(key('a', 'gpt-5'));
    const m = [{ role: 'user' as const, content: 'a' }];
    expect(ResponseCache.key({ model: 'x', messages: m, temperature: 0 })).not.toBe(
      ResponseCache.key({ model: 'x', messages: m, temperature: 1 }),
    );
    expect(ResponseCache.key({ model: 'x', messages: m, maxTokens: 10 })).not.toBe(
      ResponseCache.key({ model: 'x', messages: m }),
    );
  });

  it('serves an entry until its TTL, not after', () => {
    const cache = new ResponseCache({ ttlMs: 1_000 });
    cache.set('k', response('a'), 0);
    expect(cache.get('k', 999)?.text).toBe('a');
    expect(cache.get('k', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry past maxEntries', () => {
    const cache = new ResponseCache({ maxEntries: 2 });
    cache.set('a', response('a'), 0);
    cache.set('b', response('b'), 0);
    cache.get('a', 1); // a is now more recent than b
    cache.set('c', response('c'), 2);
    expect([cache.get('a', 3)?.text, cache.get('b', 3), cache.get('c', 3)?.text]).toEqual([
      'a',
      undefined,
      'c',
    ]);
  });

  it('refuses a useless size or TTL', () => {
    expect(() => new ResponseCache({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new ResponseCache({ ttlMs: 0 })).toThrow(RangeError);
  });
});

describe('RoutingClient with a response cache', () => {
  let pricing: PriceCatalog;
  beforeAll(async () => {
    pricing = await loadPricing();
  });

  function setup() {
    const openai = new ScriptedProvider('openai');
    const anthropic = new ScriptedProvider('anthropic');
    const t = tracing();
    const clock = new ManualClock();
    const router = new RoutingClient({
      config: testConfig(),
      providers: [openai, anthropic],
      tracer: t.tracer,
      clock,
      pricing,
      cache: new ResponseCache({ ttlMs: 60_000 }),
    });
    return { router, openai, t, clock };
  }

  it('a hit is a call span with zero cost and the saved cost, and no provider call', async () => {
    const { router, openai, t } = setup();
    // gpt-4o: 1,000 input × 2,500 + 500 output × 10,000 nano-USD = 7,500,000 nano-USD.
    openai.then({ reply: 'cached answer', usage: { inputTokens: 1000, outputTokens: 500 } });
    const miss = await router.complete({
      category: 'core_backend_high',
      role: 'builder',
      messages,
    });
    const hit = await router.complete({ category: 'core_backend_high', role: 'builder', messages });

    expect(openai.requests).toHaveLength(1);
    expect([miss.cacheHit, hit.cacheHit]).toEqual([false, true]);
    expect(hit.response.text).toBe('cached answer');
    expect(hit.savedNanos).toBe(7_500_000);
    expect(hit.cost).toBeUndefined();

    const [, hitSpan] = t.calls();
    expect(hitSpan?.attributes).toMatchObject({
      [Agentmeter.RESPONSE_CACHE_HIT]: true,
      [Agentmeter.COST_USD]: 0,
      [GenAi.USAGE_COST]: 0,
      [Agentmeter.RESPONSE_CACHE_SAVED_USD]: 0.0075,
      // Nothing was consumed: token rollups must not count a hit again.
      [GenAi.USAGE_INPUT_TOKENS]: 0,
      [GenAi.USAGE_OUTPUT_TOKENS]: 0,
      [Agentmeter.CATEGORY]: 'core_backend_high',
    });
    expect(hitSpan?.parentSpanContext?.spanId).toBe(t.routes()[1]?.spanContext().spanId);
  });

  it('misses for another model, and after the TTL', async () => {
    const { router, openai, clock } = setup();
    await router.complete({ category: 'core_backend_high', role: 'builder', messages, attempt: 1 });
    // Attempt 3 escalates to gpt-5: another model, another key.
    await router.complete({ category: 'core_backend_high', role: 'builder', messages, attempt: 3 });
    clock.advance(60_000);
    await router.complete({ category: 'core_backend_high', role: 'builder', messages, attempt: 1 });
    expect(openai.models()).toEqual(['gpt-4o', 'gpt-5', 'gpt-4o']);
  });

  it('does not cache an answer a fallback model gave under the selected model', async () => {
    const openai = new ScriptedProvider('openai');
    const anthropic = new ScriptedProvider('anthropic');
    const router = new RoutingClient({
      config: testConfig({ fallbacks: { content_policy: { 'gpt-4o': ['claude-sonnet-4-5'] } } }),
      providers: [openai, anthropic],
      clock: new ManualClock(),
      cache: new ResponseCache(),
    });
    openai.then({ error: 'content_policy' });
    await router.complete({ category: 'core_backend_high', role: 'builder', messages });
    const second = await router.complete({
      category: 'core_backend_high',
      role: 'builder',
      messages,
    });
    expect([second.cacheHit, second.model]).toEqual([false, 'gpt-4o']);
  });
});
