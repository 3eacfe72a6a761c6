/**
 * Turns exact pico-USD parts into integer nano-USD, the money unit of agentmeter.
 *
 * Rounding happens once per call: the exact total (after any multiplier) is rounded half to
 * even to a nano-USD. The parts are then apportioned by largest remainder so that they always
 * sum to the total; each part is within one nano-USD of its exact value.
 */
import { ONE, type Ratio, divRoundHalfEven } from './decimal.js';

const PICO_PER_NANO = 1000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export interface NanoAmounts {
  readonly total: number;
  /** In the order of the pico parts given. */
  readonly parts: readonly number[];
}

/** The common case: no multiplier and whole nano-USD parts, so nothing to round or apportion. */
function wholeNanos(pico: readonly number[]): NanoAmounts | undefined {
  const parts: number[] = [];
  let total = 0;
  for (const value of pico) {
    if (value % PICO_PER_NANO !== 0) return undefined;
    const nanos = value / PICO_PER_NANO;
    parts.push(nanos);
    total += nanos;
  }
  return { total, parts };
}

/**
 * `pico`: safe integers (what `computeCost` returns). Rounding and multipliers run on BigInt,
 * where the scaled values may exceed 2^53. Returns undefined when the total does not fit a safe
 * integer of nano-USD (over 9 million USD).
 */
export function toNanos(pico: readonly number[], multiplier: Ratio): NanoAmounts | undefined {
  const whole = multiplier === ONE ? wholeNanos(pico) : undefined;
  if (whole) return whole;
  const divisor = multiplier.denominator * BigInt(PICO_PER_NANO);
  const scaled = pico.map((value) => BigInt(value) * multiplier.numerator);
  const exact = scaled.reduce((sum, value) => sum + value, 0n);
  const total = divRoundHalfEven(exact, divisor);
  if (total > MAX_SAFE) return undefined;

  const floors = scaled.map((value) => value / divisor);
  let leftover = total - floors.reduce((sum, value) => sum + value, 0n);
  if (leftover > 0n) {
    const byRemainder = scaled
      .map((value, index) => ({ index, remainder: value % divisor }))
      .sort((a, b) =>
        a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
      );
    for (const { index } of byRemainder) {
      if (leftover === 0n) break;
      floors[index] = (floors[index] ?? 0n) + 1n;
      leftover -= 1n;
    }
  }
  return { total: Number(total), parts: floors.map(Number) };
}
