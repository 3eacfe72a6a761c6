/** A guard against losing the lookup cache; bench/pricing.mjs measures the real figures. */
import { describe, expect, it } from 'vitest';
import { loadPricing } from '../src/index.js';

describe('hot path', () => {
  it('prices a cached (provider, model) far faster than a cold lookup', async () => {
    const catalog = await loadPricing();
    const call = (model: string) =>
      catalog.priceCall({
        provider: 'openai',
        model,
        timestamp: 1_780_000_000_000,
        usage: { inputTokens: 1_234, outputTokens: 567, cacheReadTokens: 200 },
      });
    const coldStart = performance.now();
    for (const model of [
      'gpt-4o',
      'gpt-4.1',
      'o3',
      'o4-mini',
      'gpt-5',
      'gpt-4o-mini',
      'gpt-4.1-mini',
      'gpt-5-mini',
    ])
      call(model);
    const coldPerCall = (performance.now() - coldStart) / 8;
    const runs = 20_000;
    const warmStart = performance.now();
    for (let i = 0; i < runs; i++) call('gpt-4o');
    const warmPerCall = (performance.now() - warmStart) / runs;
    // Generous bounds for a shared two-core machine: well under 20 µs, and 10× faster than cold.
    expect(warmPerCall).toBeLessThan(0.02);
    expect(warmPerCall * 10).toBeLessThan(coldPerCall);
  });
});
