/**
 * Go's text for times and numbers, where receivers of Grafana's webhook see it: JSON times are
 * RFC 3339 with trailing zeros of the fraction dropped (`RFC3339Nano`), the zero time stands for
 * "no end" while firing, and template output prints floats as `fmt`'s `%v` does.
 */

/** Go's zero `time.Time`, which Grafana sends as `endsAt` of a firing alert. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Epoch ms as Go marshals a UTC time: `2026-01-15T12:00:00Z`, `2026-01-15T12:00:00.25Z`. */
export function goTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_, kept: string) => (kept ? `.${kept}Z` : 'Z'));
}

/** A float as Go's `%v` prints it: shortest digits, exponent form below 1e-4 and from 1e6 (`1e+06`). */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [digits, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(value);
  const sign = exponent < 0 ? '-' : '+';
  return `${digits}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}
