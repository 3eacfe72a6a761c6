import { describe, expect, it } from 'vitest';
import { nextReset, periodLabel, periodStart, periodWindow, type Period } from '../src/period.js';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/** The window as ISO strings and its length in hours: what the expectations below state. */
function window(period: Period, tz: string, instant: string): [string, string, number] {
  const w = periodWindow(period, tz, at(instant));
  return [iso(w.start), iso(w.end), (w.end - w.start) / HOUR];
}

describe('daily periods', () => {
  it('reset at UTC midnight: the last millisecond is the old day, midnight the new one', () => {
    expect(window('daily', 'UTC', '2024-05-01T23:59:59.999Z')).toEqual([
      '2024-05-01T00:00:00.000Z',
      '2024-05-02T00:00:00.000Z',
      24,
    ]);
    expect(window('daily', 'UTC', '2024-05-02T00:00:00.000Z')[0]).toBe('2024-05-02T00:00:00.000Z');
  });

  it('America/Los_Angeles: the spring-forward day has 23 h and the fall-back day 25 h', () => {
    expect(window('daily', 'America/Los_Angeles', '2024-03-10T12:00:00Z')).toEqual([
      '2024-03-10T08:00:00.000Z', // midnight PST (-8)
      '2024-03-11T07:00:00.000Z', // midnight PDT (-7)
      23,
    ]);
    expect(window('daily', 'America/Los_Angeles', '2024-11-03T12:00:00Z')).toEqual([
      '2024-11-03T07:00:00.000Z',
      '2024-11-04T08:00:00.000Z',
      25,
    ]);
  });

  it('Asia/Kolkata (+5:30) resets at 18:30 UTC', () => {
    expect(window('daily', 'Asia/Kolkata', '2024-06-01T18:29:59.999Z')).toEqual([
      '2024-05-31T18:30:00.000Z',
      '2024-06-01T18:30:00.000Z',
      24,
    ]);
    expect(window('daily', 'Asia/Kolkata', '2024-06-01T18:30:00Z')[0]).toBe(
      '2024-06-01T18:30:00.000Z',
    );
  });

  it('Pacific/Chatham (+12:45, +13:45 in summer) resets at 11:15 or 10:15 UTC; its DST end day has 25 h', () => {
    expect(window('daily', 'Pacific/Chatham', '2024-06-01T12:00:00Z')[0]).toBe(
      '2024-06-01T11:15:00.000Z',
    );
    expect(window('daily', 'Pacific/Chatham', '2024-01-15T12:00:00Z')[0]).toBe(
      '2024-01-15T10:15:00.000Z',
    );
    // DST ended Sunday 2024-04-07 at 03:45 local.
    expect(window('daily', 'Pacific/Chatham', '2024-04-07T00:00:00Z')).toEqual([
      '2024-04-06T10:15:00.000Z',
      '2024-04-07T11:15:00.000Z',
      25,
    ]);
  });

  it('America/Santiago: a DST gap that skips midnight starts the day at 01:00 local', () => {
    // 2024-09-08 00:00 (-4) jumped to 01:00 (-3).
    expect(window('daily', 'America/Santiago', '2024-09-08T12:00:00Z')).toEqual([
      '2024-09-08T04:00:00.000Z',
      '2024-09-09T03:00:00.000Z',
      23,
    ]);
    expect(window('daily', 'America/Santiago', '2024-09-08T03:59:59Z')[1]).toBe(
      '2024-09-08T04:00:00.000Z',
    );
  });

  it('America/Sao_Paulo: an hour repeated across midnight stays in the old day (no overlap)', () => {
    // 2019-02-17 00:00 (-2) fell back to 2019-02-16 23:00 (-3).
    const day: [string, string, number] = [
      '2019-02-16T02:00:00.000Z',
      '2019-02-17T03:00:00.000Z',
      25,
    ];
    expect(window('daily', 'America/Sao_Paulo', '2019-02-17T01:30:00Z')).toEqual(day); // 23:30 (-2)
    expect(window('daily', 'America/Sao_Paulo', '2019-02-17T02:30:00Z')).toEqual(day); // 23:30 again (-3)
    expect(window('daily', 'America/Sao_Paulo', '2019-02-17T03:00:00Z')[0]).toBe(
      '2019-02-17T03:00:00.000Z',
    );
  });

  it('Pacific/Apia: the skipped 2011-12-30 is an empty period; Dec 29 resets straight into Dec 31', () => {
    expect(window('daily', 'Pacific/Apia', '2011-12-30T09:59:59Z')).toEqual([
      '2011-12-29T10:00:00.000Z',
      '2011-12-30T10:00:00.000Z',
      24,
    ]);
    expect(periodLabel('daily', 'Pacific/Apia', at('2011-12-30T10:00:00Z'))).toBe('2011-12-31');
  });
});

