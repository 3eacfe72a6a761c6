/**
 * A model price compiled to exact integers: every rate is pico-USD (1e-12 USD) per unit, which
 * makes every catalog price integral (prices have at most six decimals of USD per million
 * tokens). Compilation happens once per model; pricing a call only multiplies integers.
 * Rates are held as safe-integer numbers: integer arithmetic on numbers is exact below 2^53,
 * and the cost function refuses any product beyond it, so no BigInt runs per call.
 */
import { scaleDecimal } from './decimal.js';
import {
  type CostPart,
  UNIT_BY_PRICE_KEY,
  UNITS,
  type UnitDef,
  isAncestor,
  joinOf,
  unitAt,
} from './units.js';
import { FIELD_INDEX } from './usage.js';

/** A price as genai-prices writes it: a flat number or a base with input-size tiers. */
export interface RawTiered {
  readonly base: number;
  readonly tiers: readonly { readonly start: number; readonly price: number }[];
}
export type RawPrices = Readonly<Record<string, number | RawTiered | undefined>>;

export interface Tier {
  /** The tier applies when the call's total input tokens are strictly greater than `start`. */
  readonly start: number;
  readonly rate: number;
}

export interface Rate {
  /** Index into UNITS. */
  readonly unit: number;
  /** Index of the quantity in `Counts`, or -1 for the per-request fee (always 1). */
  readonly count: number;
  readonly part: CostPart;
  readonly base: number;
  /** Ascending by start. */
  readonly tiers: readonly Tier[];
}

export interface CompiledPrice {
  /** Most specific unit first, so a unit's descendants are priced before it. */
  readonly rates: readonly Rate[];
  /** For each rate, the indices (into `rates`) of its priced descendants. */
  readonly descendants: readonly (readonly number[])[];
  /** `Counts` indices that must be zero: no priced unit covers them. */
  readonly uncovered: readonly number[];
}

export type Compiled =
  | { readonly ok: true; readonly price: CompiledPrice }
  | { readonly ok: false; readonly problems: readonly string[] };

function countIndex(unit: UnitDef): number {
  return unit.source === 'requests' ? -1 : (FIELD_INDEX.get(unit.source) ?? -1);
}

/** The rate in pico-USD per unit; undefined when invalid or too large to multiply exactly. */
function toPico(value: number, scale: number): number | undefined {
  const pico = scaleDecimal(value, scale)?.value;
  return pico !== undefined && pico <= MAX_SAFE_PICO ? Number(pico) : undefined;
}

const MAX_SAFE_PICO = BigInt(Number.MAX_SAFE_INTEGER);

function compileRate(unit: number, raw: number | RawTiered, problems: string[]): Rate | undefined {
  const { scale, priceKey, part } = unitAt(unit);
  const count = countIndex(unitAt(unit));
  if (typeof raw === 'number') {
    const base = toPico(raw, scale);
    if (base === undefined)
      problems.push(
        `${priceKey}: expected a non-negative number below 2^53 pico-USD per unit, got ${raw}`,
      );
    return base === undefined ? undefined : { unit, count, part, base, tiers: [] };
  }
  const base = toPico(raw.base, scale);
  const tiers: Tier[] = [];
  for (const tier of raw.tiers) {
    const rate = toPico(tier.price, scale);
    if (rate === undefined || !Number.isSafeInteger(tier.start) || tier.start < 0) {
      problems.push(`${priceKey}: invalid tier ${JSON.stringify(tier)}`);
      return undefined;
    }
    tiers.push({ start: tier.start, rate });
  }
  if (base === undefined) {
    problems.push(`${priceKey}: invalid base ${raw.base}`);
    return undefined;
  }
  tiers.sort((a, b) => a.start - b.start);
  return { unit, count, part, base, tiers };
}

function specificity(rate: Rate): number {
  return Object.keys(unitAt(rate.unit).dimensions).length;
}

/**
 * Compiles the token-metered part of a price. Keys outside the unit table (web searches,
 * audio seconds, document pages) are skipped: token usage never reports them. Like
 * genai-prices, a unit needs its ancestors priced (a cache price needs an input price) and two
 * overlapping units need their join (cache reads plus audio input need cached-audio reads).
 */
export function compilePrice(raw: RawPrices): Compiled {
  const problems: string[] = [];
  const rates: Rate[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const unit = UNIT_BY_PRICE_KEY.get(key);
    if (unit === undefined || value === undefined) continue;
    const rate = compileRate(unit, value, problems);
    if (rate) rates.push(rate);
  }
  const priced = new Set(rates.map((rate) => rate.unit));
  for (const rate of rates) {
    const unit = unitAt(rate.unit);
    UNITS.forEach((other, index) => {
      if (isAncestor(other, unit) && !priced.has(index)) {
        problems.push(`${unit.priceKey} needs ${other.priceKey} as well`);
      }
    });
    for (const otherRate of rates) {
      const other = unitAt(otherRate.unit);
      if (other === unit || isAncestor(other, unit) || isAncestor(unit, other)) continue;
      const join = joinOf(unit, other);
      if (join && !priced.has(UNITS.indexOf(join)) && unit.priceKey < other.priceKey) {
        problems.push(
          `${unit.priceKey} and ${other.priceKey} overlap, so ${join.priceKey} is needed as well`,
        );
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  rates.sort((a, b) => specificity(b) - specificity(a) || a.unit - b.unit);
  const descendants = rates.map((rate) => {
    const unit = unitAt(rate.unit);
    return rates.flatMap((other, index) => (isAncestor(unit, unitAt(other.unit)) ? [index] : []));
  });
  const uncovered = UNITS.flatMap((unit, index) =>
    unit.source !== 'requests' &&
    !rates.some((rate) => rate.unit === index || isAncestor(unitAt(rate.unit), unit))
      ? [countIndex(unit)]
      : [],
  );
  return { ok: true, price: { rates, descendants, uncovered } };
}
