/**
 * A retry of spans that started days ago, arriving after a restart, is counted once: the
 * de-duplicator remembers spans by when they were stored, and is seeded that way at start
 * (issue 7, case 3). Its own file: one embedded data directory per process.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonRequest, jsonSpan, startProduct } from './helpers.js';

const DAY_NS = 86_400_000_000_000n;
const NOW_NS = BigInt(Date.now()) * 1_000_000n;

const span = (i: number) =>
  jsonSpan({ serial: i + 1, project: 'restart', startNs: NOW_NS - 2n * DAY_NS + BigInt(i) });

describe('retries after a restart', () => {
  it('count spans that started days ago once, however recently they were stored', async () => {
    const dataPath = mkdtempSync(join(tmpdir(), 'agentmeter-restart-'));
    const spans = Array.from({ length: 50 }, (_, i) => span(i));
    try {
      let running = await startProduct({ clickhouse: { dataPath } });
      const post = (body: unknown[]) =>
        fetch(`${running.otlpUrl}/v1/traces`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: jsonRequest(body),
        });
      expect((await post(spans)).status).toBe(200);
      await running.close();
      running = await startProduct({ clickhouse: { dataPath } });
      const retry = await post(spans);
      expect(retry.status).toBe(200);
      const counts = await running.rows<{ raw: string; d: string }>(
        `SELECT (SELECT toString(count()) FROM agentmeter.llm_spans WHERE project = 'restart') AS raw,
                (SELECT toString(sum(requests)) FROM agentmeter.llm_usage_1d WHERE project = 'restart') AS d`,
      );
      expect(counts).toEqual([{ raw: '50', d: '50' }]);
      await running.close();
    } finally {
      rmSync(dataPath, { recursive: true, force: true });
    }
  });
});
