/**
 * Costs computed by hand from the providers' published per-million-token prices. Expected
 * values are written as explicit arithmetic in micro-USD (tokens × USD/MTok), then converted
 * to nano-USD (× 1000); nothing here calls the implementation to get an expected value.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type PriceCatalog, type PriceResult, loadPricing } from '../src/index.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
/** micro-USD (tokens × USD per million) → nano-USD. */
const nanos = (microUsd: number): number => Math.round(microUsd * 1000);

function cost(result: PriceResult): number {
  if (!result.priced) throw new Error(`unpriced: ${result.reason}: ${result.detail}`);
  return result.costNanos;
}

let catalog: PriceCatalog;
beforeAll(async () => {
  catalog = await loadPricing();
});

describe('published prices', () => {
  it('gpt-4o: $2.50 input, $1.25 cached input, $10 output', () => {
    const result = catalog.priceCall({
      provider: 'openai',
      model: 'gpt-4o',
      timestamp: NOW,
      usage: { inputTokens: 12_345, cacheReadTokens: 2_000, outputTokens: 678 },
    });
    // 10,345 uncached × 2.50 + 2,000 cached × 1.25 + 678 × 10 = 25,862.5 + 2,500 + 6,780 µUSD
    expect(cost(result)).toBe(nanos(10_345 * 2.5 + 2_000 * 1.25 + 678 * 10));
    expect(cost(result)).toBe(35_142_500);
  });

  it('claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 5-minute write, $6 one-hour write, $15 output', () => {
    const result = catalog.priceCall({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      timestamp: NOW,
      usage: {
        inputTokens: 61_000,
        cacheReadTokens: 50_000,
        cacheWriteTokens: 10_000,
        cacheWrite1hTokens: 6_000,
        outputTokens: 2_000,
      },
    });
    // 1,000 uncached × 3 + 50,000 × 0.30 + 4,000 × 3.75 + 6,000 × 6 + 2,000 × 15
    expect(cost(result)).toBe(
      nanos(1_000 * 3 + 50_000 * 0.3 + 4_000 * 3.75 + 6_000 * 6 + 2_000 * 15),
    );
    expect(cost(result)).toBe(99_000_000);
    if (result.priced) {
      expect(result.parts).toEqual({
        input: nanos(1_000 * 3),
        cacheRead: nanos(50_000 * 0.3),
        cacheWrite: nanos(4_000 * 3.75 + 6_000 * 6),
        output: nanos(2_000 * 15),
        request: 0,
      });
    }
  });

  it('gemini-2.5-flash: $0.30 input, $0.03 cached, $2.50 output including thinking', () => {
    const result = catalog.priceCall({
      provider: 'gcp.gemini',
      model: 'gemini-2.5-flash',
      timestamp: NOW,
      usage: {
        inputTokens: 10_000,
        cacheReadTokens: 4_000,
        outputTokens: 2_000,
        reasoningTokens: 1_500,
      },
    });
    // 6,000 × 0.30 + 4,000 × 0.03 + 2,000 × 2.50 (reasoning has no separate price: it is output)
    expect(cost(result)).toBe(nanos(6_000 * 0.3 + 4_000 * 0.03 + 2_000 * 2.5));
  });

  it('a model without a cache price bills cached tokens once, at the input rate', () => {
    const result = catalog.priceCall({
      provider: 'groq',
      model: 'llama-3.3-70b-versatile',
      timestamp: NOW,
      usage: { inputTokens: 10_000, cacheReadTokens: 4_000, outputTokens: 100 },
    });
    // $0.59 input, $0.79 output: the 4,000 cached tokens are inside the 10,000
    expect(cost(result)).toBe(nanos(10_000 * 0.59 + 100 * 0.79));
  });

  it('a separate reasoning price applies to reasoning tokens only (perplexity sonar-deep-research)', () => {
    const result = catalog.priceCall({
      provider: 'perplexity',
      model: 'sonar-deep-research',
      timestamp: NOW,
      usage: { inputTokens: 100, outputTokens: 1_000, reasoningTokens: 600 },
    });
    // $2 input, $8 output, $3 reasoning: 100 × 2 + 400 × 8 + 600 × 3
    expect(cost(result)).toBe(nanos(100 * 2 + 400 * 8 + 600 * 3));
  });

  it('a per-request fee is charged once per call (perplexity sonar: $12 per 1000 requests)', () => {
    const result = catalog.priceCall({
      provider: 'perplexity',
      model: 'sonar',
      timestamp: NOW,
      usage: { inputTokens: 1_000, outputTokens: 1_000 },
    });
    // 1,000 × 1 + 1,000 × 1 µUSD + 12 USD / 1000 = 12,000 µUSD
    expect(cost(result)).toBe(nanos(1_000 * 1 + 1_000 * 1 + 12_000));
    if (result.priced) expect(result.parts.request).toBe(nanos(12_000));
  });
});

