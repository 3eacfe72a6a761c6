import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tables } from '@agentmeter/schema';
import { RuleEvaluator } from '../src/rules/evaluate.js';
import { DAY, HOUR, MINUTE, openEngine, type Engine } from './rules/engine.js';
import { rule } from './rules/rule.js';

let engine: Engine;
let evaluator: RuleEvaluator;
const NOW = Math.floor(Date.now() / DAY) * DAY - DAY + 12 * HOUR;

beforeAll(async () => {
  engine = await openEngine();
  evaluator = new RuleEvaluator({ client: engine.client });
  const failure = (at: number, remote_address: string) => ({
    at: (at / 1000).toFixed(3),
    listener: 'alerting',
    event: 'auth_failed',
    remote_address,
    path: '/api/v1/alerts',
  });
  await engine.store.client.insert({
    table: `agentmeter.${Tables.ACCESS_EVENTS}`,
    format: 'JSONEachRow',
    values: [
      ...Array.from({ length: 12 }, (_, i) => failure(NOW - 30 * MINUTE + i * 1000, '10.0.0.1')),
      ...Array.from({ length: 3 }, (_, i) => failure(NOW - 10 * MINUTE + i * 1000, '10.0.0.2')),
      // Two hours ago: outside the window.
      ...Array.from({ length: 20 }, (_, i) => failure(NOW - 2 * HOUR + i * 1000, '10.0.0.3')),
    ],
  });
});
afterAll(async () => {
  await engine.close();
});

const authFailures = {
  kind: 'sql',
  query: `
    -- auth failures per address in the window
    SELECT remote_address, listener, count() AS value
    FROM {database:Identifier}.access_events
    WHERE event = 'auth_failed' AND at > {window_start:DateTime64(3)} AND at <= {now:DateTime64(3)}
    GROUP BY remote_address, listener
    ORDER BY remote_address;`,
  window: '1h',
  op: '>',
  threshold: 10,
  labels: { severity: 'critical' },
};

describe('a sql rule', () => {
  it('binds now, window_start and the database, and labels each row with its other columns', async () => {
    const before = engine.queries.length;
    const e = await evaluator.evaluate(rule(authFailures), NOW);
    expect(engine.queries.length - before).toBe(1);
    expect(e).toEqual({
      ok: true,
      samples: [
        {
          labels: { remote_address: '10.0.0.1', listener: 'alerting' },
          value: 12,
          breached: 'critical',
        },
        {
          labels: { remote_address: '10.0.0.2', listener: 'alerting' },
          value: 3,
          breached: undefined,
        },
      ],
    });
  });

  it('takes severity bands, and skips rows whose value is null', async () => {
    const e = await evaluator.evaluate(
      rule({
        kind: 'sql',
        query: `SELECT 'a' AS k, 5 AS value UNION ALL SELECT 'b', 50 UNION ALL SELECT 'c', NULL`,
        op: '>=',
        thresholds: { warning: 5, critical: 50 },
      }),
      NOW,
    );
    expect(e.ok && e.samples.map((s) => [s.labels.k, s.value, s.breached])).toEqual([
      ['a', 5, 'warning'],
      ['b', 50, 'critical'],
    ]);
  });

  it('answers no rows as NoData', async () => {
    const e = await evaluator.evaluate(
      rule({ kind: 'sql', query: 'SELECT 1 AS value WHERE 0', op: '>', threshold: 0 }),
      NOW,
    );
    expect(e).toEqual({ ok: true, samples: [] });
  });

  it('fails the evaluation, without throwing, on a query without a value column', async () => {
    const e = await evaluator.evaluate(
      rule({ kind: 'sql', query: 'SELECT 1 AS n', op: '>', threshold: 0 }),
      NOW,
    );
    expect(e).toEqual({ ok: false, error: 'the query returned no value column (columns: n)' });
  });

  it('runs read-only: a table function reaching the file system is refused', async () => {
    const e = await evaluator.evaluate(
      rule({
        kind: 'sql',
        query: "SELECT count() AS value FROM file('/etc/hostname', 'LineAsString')",
        op: '>',
        threshold: 0,
      }),
      NOW,
    );
    expect(e.ok).toBe(false);
    expect(!e.ok && e.error).toMatch(/readonly/i);
  });
});
