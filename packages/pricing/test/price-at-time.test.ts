/** The price in force at the call's timestamp: start dates, time-of-day windows, dated overrides. */
import { beforeAll, describe, expect, it } from 'vitest';
import { type PriceCatalog, type PriceResult, loadPricing } from '../src/index.js';

const MTOK = { inputTokens: 1_000_000, outputTokens: 0 };
const usd = (result: PriceResult): number => {
  if (!result.priced) throw new Error(result.detail);
  return result.costNanos / 1e9;
};

let shipped: PriceCatalog;
let bundled: PriceCatalog;
beforeAll(async () => {
  shipped = await loadPricing();
  bundled = await loadPricing({ defaultOverrides: false });
});

const at = (catalog: PriceCatalog, provider: string, model: string, iso: string) =>
  usd(catalog.priceCall({ provider, model, timestamp: Date.parse(iso), usage: MTOK }));

describe('start-date history', () => {
  it('o3 input dropped from $10 to $2 per million on 2025-06-10', () => {
    expect(at(shipped, 'openai', 'o3', '2025-06-09T23:59:59.999Z')).toBe(10);
    expect(at(shipped, 'openai', 'o3', '2025-06-10T00:00:00Z')).toBe(2);
  });

  it('gemini-3.6-flash moves from its introductory $0.75 to $1.50 on 2027-01-01', () => {
    expect(at(shipped, 'gcp.gemini', 'gemini-3.6-flash', '2026-12-31T23:59:59Z')).toBe(0.75);
    expect(at(shipped, 'gcp.gemini', 'gemini-3.6-flash', '2027-01-01T00:00:00Z')).toBe(1.5);
  });

  it('accepts a Date as well as epoch milliseconds', () => {
    const result = shipped.priceCall({
      provider: 'openai',
      model: 'o3',
      timestamp: new Date('2025-01-01T00:00:00Z'),
      usage: MTOK,
    });
    expect(usd(result)).toBe(10);
  });
});

describe('time-of-day windows (DeepSeek off-peak, before September 2025)', () => {
  it('deepseek-chat input is $0.27 in standard hours (00:30-16:30 UTC) and $0.135 off-peak', () => {
    expect(at(shipped, 'deepseek', 'deepseek-chat', '2025-03-01T12:00:00Z')).toBe(0.27);
    expect(at(shipped, 'deepseek', 'deepseek-chat', '2025-03-01T20:00:00Z')).toBe(0.135);
    expect(at(shipped, 'deepseek', 'deepseek-chat', '2025-03-01T00:15:00Z')).toBe(0.135);
  });
});

describe('dated corrections in overrides/default.yaml', () => {
  it('DeepSeek: $0.56 from 16:00 UTC on 2025-09-05 (no off-peak), $0.28 from 2025-09-29', () => {
    expect(at(shipped, 'deepseek', 'deepseek-chat', '2025-09-05T15:59:59Z')).toBe(0.27);
    expect(at(shipped, 'deepseek', 'deepseek-chat', '2025-09-05T16:00:00Z')).toBe(0.56);
    expect(at(shipped, 'deepseek', 'deepseek-chat', '2025-09-10T20:00:00Z')).toBe(0.56);
    expect(at(shipped, 'deepseek', 'deepseek-reasoner', '2025-10-01T20:00:00Z')).toBe(0.28);
  });

  it('the bundled catalog alone still has the outdated off-peak price', () => {
    expect(at(bundled, 'deepseek', 'deepseek-chat', '2025-10-01T20:00:00Z')).toBe(0.135);
  });

  it('marks a corrected price as coming from an override', () => {
    const result = shipped.priceCall({
      provider: 'deepseek',
      model: 'deepseek-chat',
      timestamp: Date.parse('2025-10-01T00:00:00Z'),
      usage: MTOK,
    });
    expect(result).toMatchObject({ priced: true, priceSource: 'override' });
  });
});