describe('long-context tiers', () => {
  const sonnet = (usage: { inputTokens: number; cacheReadTokens?: number; outputTokens: number }) =>
    cost(
      catalog.priceCall({
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        timestamp: NOW,
        usage,
      }),
    );

  it('at 200,000 input tokens the base rates apply', () => {
    expect(sonnet({ inputTokens: 200_000, outputTokens: 1_000 })).toBe(
      nanos(200_000 * 3 + 1_000 * 15),
    );
  });

  it('past 200,000 input tokens every token is billed at the long-context rates ($6, $22.50)', () => {
    expect(sonnet({ inputTokens: 250_000, outputTokens: 1_000 })).toBe(
      nanos(250_000 * 6 + 1_000 * 22.5),
    );
  });

  it('cached tokens count toward the threshold and are billed at the long-context cache rate', () => {
    // 150,000 uncached + 60,000 cached = 210,000 > 200,000: $6 input, $0.60 cache read
    expect(sonnet({ inputTokens: 210_000, cacheReadTokens: 60_000, outputTokens: 0 })).toBe(
      nanos(150_000 * 6 + 60_000 * 0.6),
    );
  });

  it('gemini-2.5-pro: $1.25/$10 up to 200k, $2.50/$15 above', () => {
    const pro = (inputTokens: number) =>
      cost(
        catalog.priceCall({
          provider: 'gcp.gemini',
          model: 'gemini-2.5-pro',
          timestamp: NOW,
          usage: { inputTokens, outputTokens: 1_000 },
        }),
      );
    expect(pro(100_000)).toBe(nanos(100_000 * 1.25 + 1_000 * 10));
    expect(pro(300_000)).toBe(nanos(300_000 * 2.5 + 1_000 * 15));
  });
});

describe('rounding', () => {
  // deepseek-v4-pro before 2026-08-17, outside its peak windows: cache hits $0.003625 = 3.625 nano-USD per token
  const cached = (tokens: number) =>
    cost(
      catalog.priceCall({
        provider: 'deepseek',
        model: 'deepseek-v4-pro',
        timestamp: Date.parse('2026-07-01T12:00:00Z'),
        usage: { inputTokens: tokens, cacheReadTokens: tokens, outputTokens: 0 },
      }),
    );

  it('rounds the exact total half to even, once per call', () => {
    expect(cached(1)).toBe(4); // 3.625 → 4
    expect(cached(2)).toBe(7); // 7.25 → 7
    expect(cached(4)).toBe(14); // 14.5 → 14 (even)
    expect(cached(12)).toBe(44); // 43.5 → 44 (even)
  });

  it('keeps sub-nano prices exact over many tokens instead of rounding per token', () => {
    // 1,000,001 × 3.625 = 3,625,003.625 nano-USD; per-token rounding would give 4,000,004
    expect(cached(1_000_001)).toBe(3_625_004);
  });
});
