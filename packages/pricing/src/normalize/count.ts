/** A provider-reported count, or 0 when absent or null; anything else is passed on to be refused by validation. */
export function count(value: number | null | undefined): number {
  return value ?? 0;
}
