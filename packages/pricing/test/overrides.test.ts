/** User price overrides: private models, discounts, dated prices, precedence, validation. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PriceResult, PricingError, loadPricing } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-pricing-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const BEFORE = Date.parse('2025-12-31T23:59:59Z');
const AFTER = Date.parse('2026-01-01T00:00:00Z');
const MTOK = { inputTokens: 1_000_000, outputTokens: 0 };
const usd = (result: PriceResult): number => {
  if (!result.priced) throw new Error(`${result.reason}: ${result.detail}`);
  return result.costNanos / 1e9;
};

const OVERRIDES = `
# negotiated terms
providers:
  - provider: openai
    multiplier: 0.8
    effective_from: 2026-01-01
  - provider: anthropic
    multiplier: 0.5
models:
  - provider: acme
    model: acme-ft-1
    prices: { input_mtok: 0.5, output_mtok: 1.5 }
  - provider: openai
    match: { starts_with: "ft:gpt-4o-mini" }
    prices: { input_mtok: 0.2, cache_read_mtok: 0.1, output_mtok: 0.8 }
  - provider: anthropic
    model: claude-sonnet-4-5
    multiplier: 0.9
  - provider: gcp.gemini
    model: gemini-2.5-flash
    effective_from: 2026-01-01
    prices: { input_mtok: 0.25, output_mtok: 2 }
  - provider: deepseek
    model: deepseek-chat
    prices: { input_mtok: 0.2, output_mtok: 0.4 }
`;

describe('override file', () => {
  it('adds private and fine-tuned models', async () => {
    const catalog = await loadPricing({ overridesFile: file('a.yaml', OVERRIDES) });
    expect(
      usd(
        catalog.priceCall({ provider: 'acme', model: 'ACME-FT-1', timestamp: AFTER, usage: MTOK }),
      ),
    ).toBe(0.5);
    const ft = catalog.priceCall({
      provider: 'openai',
      model: 'ft:gpt-4o-mini-2024-07-18:acme::abc123',
      timestamp: AFTER,
      usage: MTOK,
    });
    // genai-prices lists fine-tuned gpt-4o-mini at $0.30; the negotiated $0.20 wins
    expect(ft).toMatchObject({ priced: true, priceSource: 'override' });
    expect(usd(ft)).toBe(0.2);
    expect(
      catalog.priceCall({ provider: 'acme', model: 'acme-ft-2', timestamp: AFTER, usage: MTOK }),
    ).toMatchObject({ priced: false, reason: 'unknown_model' });
  });

  it('applies a provider multiplier from its effective date, exactly', async () => {
    const catalog = await loadPricing({ overridesFile: file('b.yaml', OVERRIDES) });
    expect(
      usd(
        catalog.priceCall({ provider: 'openai', model: 'gpt-4o', timestamp: BEFORE, usage: MTOK }),
      ),
    ).toBe(2.5);
    // $2.50 × 0.8 = $2.00
    expect(
      usd(
        catalog.priceCall({ provider: 'openai', model: 'gpt-4o', timestamp: AFTER, usage: MTOK }),
      ),
    ).toBe(2);
  });

  it('a model multiplier replaces the provider multiplier', async () => {
    const catalog = await loadPricing({ overridesFile: file('c.yaml', OVERRIDES) });
    const usage = { inputTokens: 100_000, outputTokens: 0 };
    // claude-sonnet-4-5: 100,000 × $3 × 0.9 = 270,000 µUSD; claude-haiku-4-5: 100,000 × $1 × 0.5 = 50,000 µUSD
    expect(
      catalog.priceCall({
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        timestamp: AFTER,
        usage,
      }),
    ).toMatchObject({ costNanos: 270_000_000 });
    expect(
      catalog.priceCall({
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        timestamp: AFTER,
        usage,
      }),
    ).toMatchObject({ costNanos: 50_000_000 });
  });

  it('explicit prices apply from effective_from; the catalog price applies before', async () => {
    const catalog = await loadPricing({ overridesFile: file('d.yaml', OVERRIDES) });
    expect(
      usd(
        catalog.priceCall({
          provider: 'gemini',
          model: 'gemini-2.5-flash',
          timestamp: BEFORE,
          usage: MTOK,
        }),
      ),
    ).toBe(0.3);
    expect(
      usd(
        catalog.priceCall({
          provider: 'gemini',
          model: 'gemini-2.5-flash',
          timestamp: AFTER,
          usage: MTOK,
        }),
      ),
    ).toBe(0.25);
  });

  it("an undated user price beats the shipped corrections' later dates", async () => {
    const catalog = await loadPricing({ overridesFile: file('e.yaml', OVERRIDES) });
    expect(
      usd(
        catalog.priceCall({
          provider: 'deepseek',
          model: 'deepseek-chat',
          timestamp: AFTER,
          usage: MTOK,
        }),
      ),
    ).toBe(0.2);
  });

  it('keeps the integer arithmetic exact under a multiplier', async () => {
    const catalog = await loadPricing({
      overrides: { providers: [{ provider: 'openai', multiplier: 0.333 }] },
    });
    const result = catalog.priceCall({
      provider: 'openai',
      model: 'gpt-4o',
      timestamp: AFTER,
      usage: { inputTokens: 7, outputTokens: 3 },
    });
    // (7 × 2.50 + 3 × 10) µUSD × 0.333 = 47.5 × 0.333 = 15.8175 µUSD = 15,817.5 nano-USD → 15,818 (half to even)
    expect(result).toMatchObject({ priced: true, costNanos: 15_818 });
    if (result.priced) {
      const { input, cacheRead, cacheWrite, output, request } = result.parts;
      expect(input + cacheRead + cacheWrite + output + request).toBe(15_818);
      expect(Math.abs(input - 7 * 2.5 * 0.333 * 1000)).toBeLessThan(1);
      expect(Math.abs(output - 3 * 10 * 0.333 * 1000)).toBeLessThan(1);
    }
  });

  it('reads JSON as well as YAML', async () => {
    const path = file(
      'f.json',
      JSON.stringify({
        models: [{ provider: 'acme', model: 'm', prices: { input_mtok: 1, output_mtok: 2 } }],
      }),
    );
    const catalog = await loadPricing({ overridesFile: path });
    expect(
      usd(catalog.priceCall({ provider: 'acme', model: 'm', timestamp: AFTER, usage: MTOK })),
    ).toBe(1);
  });
});

describe('price_version', () => {
  it('is the genai-prices release alone without overrides', async () => {
    const catalog = await loadPricing({ defaultOverrides: false });
    expect(catalog.priceVersion).toBe('genai-prices@0.1.8');
    expect(
      catalog.priceCall({ provider: 'openai', model: 'gpt-4o', timestamp: AFTER, usage: MTOK })
        .priceVersion,
    ).toBe('genai-prices@0.1.8');
  });

  it('adds a short hash of the override content: stable across layout and notes, changed by prices', async () => {
    const a = await loadPricing({
      defaultOverrides: false,
      overridesFile: file(
        'g.yaml',
        'models:\n  - { provider: acme, model: m, prices: { input_mtok: 1 } }\n',
      ),
    });
    const b = await loadPricing({
      defaultOverrides: false,
      overridesFile: file(
        'h.yaml',
        '# same prices\nmodels:\n  - provider: acme\n    prices:\n      input_mtok: 1\n    model: m\n    source: https://example.com\n',
      ),
    });
    const c = await loadPricing({
      defaultOverrides: false,
      overridesFile: file(
        'i.yaml',
        'models:\n  - { provider: acme, model: m, prices: { input_mtok: 2 } }\n',
      ),
    });
    expect(a.priceVersion).toMatch(/^genai-prices@0\.1\.8\+[0-9a-f]{8}$/);
    expect(b.priceVersion).toBe(a.priceVersion);
    expect(c.priceVersion).not.toBe(a.priceVersion);
  });

  it('includes the shipped corrections by default', async () => {
    expect((await loadPricing()).priceVersion).toMatch(/^genai-prices@0\.1\.8\+[0-9a-f]{8}$/);
  });
});

describe('validation', () => {
  it('refuses an invalid file listing every problem with its path', async () => {
    const path = file(
      'bad.yaml',
      `
models:
  - provider: acme
    model: a
    prices: { input_mok: 1 }
  - provider: acme
    model: b
    multiplier: -1
  - provider: acme
    model: c
    match: { equals: c }
    prices: { input_mtok: 1 }
  - provider: acme
    model: d
    prices: { input_mtok: 0.0000001 }
  - provider: acme
    model: e
    prices: { cache_read_mtok: 1 }
  - provider: acme
    model: f
    effective_from: "next tuesday"
    prices: { input_mtok: 1 }
`,
    );
    const error = await loadPricing({ overridesFile: path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PricingError);
    const { code, problems, message } = error as PricingError;
    expect(code).toBe('PRICING_OVERRIDES_INVALID');
    const paths = problems.map((problem) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'models[0].prices',
        'models[1].multiplier',
        'models[2]',
        'models[3].prices.input_mtok',
        'models[4].prices',
        'models[5].effective_from',
      ]),
    );
    expect(message).toContain(path);
    expect(problems.find((problem) => problem.path === 'models[4].prices')?.message).toContain(
      'cache_read_mtok needs input_mtok',
    );
  });

  it('reports an unreadable or malformed file with its own code', async () => {
    await expect(loadPricing({ overridesFile: join(dir, 'missing.yaml') })).rejects.toMatchObject({
      code: 'PRICING_OVERRIDES_UNREADABLE',
    });
    const error = await loadPricing({
      overridesFile: file('syntax.yaml', 'models: [\n  { provider: acme\n'),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'PRICING_OVERRIDES_UNREADABLE' });
    expect((error as PricingError).problems[0]?.path).toMatch(/^line \d+, column \d+$/);
  });
});
