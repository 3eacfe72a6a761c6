/**
 * `agentmeter report` and `agentmeter review` as a user runs them: child processes against the
 * running product's ClickHouse HTTP interface on 127.0.0.1, writing files, with their exit
 * codes and a plain message (no stack) for a bad flag or an unreachable service.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tables } from '@agentmeter/schema';
import { startProduct, type Running } from './helpers.js';

const MAIN = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'agentmeter-report-cmd-'));
const LONG = 3650;
let product: Running;

function agentmeter(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: { ...process.env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  product = await startProduct({
    retentionDays: { spans: LONG, usage1m: LONG, usage1h: LONG, usage1d: LONG },
  });
  // 2026-W48: 12 detected-category calls of $0.25, one an hour from Tuesday 08:00; 3 explicit.
  const span = (i: number, source: string) => ({
    timestamp: String(BigInt(Date.parse('2026-11-24T08:00:00Z') + i * 3_600_000) * 1_000_000n),
    trace_id: `t${i}${source}`,
    span_id: `s${i}${source}`,
    provider: 'openai',
    request_model: 'gpt-4o',
    category: i % 3 ? 'docs' : 'tests',
    category_source: source,
    strategy: 'cheap_first',
    status: 'ok',
    cost_source: 'span',
    cost_usd: '0.25',
  });
  await product.store.client.insert({
    table: `agentmeter.${Tables.SPANS}`,
    values: [
      ...Array.from({ length: 12 }, (_, i) => span(i, 'detected')),
      ...[0, 1, 2].map((i) => span(i, 'explicit')),
    ],
    format: 'JSONEachRow',
  });
});
afterAll(async () => {
  await product?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const WEEK = ['--from', '2026-11-23', '--to', '2026-11-30'];

it('writes the weekly report of a period to a file and says where', async () => {
  const out = join(dir, 'week.md');
  const r = await agentmeter(
    'report',
    '--week',
    ...WEEK,
    '--url',
    product.clickhouseUrl,
    '--out',
    out,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`weekly report 2026-W48: 📊 Next monthly deep dive, written to ${out}\n`);
  const md = readFileSync(out, 'utf8');
  expect(md).toContain('# agentmeter Weekly Monitoring Report');
  expect(md).toContain('- Total: $3.75 (week before: $0.0000, change: –)');
  expect(md).toContain('| docs | 10 | 66.7 % | 20.0 % | no |');
});

it('prints the daily summary of a day', async () => {
  const r = await agentmeter(
    'report',
    '--day',
    '--from',
    '2026-11-24',
    '--url',
    product.clickhouseUrl,
  );
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('**Date**: 2026-11-24 (2026-11-24T00:00:00Z to 2026-11-25T00:00:00Z');
  expect(r.stdout).toContain('- Total calls: 15\n- Success rate: 100.0 %');
});

it('samples detected calls reproducibly, then scores the marked file', async () => {
  const a = join(dir, 'a.csv');
  const b = join(dir, 'b.csv');
  const args = ['review', '--sample', '5', '--seed', '42', ...WEEK, '--url', product.clickhouseUrl];
  const first = await agentmeter(...args, '--out', a);
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('5 detected-category calls, seed 42');
  expect((await agentmeter(...args, '--out', b)).code).toBe(0);
  const csv = readFileSync(a, 'utf8');
  expect(readFileSync(b, 'utf8')).toBe(csv);
  const rows = csv.trimEnd().split('\n').slice(1);
  expect(rows).toHaveLength(5);
  expect(rows.every((l) => /^s\d+detected,/.test(l))).toBe(true);

  // Mark four: three right, one wrong; leave one unmarked.
  const marks = ['yes', 'yes', 'no', 'yes', ''];
  const marked = [csv.split('\n')[0], ...rows.map((l, i) => l.replace(/,,,$/, `,${marks[i]},,`))];
  writeFileSync(a, marked.join('\n') + '\n');
  const score = await agentmeter('review', '--score', a);
  expect(score.code).toBe(0);
  expect(score.stdout).toContain(
    '**Accuracy**: 75.0 % (3 of 4 marked calls) — refine keyword lists (70–90 %)',
  );
  expect(score.stdout).toContain('Unmarked rows (not counted): 1');
});

it('names the bad line and column of a marked file', async () => {
  const file = join(dir, 'bad.csv');
  writeFileSync(file, 'span_id,detected_category,correct,right_category\ns1,docs,perhaps,\n');
  const r = await agentmeter('review', '--score', file);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(
    `${file}: line 2, column 3 (correct): expected yes or no (or empty when not reviewed), found 'perhaps'\n`,
  );
});

it('refuses bad flags and an unreachable service with a message, not a stack', async () => {
  const unknown = await agentmeter('report', '--wek');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/^agentmeter: Unknown option '--wek'/);
  const both = await agentmeter('report', '--week', '--day');
  expect(both.code).toBe(2);
  expect(both.stderr).toMatch(/^give one of --week and --day\n/);
  const date = await agentmeter('report', '--week', '--from', '2026-11-31');
  expect(date.code).toBe(2);
  expect(date.stderr).toMatch(/^--from 2026-11-31: expected a date/);
  const size = await agentmeter('review', '--sample', 'many');
  expect(size.code).toBe(2);
  expect(size.stderr).toMatch(/^--sample many: expected a whole number of calls from 1 to 10000/);
  const down = await agentmeter('report', '--week', '--url', 'http://127.0.0.1:1');
  expect(down.code).toBe(1);
  expect(down.stderr).toBe(
    'ClickHouse is not reachable at http://127.0.0.1:1: start agentmeter first with `npm start` (or give --url where its ClickHouse HTTP interface listens)\n',
  );
  for (const r of [unknown, both, date, size, down]) expect(r.stderr).not.toMatch(/\n\s+at /);
});