describe('weekly periods (ISO weeks, from Monday)', () => {
  it('a Sunday belongs to the week that began the Monday before, across the year boundary', () => {
    expect(window('weekly', 'UTC', '2021-01-03T23:59:59Z')).toEqual([
      '2020-12-28T00:00:00.000Z',
      '2021-01-04T00:00:00.000Z',
      168,
    ]);
    expect(window('weekly', 'UTC', '2021-01-04T00:00:00Z')[0]).toBe('2021-01-04T00:00:00.000Z');
  });

  it('labels ISO weeks: 2020 has a week 53, 2024-12-30 opens 2025-W01', () => {
    const label = (instant: string): string =>
      periodLabel('weekly', 'UTC', periodWindow('weekly', 'UTC', at(instant)).start);
    expect(label('2020-12-31T12:00:00Z')).toBe('2020-W53');
    expect(label('2021-01-03T12:00:00Z')).toBe('2020-W53');
    expect(label('2021-01-04T12:00:00Z')).toBe('2021-W01');
    expect(label('2024-12-31T12:00:00Z')).toBe('2025-W01');
    expect(label('2026-12-31T12:00:00Z')).toBe('2026-W53');
    expect(window('weekly', 'UTC', '2024-12-31T12:00:00Z')[0]).toBe('2024-12-30T00:00:00.000Z');
  });

  it('a week holding a DST change has 167 h (America/Los_Angeles, March 2024)', () => {
    expect(window('weekly', 'America/Los_Angeles', '2024-03-10T12:00:00Z')).toEqual([
      '2024-03-04T08:00:00.000Z',
      '2024-03-11T07:00:00.000Z',
      167,
    ]);
  });

  it('Monday comes earlier east of UTC: Sunday 20:00 UTC is already Monday in Asia/Kolkata', () => {
    expect(window('weekly', 'Asia/Kolkata', '2024-06-09T20:00:00Z')[0]).toBe(
      '2024-06-09T18:30:00.000Z',
    );
    expect(window('weekly', 'UTC', '2024-06-09T20:00:00Z')[0]).toBe('2024-06-03T00:00:00.000Z');
  });
});

describe('monthly periods', () => {
  it('February has 29 days in a leap year and 28 otherwise', () => {
    expect(window('monthly', 'UTC', '2024-02-29T23:59:59.999Z')).toEqual([
      '2024-02-01T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
      29 * 24,
    ]);
    expect(window('monthly', 'UTC', '2023-02-28T12:00:00Z')[2]).toBe(28 * 24);
    expect(window('monthly', 'UTC', '2100-02-15T12:00:00Z')[2]).toBe(28 * 24); // not a leap year
  });

  it('the 31st rolls to the 1st, and December to January', () => {
    expect(window('monthly', 'UTC', '2024-01-31T23:59:59Z')[1]).toBe('2024-02-01T00:00:00.000Z');
    expect(window('monthly', 'UTC', '2024-12-31T23:59:59Z')).toEqual([
      '2024-12-01T00:00:00.000Z',
      '2025-01-01T00:00:00.000Z',
      31 * 24,
    ]);
  });

  it('follows the time zone of the budget: Feb 29 18:30 UTC is already March in Kolkata', () => {
    expect(window('monthly', 'Asia/Kolkata', '2024-02-29T18:30:00Z')).toEqual([
      '2024-02-29T18:30:00.000Z',
      '2024-03-31T18:30:00.000Z',
      31 * 24,
    ]);
    expect(periodLabel('monthly', 'Asia/Kolkata', at('2024-02-29T18:30:00Z'))).toBe('2024-03');
    // March in Los Angeles loses an hour to DST.
    expect(window('monthly', 'America/Los_Angeles', '2024-03-15T00:00:00Z')[2]).toBe(31 * 24 - 1);
  });

  it('periodStart and nextReset return the window bounds as Dates', () => {
    const now = new Date('2024-07-04T12:00:00Z');
    expect(periodStart('monthly', 'Europe/Berlin', now).toISOString()).toBe(
      '2024-06-30T22:00:00.000Z',
    );
    expect(nextReset('monthly', 'Europe/Berlin', now).toISOString()).toBe(
      '2024-07-31T22:00:00.000Z',
    );
  });
});

describe('every period in every zone tiles time', () => {
  const ZONES = [
    'UTC',
    'America/Los_Angeles',
    'America/St_Johns', // -3:30, DST
    'America/Santiago',
    'America/Sao_Paulo',
    'Europe/Dublin', // "negative" DST in tzdata
    'Asia/Kolkata',
    'Asia/Kathmandu', // +5:45
    'Australia/Lord_Howe', // 30-minute DST
    'Pacific/Chatham',
    'Pacific/Kiritimati', // +14
    'Pacific/Pago_Pago', // -11
  ];
  const PERIODS: Period[] = ['daily', 'weekly', 'monthly'];
  // Independent of the implementation: Intl's own weekday, day and hour:minute, and its offset name.
  const local = (tz: string, t: number) => {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      weekday: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    }).formatToParts(t);
    const get = (type: string) => parts.find((p) => p.type === type)!.value;
    return {
      weekday: get('weekday'),
      day: get('day'),
      time: `${get('hour')}:${get('minute')}`,
      offset: get('timeZoneName'),
    };
  };
  let seed = 20_240_229;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const from = at('2018-01-01T00:00:00Z');
  const to = at('2027-01-01T00:00:00Z');

  for (const tz of ZONES) {
    it(`${tz}: start ≤ now < end, windows abut, and each starts at local midnight of its first day`, () => {
      for (let i = 0; i < 150; i++) {
        const now = Math.floor(from + random() * (to - from));
        for (const period of PERIODS) {
          const w = periodWindow(period, tz, now);
          expect(w.start).toBeLessThanOrEqual(now);
          expect(w.end).toBeGreaterThan(now);
          expect(periodWindow(period, tz, w.end).start).toBe(w.end);
          expect(periodWindow(period, tz, w.start - 1).end).toBe(w.start);
          const start = local(tz, w.start);
          // Midnight, unless a DST gap swallowed it (then the offset changes at the start).
          if (start.time !== '00:00') expect(local(tz, w.start - 1).offset).not.toBe(start.offset);
          if (period === 'weekly') expect(start.weekday).toBe('Mon');
          if (period === 'monthly') expect(start.day).toBe('1');
          const hours = (w.end - w.start) / HOUR;
          const [min, max] = { daily: [23, 25], weekly: [167, 169], monthly: [671, 745] }[period];
          expect(hours).toBeGreaterThanOrEqual(min!);
          expect(hours).toBeLessThanOrEqual(max!);
        }
      }
    });
  }
});
