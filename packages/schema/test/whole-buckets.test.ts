/**
 * `mayHoldWholeBucket`: readers skip a rollup only when none of its buckets can lie inside the
 * window in any time zone; skipping one that can would lose its spend or calls.
 */
import { describe, expect, it } from 'vitest';
import { mayHoldWholeBucket } from '../src/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (iso: string) => Date.parse(iso);

describe('mayHoldWholeBucket', () => {
  it('holds an hour when one can start on a quarter hour inside the window', () => {
    // 10:07–11:07: no hour of any zone fits (hours start at :00, :15, :30 or :45).
    expect(mayHoldWholeBucket(at('2026-12-01T10:07Z'), at('2026-12-01T11:07Z'), 'HOUR')).toBe(
      false,
    );
    // 10:07–11:16: Nepal's 10:15 (UTC+5:45) hour fits.
    expect(mayHoldWholeBucket(at('2026-12-01T10:07Z'), at('2026-12-01T11:16Z'), 'HOUR')).toBe(true);
    expect(mayHoldWholeBucket(at('2026-12-01T10:00Z'), at('2026-12-01T11:00Z'), 'HOUR')).toBe(true);
  });

  it('holds a day that daylight saving shortened to 23 hours', () => {
    // 29 March 2026 in Europe/London: 00:00 GMT to 00:00 BST, 23 hours, inside a UTC day.
    const start = at('2026-03-29T00:00Z');
    expect(mayHoldWholeBucket(start, start + 23 * HOUR, 'DAY')).toBe(true);
    expect(mayHoldWholeBucket(start, start + 23 * HOUR - MINUTE, 'DAY')).toBe(false);
    expect(mayHoldWholeBucket(start + MINUTE, start + 23 * HOUR + 14 * MINUTE, 'DAY')).toBe(false);
    expect(mayHoldWholeBucket(start + MINUTE, start + 23 * HOUR + 15 * MINUTE, 'DAY')).toBe(true);
  });
});
