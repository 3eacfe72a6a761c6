/**
 * The lookup cache the hot path relies on: a (provider, model) pair is resolved once, however many
 * calls price it, and the cache stays bounded. bench/pricing.mjs measures what this buys (ns per
 * cached and cold `priceCall`); a test asserts behaviour, never a time.
 */
import { describe, expect, it } from 'vitest';
import { PriceCatalog } from '../src/catalog.js';
import type { Resolution, Resolver } from '../src/resolver.js';

function countingCatalog(maxCachedModels: number) {
  const resolved: string[] = [];
  const resolver = {
    resolve(provider: string | undefined, model: string): Resolution {
      resolved.push(`${provider}/${model}`);
      return { kind: 'missing', reason: 'unknown_model', detail: 'test' };
    },
  } as unknown as Resolver;
  const catalog = new PriceCatalog(resolver, 'test', { maxCachedModels, maxUnpricedPairs: 100 });
  const call = (model: string) =>
    catalog.priceCall({
      provider: 'openai',
      model,
      timestamp: 1_780_000_000_000,
      usage: { inputTokens: 1_234, outputTokens: 567 },
    });
  return { resolved, call };
}

describe('hot path', () => {
  it('resolves a (provider, model) pair once for any number of calls', () => {
    const { resolved, call } = countingCatalog(8);
    for (let i = 0; i < 1_000; i++) call(i % 2 === 0 ? 'gpt-4o' : 'gpt-4o-mini');
    expect(resolved).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini']);
  });

  it('keeps at most maxCachedModels resolutions, evicting the oldest first', () => {
    const { resolved, call } = countingCatalog(2);
    for (const model of ['a', 'b', 'c', 'b', 'a']) call(model);
    // 'a' was evicted by 'c'; 'b' stayed; 'a' is resolved again (and evicts 'b').
    expect(resolved).toEqual(['openai/a', 'openai/b', 'openai/c', 'openai/a']);
  });
});
