/**
 * Durations in Prometheus' syntax (`30s`, `5m`, `1h30m`, `1d`, `1w`, `0`): units from the largest
 * down, each at most once, as Prometheus' `model.ParseDuration` reads them (`y` = 365 days).
 */

const UNITS_MS: readonly (readonly [string, number])[] = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

const PATTERN = new RegExp(`^${UNITS_MS.map(([unit]) => `(?:(\\d+)${unit})?`).join('')}$`);

/** Milliseconds of `text`, or undefined when it is not a Prometheus duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const m = PATTERN.exec(text);
  if (!m || text === '') return undefined;
  let ms = 0;
  UNITS_MS.forEach(([, unitMs], i) => {
    const n = m[i + 1];
    if (n !== undefined) ms += Number(n) * unitMs;
  });
  return Number.isSafeInteger(ms) ? ms : undefined;
}
