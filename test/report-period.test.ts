/** The periods `agentmeter report` and `review` cover, on an injected clock. */
import { expect, it } from 'vitest';
import { PeriodError, resolvePeriod } from '../packages/cli/src/report-period.js';

const NOW = Date.parse('2026-12-02T09:30:00Z'); // a Wednesday
const iso = (ms: number) => new Date(ms).toISOString();

it('defaults to the last complete ISO week and UTC day', () => {
  const week = resolvePeriod('weekly', NOW, {});
  expect([iso(week.from), iso(week.to), week.label]).toEqual([
    '2026-11-23T00:00:00.000Z',
    '2026-11-30T00:00:00.000Z',
    '2026-W48',
  ]);
  const day = resolvePeriod('daily', NOW, {});
  expect([iso(day.from), iso(day.to), day.label]).toEqual([
    '2026-12-01T00:00:00.000Z',
    '2026-12-02T00:00:00.000Z',
    '2026-12-01',
  ]);
  // On Monday just after midnight the week that just ended is the last complete one.
  expect(resolvePeriod('weekly', Date.parse('2026-11-30T00:00:01Z'), {}).label).toBe('2026-W48');
});

it('takes one end and the report length, or both ends', () => {
  const to = resolvePeriod('weekly', NOW, { to: '2026-11-30' });
  expect([iso(to.from), to.label]).toEqual(['2026-11-23T00:00:00.000Z', '2026-W48']);
  const both = resolvePeriod('daily', NOW, { from: '2026-11-24T08:00:00+01:00', to: '2026-11-25' });
  expect([iso(both.from), iso(both.to), both.label]).toEqual([
    '2026-11-24T07:00:00.000Z',
    '2026-11-25T00:00:00.000Z',
    '2026-11-24T07:00Z – 2026-11-25T00:00Z',
  ]);
});

it('refuses dates that do not exist and an end before the start', () => {
  expect(() => resolvePeriod('daily', NOW, { from: '2026-02-29' })).toThrow(PeriodError);
  expect(() => resolvePeriod('daily', NOW, { from: 'yesterday' })).toThrow(
    '--from yesterday: expected a date (2026-11-23, UTC) or an instant with its offset',
  );
  expect(() => resolvePeriod('daily', NOW, { from: '2026-11-25', to: '2026-11-24' })).toThrow(
    'is not after --from',
  );
});
