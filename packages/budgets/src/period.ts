/**
 * Budget and quota periods (daily, ISO weekly from Monday, monthly) in an IANA time zone,
 * computed with `Intl` alone: Node ships the tz database, so no date library is needed.
 *
 * A period starts at the first instant of its first local day. Local midnight is not always a
 * plain instant: a DST gap can skip it (the day then starts when the clock jumps), a fall-back
 * at midnight repeats it (the day starts at the second midnight, so periods never overlap), and
 * a date-line move can skip a whole day (that period is empty). Windows are half-open
 * `[start, end)` in epoch milliseconds and tile time: each period's end is the next one's start.
 */

export const PERIODS = ['daily', 'weekly', 'monthly'] as const;
export type Period = (typeof PERIODS)[number];

export interface PeriodWindow {
  /** First instant of the period, epoch ms. */
  readonly start: number;
  /** First instant of the next period (the reset), epoch ms. */
  readonly end: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` names an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local wall clock at `t`, read back as if it were UTC (epoch ms, whole seconds). */
function wallClock(timeZone: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(t)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** UTC offset of the zone at `t`, in ms (local − UTC). */
function offsetAt(timeZone: string, t: number): number {
  return wallClock(timeZone, t) - (t - (((t % 1000) + 1000) % 1000));
}

/** Days since 1970-01-01 of the local date at `t`. */
function localDayNumber(timeZone: string, t: number): number {
  return Math.floor(wallClock(timeZone, t) / DAY);
}

/**
 * First instant from which the local date stays at or after day `day` (days since epoch):
 * local midnight normally, the end of a DST gap that swallows midnight, the second midnight
 * when the clock falls back across it.
 */
function startOfLocalDay(timeZone: string, day: number): number {
  const local = day * DAY;
  const lo = local - 2 * DAY;
  const hi = local + 2 * DAY;
  const before = offsetAt(timeZone, lo);
  const after = offsetAt(timeZone, hi);
  if (before === after) return local - before;
  // One offset change near this midnight: find its minute (tz transitions fall on whole minutes).
  let a = lo / MINUTE;
  let b = hi / MINUTE;
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (offsetAt(timeZone, mid * MINUTE) === before) a = mid;
    else b = mid;
  }
  const transition = b * MINUTE;
  const midnightBefore = local - before;
  const midnightAfter = local - after;
  // After the change, local time reaches this midnight only at midnightAfter.
  if (transition < midnightAfter) return midnightAfter;
  // Otherwise midnight came before the change, or the change jumped over it.
  return Math.min(midnightBefore, transition);
}

/** Local days (since epoch) on which a period starts: the day itself, its Monday, its 1st. */
function anchorDay(period: Period, day: number): number {
  if (period === 'daily') return day;
  if (period === 'weekly') return day - ((((day + 3) % 7) + 7) % 7); // 1970-01-01 was a Thursday
  const d = new Date(day * DAY);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY;
}

function shiftAnchor(period: Period, anchor: number, by: 1 | -1): number {
  if (period === 'daily') return anchor + by;
  if (period === 'weekly') return anchor + 7 * by;
  const d = new Date(anchor * DAY);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + by, 1) / DAY;
}

/** The period containing `now` in `timeZone`. */
export function periodWindow(period: Period, timeZone: string, now: Date | number): PeriodWindow {
  const t = typeof now === 'number' ? now : now.getTime();
  let anchor = anchorDay(period, localDayNumber(timeZone, t));
  let start = startOfLocalDay(timeZone, anchor);
  // Only if a clock fell back across midnight (none does in current tzdata): the local date
  // read D, but D starts for good later, so `now` still belongs to the period before.
  if (start > t) {
    anchor = shiftAnchor(period, anchor, -1);
    start = startOfLocalDay(timeZone, anchor);
  }
  return { start, end: startOfLocalDay(timeZone, shiftAnchor(period, anchor, 1)) };
}

export function periodStart(period: Period, timeZone: string, now: Date | number): Date {
  return new Date(periodWindow(period, timeZone, now).start);
}

/** When the period containing `now` resets (the next period's start). */
export function nextReset(period: Period, timeZone: string, now: Date | number): Date {
  return new Date(periodWindow(period, timeZone, now).end);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2024-02-29`, `2020-W53` (ISO week) or `2024-02`: the period starting at `start`. */
export function periodLabel(period: Period, timeZone: string, start: number): string {
  const day = localDayNumber(timeZone, start);
  const d = new Date(day * DAY);
  if (period === 'daily')
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (period === 'monthly') return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
  // ISO 8601: a week belongs to the year of its Thursday.
  const thursday = anchorDay('weekly', day) + 3;
  const year = new Date(thursday * DAY).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1) / DAY) / 7) + 1;
  return `${year}-W${pad(week)}`;
}
