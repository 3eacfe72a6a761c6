import { describe, expect, it } from 'vitest';
import {
  InMemoryLedger,
  compileMatch,
  spendCounter,
  type SpendCounter,
  type SpendRecord,
} from '../src/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2024-05-01T00:00:00Z');

const PROJECTS = ['acme', 'globex', undefined];
const USERS = ['ann', 'bob', 'cy', undefined];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'o3', 'claude-sonnet-4-5'];

function calls(n: number, seed: number): SpendRecord[] {
  let s = seed;
  const random = () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  return Array.from({ length: n }, () => ({
    // Mostly in order, some late: a call may finish after a later one started.
    at: T0 + Math.floor(random() * 20 * DAY),
    costNanos: Math.floor(random() * 5_000_000),
    model: pick(MODELS),
    project: pick(PROJECTS),
    user: pick(USERS),
  }));
}

function counters(): SpendCounter[] {
  const windows = [
    { start: T0, end: T0 + DAY },
    { start: T0 + 3 * DAY + 5.5 * HOUR, end: T0 + 10 * DAY + 5.5 * HOUR },
    { start: T0, end: T0 + 31 * DAY },
  ];
  return windows.flatMap((w) => [
    spendCounter('global', null, w),
    spendCounter('project', { value: 'acme' }, w),
    spendCounter('user', { value: 'bob' }, w),
    spendCounter('model', { match: compileMatch(['gpt-4o*']) }, w),
    spendCounter('model', { match: compileMatch(['o3', 'claude-*']) }, w),
  ]);
}

/** The expected spend, computed the plain way. */
function brute(records: SpendRecord[], c: SpendCounter): number {
  return records
    .filter((r) => r.at >= c.start && r.at < c.end)
    .filter((r) => {
      if (c.scope === 'global') return true;
      const v = c.scope === 'model' ? r.model : c.scope === 'project' ? r.project : r.user;
      if (!v) return false;
      if (c.value !== undefined) return v === c.value;
      return [...c.match!.exact].includes(v) || c.match!.prefixes.some((p) => v.startsWith(p));
    })
    .reduce((sum, r) => sum + r.costNanos, 0);
}

describe('InMemoryLedger', () => {
  it('answers the same sums for counters asked before the calls (running) and after (re-summed)', () => {
    const records = calls(3_000, 7);
    const ledger = new InMemoryLedger();
    const early = counters();
    for (const c of early) expect(ledger.spent(c)).toBe(0);
    for (const r of records) ledger.record(r);
    for (const c of early) expect(ledger.spent(c)).toBe(brute(records, c));
    const fresh = new InMemoryLedger();
    for (const r of records) fresh.record(r);
    for (const c of counters()) expect(fresh.spent(c)).toBe(brute(records, c));
  });

  it('counts a late call in the window it started in', () => {
    const ledger = new InMemoryLedger();
    const may1 = spendCounter('global', null, { start: T0, end: T0 + DAY });
    const may2 = spendCounter('global', null, { start: T0 + DAY, end: T0 + 2 * DAY });
    ledger.spent(may1);
    ledger.spent(may2);
    ledger.record({ at: T0 + DAY + 1, model: 'm', costNanos: 5 });
    ledger.record({ at: T0 + DAY - 1, model: 'm', costNanos: 3 });
    expect([ledger.spent(may1), ledger.spent(may2)]).toEqual([3, 5]);
  });

  it('re-sums a window only from the history it keeps', () => {
    const ledger = new InMemoryLedger({ historyDays: 2 });
    ledger.record({ at: T0, model: 'm', costNanos: 1 });
    ledger.record({ at: T0 + 5 * DAY, model: 'm', costNanos: 2 });
    expect(ledger.spent(spendCounter('global', null, { start: T0, end: T0 + 6 * DAY }))).toBe(2);
  });

  it('refuses a cost that is not a non-negative integer of nano-USD', () => {
    const ledger = new InMemoryLedger();
    expect(() => ledger.record({ at: T0, model: 'm', costNanos: 0.5 })).toThrow(/nano-USD/);
    expect(() => ledger.record({ at: T0, model: 'm', costNanos: -1 })).toThrow(RangeError);
  });
});
