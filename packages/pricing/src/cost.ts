/**
 * The cost of one call under one compiled price, exact, in pico-USD per cost part.
 *
 * Integer arithmetic on numbers, exact while every product and sum stays a safe integer
 * (< 2^53 pico-USD, about 9,007 USD for one call); a call beyond that is refused as invalid
 * usage rather than priced inexactly.
 *
 * Each priced unit is charged for its "leaf" quantity: its reported count minus what its
 * priced descendants already charged (genai-prices' decomposition). So cache reads priced at
 * their own rate are subtracted from input, never added on top, and reasoning tokens stay in
 * output unless the model has a reasoning rate. A tiered rate is chosen by the call's total
 * input tokens (`inputTokens > start`), and the chosen rate applies to the whole quantity.
 */
import type { CompiledPrice } from './price.js';
import type { CostPart } from './units.js';
import { type Counts, FIELD_NAMES } from './usage.js';

/** Position of each part in `pico`: input, cacheRead, cacheWrite, output, request. */
const PART_INDEX: Readonly<Record<CostPart, number>> = {
  input: 0,
  cacheRead: 1,
  cacheWrite: 2,
  output: 3,
  request: 4,
};

export type CostOutcome =
  | { readonly ok: true; readonly pico: readonly number[] }
  | {
      readonly ok: false;
      readonly reason: 'no_price_for_usage' | 'invalid_usage';
      readonly detail: string;
    };

const TOO_LARGE: CostOutcome = Object.freeze({
  ok: false,
  reason: 'invalid_usage',
  detail: 'the cost of the call exceeds 2^53 pico-USD (about 9,007 USD), beyond exact arithmetic',
});

/** Charges usage counts under `price`; the counts must already satisfy `countsProblem`. */
export function computeCost(price: CompiledPrice, counts: Counts): CostOutcome {
  for (const index of price.uncovered) {
    if ((counts[index] ?? 0) > 0)
      return {
        ok: false,
        reason: 'no_price_for_usage',
        detail: `the model has no price for ${FIELD_NAMES[index]}`,
      };
  }
  const threshold = counts[0] ?? 0;
  const pico = [0, 0, 0, 0, 0];
  const leaves: number[] = [];
  const { rates, descendants } = price;
  for (let index = 0; index < rates.length; index++) {
    const rate = rates[index];
    const children = descendants[index];
    if (!rate || !children) continue;
    let leaf = rate.count < 0 ? 1 : (counts[rate.count] ?? 0);
    for (const child of children) leaf -= leaves[child] ?? 0;
    if (leaf < 0)
      return {
        ok: false,
        reason: 'invalid_usage',
        detail: `the parts of ${FIELD_NAMES[rate.count] ?? 'requests'} exceed it`,
      };
    leaves[index] = leaf;
    let perUnit = rate.base;
    for (const tier of rate.tiers) if (threshold > tier.start) perUnit = tier.rate;
    const part = PART_INDEX[rate.part];
    const charged = (pico[part] ?? 0) + leaf * perUnit;
    if (!Number.isSafeInteger(charged)) return TOO_LARGE;
    pico[part] = charged;
  }
  return { ok: true, pico };
}
