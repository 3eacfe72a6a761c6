/** Unpriced is explicit: a reason instead of $0, and a readable count per (provider, model). */
import { describe, expect, it } from 'vitest';
import { loadPricing } from '../src/index.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const USAGE = { inputTokens: 1_000, outputTokens: 100 };

describe('unpriced calls', () => {
  it('an unknown model is unpriced with a reason, never $0, and counted', async () => {
    const catalog = await loadPricing();
    const result = catalog.priceCall({
      provider: 'openai',
      model: 'gpt-99-ultra',
      timestamp: NOW,
      usage: USAGE,
    });
    expect(result).toMatchObject({
      priced: false,
      reason: 'unknown_model',
      priceVersion: catalog.priceVersion,
    });
    expect(result).not.toHaveProperty('costNanos');
    catalog.priceCall({ provider: 'openai', model: 'gpt-99-ultra', timestamp: NOW, usage: USAGE });
    catalog.priceCall({ provider: 'acme', model: 'x', timestamp: NOW, usage: USAGE });
    catalog.priceCall({ provider: 'openai', model: 'gpt-4o', timestamp: NOW, usage: USAGE });
    expect(catalog.unpricedModels()).toEqual([
      { provider: 'openai', model: 'gpt-99-ultra', reason: 'unknown_model', count: 2 },
      { provider: 'acme', model: 'x', reason: 'unknown_model', count: 1 },
    ]);
  });

  it('a model with no price for the tokens reported is unpriced (audio-seconds model, empty catalog entry)', async () => {
    const catalog = await loadPricing();
    expect(
      catalog.priceCall({ provider: 'openai', model: 'whisper-1', timestamp: NOW, usage: USAGE }),
    ).toMatchObject({
      priced: false,
      reason: 'no_price_for_usage',
    });
    expect(
      catalog.priceCall({
        provider: 'openrouter',
        model: 'qwen/qwen3-coder:free',
        timestamp: NOW,
        usage: USAGE,
      }),
    ).toMatchObject({
      priced: false,
      reason: 'no_price_for_usage',
    });
  });

  it('malformed usage and timestamps are refused, not priced', async () => {
    const catalog = await loadPricing();
    const bad = [
      { inputTokens: -1, outputTokens: 0 },
      { inputTokens: 1.5, outputTokens: 0 },
      { inputTokens: 10, outputTokens: 5, reasoningTokens: 6 },
      { inputTokens: 10, outputTokens: 0, cacheWriteTokens: 5, cacheWrite1hTokens: 6 },
    ];
    for (const usage of bad) {
      expect(
        catalog.priceCall({ provider: 'openai', model: 'gpt-4o', timestamp: NOW, usage }),
      ).toMatchObject({ priced: false, reason: 'invalid_usage' });
    }
    expect(
      catalog.priceCall({
        provider: 'openai',
        model: 'gpt-4o',
        timestamp: Number.NaN,
        usage: USAGE,
      }),
    ).toMatchObject({
      priced: false,
      reason: 'invalid_usage',
    });
  });

  it('a cost beyond exact arithmetic (2^53 pico-USD, ~9,007 USD per call) is refused; just below it is exact', async () => {
    // $1,000 per million output tokens = 10^9 pico-USD per token.
    const catalog = await loadPricing({
      overrides: {
        models: [
          {
            provider: 'acme',
            model: 'dear',
            effective_from: '2026-01-01',
            prices: { input_mtok: 0, output_mtok: 1_000 },
          },
        ],
      },
    });
    const call = (outputTokens: number) =>
      catalog.priceCall({
        provider: 'acme',
        model: 'dear',
        timestamp: NOW,
        usage: { inputTokens: 0, outputTokens },
      });
    expect(call(9_007_199)).toMatchObject({ priced: true, costNanos: 9_007_199_000_000 });
    expect(call(9_007_200)).toMatchObject({
      priced: false,
      reason: 'invalid_usage',
      detail: expect.stringContaining('2^53 pico-USD'),
    });
  });

  it('an override-only model is unpriced before its first effective date', async () => {
    const catalog = await loadPricing({
      overrides: {
        models: [
          { provider: 'acme', model: 'm', effective_from: '2026-01-01', prices: { input_mtok: 1 } },
        ],
      },
    });
    expect(
      catalog.priceCall({
        provider: 'acme',
        model: 'm',
        timestamp: Date.parse('2025-06-01T00:00:00Z'),
        usage: USAGE,
      }),
    ).toMatchObject({
      priced: false,
      reason: 'no_price_at_time',
    });
  });

  it('counts pairs up to a bound, then under provider and model "*"', async () => {
    const catalog = await loadPricing({ maxUnpricedPairs: 2 });
    for (const model of ['a', 'b', 'c', 'd'])
      catalog.priceCall({ provider: 'acme', model, timestamp: NOW, usage: USAGE });
    expect(catalog.unpricedModels()).toEqual([
      { provider: 'acme', model: 'a', reason: 'unknown_model', count: 1 },
      { provider: 'acme', model: 'b', reason: 'unknown_model', count: 1 },
      { provider: '*', model: '*', reason: 'unknown_model', count: 2 },
    ]);
  });

  it('zero tokens cost zero on a priced model', async () => {
    const catalog = await loadPricing();
    expect(
      catalog.priceCall({
        provider: 'openai',
        model: 'gpt-4o',
        timestamp: NOW,
        usage: { inputTokens: 0, outputTokens: 0 },
      }),
    ).toMatchObject({
      priced: true,
      costNanos: 0,
    });
  });
});
