/**
 * The period a report or review covers, from `--from` / `--to` or the default: the last
 * complete UTC period (an ISO week from Monday, or a day) before now. Periods are half-open,
 * `[from, to)`, in epoch ms; `--to` names the first instant left out.
 */
import { periodLabel, periodWindow, type Period } from '@agentmeter/budgets';

export interface ReportPeriod {
  readonly from: number;
  readonly to: number;
  /** `2026-W48`, `2026-12-01`, or `from … to` for a period given by hand. */
  readonly label: string;
}

export class PeriodError extends Error {
  readonly code = 'AGENTMETER_REPORT_PERIOD';
}

const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` (UTC midnight) or an ISO 8601 instant with its offset. */
export function parseInstant(text: string, flag: string): number {
  const iso = DATE.test(text) ? `${text}T00:00:00Z` : text;
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(iso) ? Date.parse(iso) : NaN;
  // Date.parse rolls 2026-02-30 over to March; a date must read back as written.
  if (!Number.isFinite(ms) || (DATE.test(text) && new Date(ms).toISOString().slice(0, 10) !== text))
    throw new PeriodError(
      `${flag} ${text}: expected a date (2026-11-23, UTC) or an instant with its offset (2026-11-23T08:00:00Z)`,
    );
  return ms;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');

/**
 * `period` sets the default and the length of a period given by one end only: `--from` alone
 * is the period starting there, `--to` alone the one ending there.
 */
export function resolvePeriod(
  period: Period,
  nowMs: number,
  flags: { from?: string | undefined; to?: string | undefined },
): ReportPeriod {
  const length = period === 'weekly' ? 7 * DAY : DAY;
  if (flags.from === undefined && flags.to === undefined) {
    const current = periodWindow(period, 'UTC', nowMs);
    const last = periodWindow(period, 'UTC', current.start - 1);
    return { from: last.start, to: last.end, label: periodLabel(period, 'UTC', last.start) };
  }
  const from = flags.from === undefined ? undefined : parseInstant(flags.from, '--from');
  const to = flags.to === undefined ? undefined : parseInstant(flags.to, '--to');
  const start = from ?? to! - length;
  const end = to ?? from! + length;
  if (end <= start)
    throw new PeriodError(`--to ${flags.to} is not after --from ${flags.from}: give a later --to`);
  const whole = periodWindow(period, 'UTC', start);
  const label =
    whole.start === start && whole.end === end
      ? periodLabel(period, 'UTC', start)
      : `${iso(start)} – ${iso(end)}`;
  return { from: start, to: end, label };
}
