/**
 * `llm_usage_1m`'s `by_bucket` projection (schema v7) on the embedded engine: a few minutes
 * across every project read in time order from the projection, a project's own range from the
 * table, and both answer what the table alone answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RETENTION, TIME_ORDER_PROJECTION, Tables } from '@agentmeter/schema';
import { migrate, openStore, queryRows, type Store } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-minute-order-'));
let store: Store;
const MINUTE = 60_000;
/** The start of the current minute, less a day: the data set's last minute. */
const END = Math.floor(Date.now() / MINUTE) * MINUTE - 24 * 60 * MINUTE;
const MINUTES = 24 * 60;
const PROJECTS = 16;

// A day of minutes × 16 projects × 10 models: 230k minute rows, several granules per project.
beforeAll(async () => {
  store = openStore({ dataPath: dir });
  await migrate(store.client, { database: 'agentmeter', retention: DEFAULT_RETENTION });
  await store.client.command({
    query: `INSERT INTO agentmeter.${Tables.SPANS}
      (timestamp, trace_id, span_id, project, service_name, provider, request_model, status,
       duration_ms, cost_usd)
      SELECT fromUnixTimestamp64Milli(toInt64({end:Int64} - intDiv(number, ${PROJECTS * 10}) * 60000)),
        hex(number), hex(number), concat('p', toString(number % ${PROJECTS})), 'api',
        'openai', concat('m', toString(intDiv(number, ${PROJECTS}) % 10)), 'ok',
        100 + number % 900, toDecimal64(0.001, 9)
      FROM numbers(${MINUTES * PROJECTS * 10})`,
    query_params: { end: END },
  });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const WINDOW = `bucket >= fromUnixTimestamp({start:Int64}) AND bucket < fromUnixTimestamp({end:Int64})`;
const params = { start: (END - 4 * MINUTE) / 1000, end: (END + MINUTE) / 1000 };

async function plan(sql: string): Promise<string> {
  const rows = await queryRows<{ explain: string }>(
    store.client,
    `EXPLAIN indexes = 1 ${sql}`,
    params,
  );
  return rows.map((r) => r.explain).join('\n');
}

describe('the minute rollup in time order (v7)', () => {
  const perModel = `SELECT request_model, sum(requests) AS calls,
      quantilesTDigestMerge(0.5, 0.95)(duration_ms_quantiles) AS p
    FROM agentmeter.${Tables.USAGE_1M} WHERE ${WINDOW}
    GROUP BY request_model ORDER BY request_model`;

  it('reads a 5-minute window of every project from the projection, and answers as the table', async () => {
    expect(await plan(perModel)).toContain(`ReadFromMergeTree (${TIME_ORDER_PROJECTION})`);
    const table = await queryRows(
      store.client,
      `${perModel} SETTINGS optimize_use_projections = 0`,
      params,
    );
    expect(table).toHaveLength(10);
    expect(table.reduce((n, r) => n + Number(r['calls']), 0)).toBe(5 * PROJECTS * 10);
    expect(await queryRows(store.client, perModel, params)).toEqual(table);
  });

  it("reads one project's day from the table, by its sorting key", async () => {
    const sql = `SELECT sum(requests) FROM agentmeter.${Tables.USAGE_1M}
      WHERE project = 'p3' AND bucket >= fromUnixTimestamp({start:Int64}) - INTERVAL 1 DAY`;
    expect(await plan(sql)).not.toContain(`ReadFromMergeTree (${TIME_ORDER_PROJECTION})`);
  });
});
