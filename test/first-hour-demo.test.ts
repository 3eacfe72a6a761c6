/**
 * Issue 9, a first hour without stack traces: `agentmeter demo` shows its progress and a summary
 * that agrees with what was stored, and says so plainly when nothing listens at its URL. The
 * demo runs on a ManualClock: its ticks, progress lines and duration take no real time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runDemo, type DemoOutput } from 'agentmeter';
import { ManualClock } from '@agentmeter/test-kit';
import { startProduct, type Running } from './helpers.js';

const MAIN = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));
let product: Running;

beforeAll(async () => {
  product = await startProduct();
});
afterAll(async () => {
  await product?.stop();
});

function capture(isTTY: boolean): DemoOutput & { text: string } {
  return {
    isTTY,
    text: '',
    write(chunk: string) {
      this.text += chunk;
    },
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('demo progress and summary', () => {
  it('off a terminal: a progress line every 10 s, then totals that match the store', async () => {
    const out = capture(false);
    const report = await runDemo({
      url: product.otlpUrl,
      minutes: 1,
      ratePerSecond: 10,
      backfillHours: 0,
      seed: 3,
      clock: new ManualClock(Date.now()),
      output: out,
    });
    const progress = out.text.split('\n').filter((l) => /^demo: \d+ spans sent, /.test(l));
    expect(progress).toEqual(
      [100, 200, 300, 400, 500, 600].map((n) => `demo: ${n} spans sent, 10/s, 0 rejected`),
    );
    expect(report).toMatchObject({ sent: 600, accepted: 600, rejected: 0, durationMs: 60_000 });
    expect(out.text).toContain(
      'demo: done in 1 min 0 s: 600 spans sent, 600 accepted, 0 rejected\n',
    );
    expect(out.text).toMatch(/ {2}simulated cost: \$\d+\.\d\d at catalog prices/);
    expect(out.text).toContain('  see it: npm run agentmeter -- sql "SELECT service_name');
    expect(out.text).not.toContain('last error');

    // The summary is what the ingester stored: the spans, and their cost as it priced them.
    const [stored] = await product.rows<{ spans: string; usd: string }>(
      'SELECT count() AS spans, toString(sum(cost_usd)) AS usd FROM agentmeter.llm_spans',
    );
    expect(Number(stored!.spans)).toBe(600);
    expect(report.costNanos).toBeGreaterThan(0);
    expect(Number(stored!.usd)).toBeCloseTo(report.costNanos / 1e9, 6);
    expect(out.text).toContain(`$${(report.costNanos / 1e9).toFixed(2)} at catalog prices`);
  });

  it('on a terminal: the progress line is rewritten in place', async () => {
    const out = capture(true);
    await runDemo({
      url: product.otlpUrl,
      minutes: 0.05,
      ratePerSecond: 4,
      backfillHours: 0,
      clock: new ManualClock(Date.now()),
      output: out,
    });
    const [progress, summary] = out.text.split('\ndemo: done in 3 s: ');
    const line = (sent: number) => `\rdemo: ${sent} spans sent, 4/s, 0 rejected\x1b[K`;
    expect(progress).toMatch(/ for 0\.05 min \(Ctrl-C stops\)\n\r/);
    expect(progress!.endsWith(`\n${line(4)}${line(8)}${line(12)}`)).toBe(true);
    expect(summary).toMatch(/^12 spans sent, 12 accepted, 0 rejected\n/);
  });

  it('counts spans the ingester rejects inside an accepted request, with its reason', async () => {
    const out = capture(false);
    const report = await runDemo({
      url: product.otlpUrl,
      minutes: 0.05,
      ratePerSecond: 5,
      backfillHours: 0,
      // Two years ago: beyond the spans' retention, so the ingester answers 200 and rejects them.
      clock: new ManualClock(Date.now() - 2 * 365 * 86_400_000),
      output: out,
    });
    expect(report).toMatchObject({ sent: 15, accepted: 0, rejected: 15 });
    expect(report.lastError).toContain('outside the accepted range');
    expect(out.text).toContain('15 spans sent, 0 accepted, 15 rejected\n  last error: ');
  });

  it('counts spans a receiver refuses as rejected, with the reason', async () => {
    const refusing = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('not for you');
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const out = capture(false);
      const report = await runDemo({
        url: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`,
        minutes: 0.05,
        ratePerSecond: 5,
        backfillHours: 0,
        clock: new ManualClock(),
        output: out,
      });
      expect(report).toMatchObject({ sent: 15, accepted: 0, rejected: 15 });
      expect(report.lastError).toMatch(
        /^HTTP 400 from http:\/\/127\.0\.0\.1:\d+\/v1\/traces: not for you$/,
      );
      expect(out.text).toContain('15 spans sent, 0 accepted, 15 rejected\n  last error: HTTP 400');
    } finally {
      await new Promise((resolve) => refusing.close(resolve));
    }
  });
});

describe('demo with nothing listening', () => {
  it('rejects with "agentmeter is not running at <url>"', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    await expect(
      runDemo({ url, minutes: 1, ratePerSecond: 1, backfillHours: 1, clock: new ManualClock() }),
    ).rejects.toThrow(`agentmeter is not running at ${url}: start it first with \`npm start\``);
  });

  it('the command prints that, without a stack, and exits non-zero', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const child = spawn(process.execPath, [MAIN, 'demo', '--url', url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toBe(
      `agentmeter is not running at ${url}: start it first with \`npm start\` (or give --url where it listens)\n`,
    );
  });
});
