/**
 * The spend ledger seam: where a budget's period-to-date spend comes from. Implementations
 * answer `spent` from memory (it runs on the hot path of every budget check) and take each
 * completed call through `record`. Money is integer nano-USD throughout.
 */
import type { PeriodWindow } from './period.js';
import {
  scopeValue,
  matchesValue,
  type SpendAttribution,
  type Scope,
  type ValueMatcher,
} from './scope.js';

/** A completed call, attributed to the instant it started (the span's timestamp). */
export interface SpendRecord extends SpendAttribution {
  /** Call start, epoch ms. */
  at: number;
  /** Actual cost, integer nano-USD. */
  costNanos: number;
}

/**
 * One sum a budget reads: the spend of a scope in a period window. Its key names scope, value
 * or patterns and window, never the limit: a limit change keeps the spend, a period change
 * reads a different window.
 */
export interface SpendCounter {
  readonly key: string;
  readonly scope: Scope;
  /** Counts this one value (a budget without `match` keeps one counter per value). */
  readonly value?: string;
  /** Counts every value the patterns match, together (a budget with `match`). */
  readonly match?: ValueMatcher;
  readonly start: number;
  readonly end: number;
}

export interface SpendLedger {
  /** Period-to-date spend of `counter`, integer nano-USD. Synchronous: never does I/O. */
  spent(counter: SpendCounter): number;
  /** Adds a completed call. */
  record(call: SpendRecord): void;
}

export function spendCounter(
  scope: Scope,
  select: { value: string } | { match: ValueMatcher } | null,
  window: PeriodWindow,
): SpendCounter {
  const { start, end } = window;
  if (select === null || scope === 'global') {
    return { key: `${scope}\u0000\u0000${start}\u0000${end}`, scope, start, end };
  }
  if ('value' in select) {
    const key = `${scope}\u0000=${select.value}\u0000${start}\u0000${end}`;
    return { key, scope, value: select.value, start, end };
  }
  const key = `${scope}\u0000~${select.match.signature}\u0000${start}\u0000${end}`;
  return { key, scope, match: select.match, start, end };
}

/** Whether a call by `a` falls in the counter's scope (its window aside). */
export function inScope(counter: SpendCounter, a: SpendAttribution): boolean {
  const value = scopeValue(counter.scope, a);
  if (value === undefined) return false;
  if (counter.match) return matchesValue(counter.match, value);
  return counter.value === undefined || counter.value === value;
}

export function assertCostNanos(costNanos: number): void {
  if (!Number.isSafeInteger(costNanos) || costNanos < 0) {
    throw new RangeError(
      `cost must be a non-negative integer of nano-USD (a safe integer), got ${costNanos}; ` +
        'convert USD with usdToNanos from @agentmeter/conventions',
    );
  }
}
