/**
 * Prometheus durations as notification policies write them (`30s`, `5m`, `1h30m`, `0`): units
 * from largest to smallest, each at most once, as Prometheus' `model.ParseDuration` reads them
 * (a year is 365 days, a week 7).
 */

const UNITS = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

const PATTERN = new RegExp(`^${UNITS.map(([unit]) => `(?:(\\d+)${unit})?`).join('')}$`);

/** Milliseconds, or undefined when `text` is not a Prometheus duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const match = text === '' ? null : PATTERN.exec(text);
  if (!match) return undefined;
  let ms = 0;
  UNITS.forEach(([, size], i) => {
    const count = match[i + 1];
    if (count !== undefined) ms += Number(count) * size;
  });
  return Number.isSafeInteger(ms) ? ms : undefined;
}
