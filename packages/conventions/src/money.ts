/**
 * Money is carried as integer nano-USD (1e-9 USD) so that sums never drift, and stored in
 * ClickHouse as Decimal(18, 9), the same integer with its scale attached.
 */

export const NANOS_PER_USD = 1_000_000_000;

/** Converts a float USD amount (as other emitters send it) to integer nano-USD. */
export function usdToNanos(usd: number): number {
  return Math.round(usd * NANOS_PER_USD);
}

/** Formats integer nano-USD as an exact decimal string, the form ClickHouse parses into Decimal(18, 9). */
export function nanosToDecimalString(nanos: number): string {
  const negative = nanos < 0;
  const abs = Math.abs(nanos);
  const whole = Math.floor(abs / NANOS_PER_USD);
  const frac = abs - whole * NANOS_PER_USD;
  const text =
    frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(9, '0').replace(/0+$/, '')}`;
  return negative ? `-${text}` : text;
}

/** Converts integer nano-USD to a float USD amount, for span attributes and display only. */
export function nanosToUsd(nanos: number): number {
  return nanos / NANOS_PER_USD;
}
