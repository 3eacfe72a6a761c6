/**
 * The price-overrides file: private or fine-tuned models, negotiated discounts and corrected
 * prices, each optionally dated. The zod schema is the single source of its types.
 */
import { z } from 'zod';
import { scaleDecimal } from '../decimal.js';
import type { MatchRule } from '../match.js';
import { compilePrice } from '../price.js';
import { UNITS } from '../units.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds of `YYYY-MM-DD` (UTC midnight) or an ISO 8601 date-time with a zone. */
export function parseEffectiveFrom(text: string): number | undefined {
  if (!DATE_ONLY.test(text) && !DATE_TIME.test(text)) return undefined;
  const ms = Date.parse(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? undefined : ms;
}

const effectiveFrom = z.string().refine((text) => parseEffectiveFrom(text) !== undefined, {
  message:
    'expected a date (YYYY-MM-DD, UTC) or an ISO 8601 date-time with a zone, e.g. 2025-09-05T16:00:00Z',
});

const nonNegative = z.number().nonnegative();

const priceValue = z.union([
  nonNegative,
  z
    .object({
      base: nonNegative,
      tiers: z
        .array(z.object({ start: z.number().int().nonnegative(), price: nonNegative }).strict())
        .min(1),
    })
    .strict(),
]);

/** Every price key of the unit table, each optional; unknown keys are refused by name. */
const prices = z
  .object(
    Object.fromEntries(UNITS.map((unit) => [unit.priceKey, priceValue.optional()])) as Record<
      string,
      z.ZodOptional<typeof priceValue>
    >,
  )
  .strict()
  .superRefine((value, ctx) => {
    for (const unit of UNITS) {
      const price = value[unit.priceKey];
      if (price === undefined) continue;
      const amounts =
        typeof price === 'number'
          ? [price]
          : [price.base, ...price.tiers.map((tier) => tier.price)];
      if (amounts.some((amount) => !scaleDecimal(amount, unit.scale)?.exact)) {
        ctx.addIssue({
          code: 'custom',
          path: [unit.priceKey],
          message: `at most ${unit.scale} decimal places (one pico-USD per unit), found ${amounts.join(', ')}`,
        });
      }
    }
    const compiled = compilePrice(value);
    if (!compiled.ok)
      for (const problem of compiled.problems) ctx.addIssue({ code: 'custom', message: problem });
    if (Object.values(value).every((price) => price === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give at least one price, e.g. input_mtok and output_mtok',
      });
    }
  });

const regex = z.string().refine(
  (text) => {
    try {
      new RegExp(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

export const matchRule: z.ZodType<MatchRule> = z.lazy(() =>
  z.union([
    z.object({ equals: z.string().min(1) }).strict(),
    z.object({ starts_with: z.string().min(1) }).strict(),
    z.object({ ends_with: z.string().min(1) }).strict(),
    z.object({ contains: z.string().min(1) }).strict(),
    z.object({ regex }).strict(),
    z.object({ or: z.array(matchRule).min(1) }).strict(),
    z.object({ and: z.array(matchRule).min(1) }).strict(),
  ]),
);

const modelRule = z
  .object({
    /** Provider name as spans carry it (`openai`, `gcp.vertex_ai`, ...) or a new one (`acme`). */
    provider: z.string().min(1),
    /** Exact model name (case-insensitive), matched against the call's name and the catalog's id. */
    model: z.string().min(1).optional(),
    /** Or a genai-prices style match rule. */
    match: matchRule.optional(),
    /** Explicit prices, USD per million tokens (`*_mtok`) or per thousand requests (`requests_kcount`). */
    prices: prices.optional(),
    /** Or a factor applied to the catalog price, e.g. 0.8 for a 20% discount. */
    multiplier: nonNegative.optional(),
    effective_from: effectiveFrom.optional(),
    /** Evidence (price page URL, contract reference); documentation only. */
    source: z.string().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if ((rule.model === undefined) === (rule.match === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of `model` or `match`' });
    }
    if ((rule.prices === undefined) === (rule.multiplier === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of `prices` or `multiplier`' });
    }
  });

const providerRule = z
  .object({
    provider: z.string().min(1),
    /** Applies to every catalog price of the provider that no model rule covers. */
    multiplier: nonNegative,
    effective_from: effectiveFrom.optional(),
    source: z.string().optional(),
  })
  .strict();

export const OverridesSchema = z
  .object({
    version: z.literal(1).optional(),
    providers: z.array(providerRule).default([]),
    models: z.array(modelRule).default([]),
  })
  .strict();

export type Overrides = z.infer<typeof OverridesSchema>;
export type ModelRuleInput = Overrides['models'][number];
export type ProviderRuleInput = Overrides['providers'][number];
