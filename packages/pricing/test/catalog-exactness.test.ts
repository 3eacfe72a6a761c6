/**
 * Properties over the whole bundled catalog: every price is an exact integer at the chosen
 * scale (pico-USD per unit), every model compiles, and the integer engine charges what
 * genai-prices' own float engine charges, up to float error.
 */
import { type Provider, calcPrice, waitForUpdate } from '@pydantic/genai-prices';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeCost } from '../src/cost.js';
import { scaleDecimal } from '../src/decimal.js';
import { type RawSchedule, compileSchedule, selectPrice } from '../src/schedule.js';
import { UNIT_BY_PRICE_KEY, unitAt } from '../src/units.js';
import { type TokenUsage, countsOf } from '../src/usage.js';

/**
 * Bundled values that are not short decimals: 0.18 carrying float noise, and about $1 per 12
 * million tokens (OpenRouter's Gemini cache writes), which no decimal scale represents. Both
 * are rounded half to even to the nearest pico-USD per token.
 */
const NOT_DECIMAL = new Set([0.18000000000000002, 0.08333333333333334]);

let providers: readonly Provider[];
beforeAll(async () => {
  providers = (await waitForUpdate()) ?? [];
});

function* priceVariants(): Generator<[string, Readonly<Record<string, unknown>>]> {
  for (const provider of providers) {
    for (const model of provider.models) {
      const list = Array.isArray(model.prices)
        ? model.prices.map((entry) => entry.prices)
        : [model.prices];
      for (const prices of list) yield [`${provider.id}/${model.id}`, prices];
    }
  }
}

describe('the bundled catalog', () => {
  it('has only prices that are exact integers in pico-USD per unit, bar the listed non-decimals', () => {
    const inexact: string[] = [];
    let checked = 0;
    for (const [name, prices] of priceVariants()) {
      for (const [key, value] of Object.entries(prices)) {
        const unit = UNIT_BY_PRICE_KEY.get(key);
        if (unit === undefined || value === undefined) continue;
        const tiered = value as { base: number; tiers: { price: number }[] };
        const amounts =
          typeof value === 'number'
            ? [value]
            : [tiered.base, ...tiered.tiers.map((tier) => tier.price)];
        for (const amount of amounts) {
          checked += 1;
          const scaled = scaleDecimal(amount, unitAt(unit).scale);
          if (!scaled?.exact && !NOT_DECIMAL.has(amount)) inexact.push(`${name} ${key}=${amount}`);
        }
      }
    }
    expect(inexact).toEqual([]);
    expect(checked).toBeGreaterThan(3_000);
  });

  it('compiles every model', () => {
    const failures: string[] = [];
    for (const provider of providers) {
      for (const model of provider.models) {
        const compiled = compileSchedule(model.prices as RawSchedule);
        if (!compiled.ok)
          failures.push(`${provider.id}/${model.id}: ${compiled.problems.join('; ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("charges what genai-prices' float engine charges, within float error", () => {
    const usages: TokenUsage[] = [
      {
        inputTokens: 123_457,
        outputTokens: 6_543,
        cacheReadTokens: 40_000,
        cacheWriteTokens: 20_000,
        cacheWrite1hTokens: 5_000,
        reasoningTokens: 1_000,
      },
      { inputTokens: 250_001, outputTokens: 1, cacheReadTokens: 100 },
      { inputTokens: 999, outputTokens: 77_777 },
    ];
    const times = [Date.parse('2025-01-01T03:00:00Z'), Date.parse('2026-11-24T12:00:00Z')];
    const mismatches: string[] = [];
    let compared = 0;
    for (const provider of providers) {
      for (const model of provider.models) {
        const compiled = compileSchedule(model.prices as RawSchedule);
        if (!compiled.ok) continue;
        for (const atMs of times) {
          for (const usage of usages) {
            const ours = computeCost(selectPrice(compiled.schedule, atMs), countsOf(usage));
            if (!ours.ok) continue; // explicitly unpriced here; genai-prices would charge those tokens $0
            let reference: number;
            try {
              const result = calcPrice(
                {
                  input_tokens: usage.inputTokens,
                  output_tokens: usage.outputTokens,
                  cache_read_tokens: usage.cacheReadTokens ?? 0,
                  cache_write_tokens: usage.cacheWriteTokens ?? 0,
                  cache_write_1h_tokens: usage.cacheWrite1hTokens ?? 0,
                  output_reasoning_tokens: usage.reasoningTokens ?? 0,
                },
                model.id,
                { provider, timestamp: new Date(atMs) },
              );
              if (!result) continue;
              reference = result.total_price;
            } catch {
              continue;
            }
            compared += 1;
            const usd = ours.pico.reduce((sum, part) => sum + part, 0) / 1e12;
            const tokens = usage.inputTokens + usage.outputTokens;
            // half a pico-USD per token for the non-decimal prices, plus float noise
            if (Math.abs(usd - reference) > tokens * 0.5e-12 + 1e-9 * Math.max(1, reference)) {
              mismatches.push(
                `${provider.id}/${model.id} at ${new Date(atMs).toISOString()}: ${usd} vs ${reference}`,
              );
            }
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(5_000);
  });
});
