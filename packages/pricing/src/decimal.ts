/**
 * Exact decimal arithmetic for prices. JavaScript numbers such as 0.075 are not exact binary
 * fractions, so prices are never multiplied as floats: a number is read through its shortest
 * round-trip decimal text (what `String(n)` prints) and scaled into an integer.
 */

/** A non-negative decimal as `digits × 10^exponent`. */
interface Decimal {
  readonly digits: bigint;
  readonly exponent: number;
}

const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/;

function parseDecimal(value: number): Decimal | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const match = DECIMAL_TEXT.exec(String(value));
  if (!match) return undefined;
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  const exponent = Number(match[3] ?? '0') - fraction.length;
  return { digits: BigInt(whole + fraction), exponent };
}

/** Integer division rounded half to even; the one rounding rule of this package. */
export function divRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const twiceRemainder = (numerator % denominator) * 2n;
  if (twiceRemainder > denominator) return quotient + 1n;
  if (twiceRemainder === denominator && quotient % 2n === 1n) return quotient + 1n;
  return quotient;
}

export interface Scaled {
  /** The value in units of 10^-scale, rounded half to even when `exact` is false. */
  readonly value: bigint;
  /** True when no digit was dropped. */
  readonly exact: boolean;
}

/**
 * Scales a finite non-negative number to an integer count of 10^-scale units, e.g.
 * `scaleDecimal(0.0375, 6)` is 37500n exactly. Returns undefined for negative or non-finite input.
 */
export function scaleDecimal(value: number, scale: number): Scaled | undefined {
  const decimal = parseDecimal(value);
  if (!decimal) return undefined;
  const shift = decimal.exponent + scale;
  if (shift >= 0) return { value: decimal.digits * 10n ** BigInt(shift), exact: true };
  const divisor = 10n ** BigInt(-shift);
  return {
    value: divRoundHalfEven(decimal.digits, divisor),
    exact: decimal.digits % divisor === 0n,
  };
}

/** An exact non-negative rational `numerator / denominator`, e.g. a discount multiplier. */
export interface Ratio {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

export const ONE: Ratio = { numerator: 1n, denominator: 1n };

/** Reads a finite non-negative number as an exact decimal ratio (0.85 → 85/100). */
export function toRatio(value: number): Ratio | undefined {
  const decimal = parseDecimal(value);
  if (!decimal) return undefined;
  return decimal.exponent >= 0
    ? { numerator: decimal.digits * 10n ** BigInt(decimal.exponent), denominator: 1n }
    : { numerator: decimal.digits, denominator: 10n ** BigInt(-decimal.exponent) };
}
