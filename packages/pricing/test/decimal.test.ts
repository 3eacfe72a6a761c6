import { describe, expect, it } from 'vitest';
import { divRoundHalfEven, scaleDecimal, toRatio } from '../src/decimal.js';

describe('scaleDecimal', () => {
  it('scales decimals that are not exact binary fractions without float error', () => {
    expect(0.000249 * 1e6).toBe(248.99999999999997); // why the float product is never used
    expect(scaleDecimal(0.000249, 6)).toEqual({ value: 249n, exact: true });
    expect(scaleDecimal(0.075, 6)).toEqual({ value: 75_000n, exact: true });
    expect(scaleDecimal(0.0375, 6)).toEqual({ value: 37_500n, exact: true });
    expect(scaleDecimal(0.003625, 6)).toEqual({ value: 3_625n, exact: true });
    expect(scaleDecimal(2.5e-6, 12)).toEqual({ value: 2_500_000n, exact: true });
    expect(scaleDecimal(15, 6)).toEqual({ value: 15_000_000n, exact: true });
    expect(scaleDecimal(1e21, 0)).toEqual({ value: 1_000_000_000_000_000_000_000n, exact: true });
  });

  it('rounds half to even when digits are dropped, and says so', () => {
    expect(scaleDecimal(0.1 + 0.2, 6)).toEqual({ value: 300_000n, exact: false });
    expect(scaleDecimal(0.0000005, 6)).toEqual({ value: 0n, exact: false });
    expect(scaleDecimal(0.0000015, 6)).toEqual({ value: 2n, exact: false });
  });

  it('refuses negative and non-finite numbers', () => {
    expect(scaleDecimal(-1, 6)).toBeUndefined();
    expect(scaleDecimal(Number.NaN, 6)).toBeUndefined();
    expect(scaleDecimal(Number.POSITIVE_INFINITY, 6)).toBeUndefined();
  });
});

describe('divRoundHalfEven', () => {
  it.each([
    [14_500n, 1000n, 14n],
    [43_500n, 1000n, 44n],
    [14_501n, 1000n, 15n],
    [14_499n, 1000n, 14n],
    [0n, 1000n, 0n],
  ])('%s / %s = %s', (numerator, denominator, quotient) => {
    expect(divRoundHalfEven(numerator, denominator)).toBe(quotient);
  });
});

describe('toRatio', () => {
  it('reads a multiplier as an exact decimal ratio', () => {
    expect(toRatio(0.85)).toEqual({ numerator: 85n, denominator: 100n });
    expect(toRatio(2)).toEqual({ numerator: 2n, denominator: 1n });
  });
});
