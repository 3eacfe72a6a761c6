/**
 * The product as a child process (`agentmeter start`), killed the way orchestrators and the OOM
 * killer kill it, with senders that retry as OTLP exporters do:
 *  - kill -9 in the middle of inserts, again and again: raw spans complete and unique, and every
 *    rollup equal to raw, exactly (issue 7, case 2);
 *  - SIGTERM while a client keeps its keep-alive connection busy: the process stops within the
 *    shutdown deadline and every acknowledged span is stored (case 7).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonRequest, jsonSpan } from './helpers.js';

const MAIN = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));
const NOW_NS = BigInt(Date.now()) * 1_000_000n;
let dataPath: string;

beforeAll(() => {
  dataPath = mkdtempSync(join(tmpdir(), 'agentmeter-crash-'));
});
afterAll(() => {
  rmSync(dataPath, { recursive: true, force: true });
});

interface Child {
  process: ChildProcess;
  url: string;
  /** Its ClickHouse HTTP interface. */
  clickhouse: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
}

/** Starts `agentmeter start` on the test's data directory and free ports; resolves when it listens. */
function start(dir: string): Promise<Child> {
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: {
      ...process.env,
      AGENTMETER_DATA_DIR: dir,
      AGENTMETER_OTLP_PORT: '0',
      AGENTMETER_CLICKHOUSE_HTTP_PORT: '0',
      // What is killed here is ingest; alerting's restarts have tests of their own.
      AGENTMETER_ALERTING_ENABLED: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
  }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stdout })));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const otlp = /OTLP\/HTTP traces\s+(http:\/\/\S+)\/v1\/traces/.exec(stdout);
      const clickhouse = /ClickHouse HTTP\s+(http:\/\/\S+)/.exec(stdout);
      if (otlp && clickhouse)
        resolve({ process: child, url: otlp[1]!, clickhouse: clickhouse[1]!, exited });
    });
    void exited.then(({ code }) => reject(new Error(`agentmeter exited (${code}): ${stderr}`)));
  });
}

let serial = 0;
/** One OTLP/JSON request of `n` LLM spans, each with its own ids and a cost of $0.001. */
const body = (project: string, n: number): string =>
  jsonRequest(
    Array.from({ length: n }, () => {
      serial++;
      return jsonSpan({ serial, project, startNs: NOW_NS - BigInt(serial) * 1_000_000n });
    }),
  );

/** Resolves once an insert is journaled (it is about to run or running), within 10 s. */
async function insertStarted(journal: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    try {
      if (readdirSync(journal).some((f) => f.endsWith('.insert'))) return;
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error('no insert was journaled within 10 s');
}

async function post(url: string, payload: string): Promise<number> {
  const res = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: payload,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Totals of a project in llm_spans and every rollup, through the child's ClickHouse interface. */
async function totals(child: Child, project: string): Promise<Record<string, string>> {
  const query = `SELECT
         (SELECT toString(count()) FROM agentmeter.llm_spans WHERE project = {p:String}) AS raw,
         (SELECT toString(uniqExact(trace_id, span_id)) FROM agentmeter.llm_spans WHERE project = {p:String}) AS uniq,
         (SELECT toString(sum(cost_usd)) FROM agentmeter.llm_spans WHERE project = {p:String}) AS raw_cost,
         (SELECT toString(sum(requests)) FROM agentmeter.llm_usage_1m WHERE project = {p:String}) AS m,
         (SELECT toString(sum(requests)) FROM agentmeter.llm_usage_1h WHERE project = {p:String}) AS h,
         (SELECT toString(sum(requests)) FROM agentmeter.llm_usage_1d WHERE project = {p:String}) AS d,
         (SELECT toString(sum(cost_usd)) FROM agentmeter.llm_usage_1d WHERE project = {p:String}) AS d_cost
     FORMAT JSONEachRow`;
  const res = await fetch(`${child.clickhouse}/?param_p=${project}`, {
    method: 'POST',
    body: query,
  });
  expect(res.status).toBe(200);
  return JSON.parse(await res.text()) as Record<string, string>;
}

describe('kill -9 in the middle of inserts, repeatedly', () => {
  it('leaves raw spans complete and unique and every rollup equal to raw', async () => {
    const dir = join(dataPath, 'kill');
    const requests = Array.from({ length: 24 }, () => body('crash', 2_000));
    const killAfter = new Set([1, 4, 7, 10, 13, 16]); // a kill during these inserts
    // After the insert's journal entry appears: at once, then later into the insert, where the raw
    // part may be committed and the rollup parts not yet.
    const delaysMs = [0, 3, 8, 15, 30, 60];
    let child = await start(dir);
    let replayed = 0;
    let restarts = 0;
    for (let i = 0; i < requests.length; i++) {
      // Like an OTLP exporter: retry until acknowledged, through restarts.
      for (;;) {
        const sending = post(child.url, requests[i]!).catch(() => 0);
        if (killAfter.delete(i)) {
          const victim = child;
          await insertStarted(join(dir, 'ingest-journal'));
          await new Promise((r) => setTimeout(r, delaysMs[restarts % delaysMs.length]));
          victim.process.kill('SIGKILL');
          await victim.exited;
          await sending;
          child = await start(dir);
          restarts++;
          const metrics = await (await fetch(`${child.url}/metrics`)).text();
          replayed += Number(/journal_replayed_total (\d+)/.exec(metrics)?.[1] ?? 0);
          continue;
        }
        if ((await sending) === 200) break;
      }
    }
    console.log(`kill -9 test: ${restarts} kills, ${replayed} journaled inserts replayed`);
    expect(restarts).toBe(6);
    const t = await totals(child, 'crash');
    child.process.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
    expect(t).toEqual({
      raw: '48000',
      uniq: '48000',
      raw_cost: '48',
      m: '48000',
      h: '48000',
      d: '48000',
      d_cost: '48',
    });
  });
});

describe('SIGTERM while a client keeps its keep-alive connection busy', () => {
  it('stops within the shutdown deadline and stores every acknowledged span', async () => {
    const child = await start(join(dataPath, 'term'));
    let acknowledged = 0;
    let stop = false;
    // fetch keeps its connection alive between requests: the client never lets it go idle.
    const client = (async () => {
      while (!stop) {
        const status = await post(child.url, body('term', 50)).catch(() => 0);
        if (status === 200) acknowledged += 50;
        else break;
      }
    })();
    while (acknowledged < 1_000) await new Promise((r) => setTimeout(r, 10));
    const signalled = performance.now();
    child.process.kill('SIGTERM');
    const exit = await child.exited;
    const tookMs = performance.now() - signalled;
    stop = true;
    await client;
    console.log(`SIGTERM with a busy keep-alive client: exited in ${tookMs.toFixed(0)} ms`);
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/agentmeter stopped: \d+ spans stored/);
    expect(tookMs).toBeLessThan(10_000);
    const again = await start(join(dataPath, 'term'));
    const t = await totals(again, 'term');
    again.process.kill('SIGTERM');
    await again.exited;
    expect(Number(t.raw)).toBe(acknowledged);
    expect([t.m, t.h, t.d]).toEqual([t.raw, t.raw, t.raw]);
  });
});
