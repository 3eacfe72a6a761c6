/**
 * Issue 9, a first hour without stack traces: `agentmeter start` where its data directory or a
 * port is taken says what is wrong and what to do, exits non-zero and leaves nothing running;
 * a stop says what was stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServices } from 'agentmeter';
import { parseConfig } from '@agentmeter/store';
import { jsonRequest, jsonSpan } from './helpers.js';

const MAIN = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));
/** Finding the holding process reads Linux's /proc; elsewhere the messages do without it. */
const LINUX = process.platform === 'linux';
const STACK_LINE = /^ {4}at /m;
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'agentmeter-first-hour-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Run {
  pid: number;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once it serves (its OTLP URL), or undefined when it exited first. */
  ready: Promise<string | undefined>;
  exited: Promise<number | null>;
  signal(signal: NodeJS.Signals): void;
}

/** `agentmeter start` as a child process, on free ports unless `env` says otherwise. */
function start(dataDir: string, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: {
      ...process.env,
      AGENTMETER_DATA_DIR: dataDir,
      AGENTMETER_OTLP_PORT: '0',
      AGENTMETER_CLICKHOUSE_HTTP_PORT: '0',
      AGENTMETER_ALERTING_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = new Promise<string | undefined>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const otlp = /OTLP\/HTTP traces\s+(http:\/\/\S+)\/v1\/traces/.exec(stdout);
      if (otlp) resolve(otlp[1]);
    });
    void exited.then(() => resolve(undefined));
  });
  return {
    pid: child.pid!,
    stdout: () => stdout,
    stderr: () => stderr,
    ready,
    exited,
    signal: (signal) => child.kill(signal),
  };
}

/** A listener of this process on a free port of 127.0.0.1, as another program would hold it. */
async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('a second start on the same data directory', () => {
  it('says which process holds it and which setting moves it, and exits non-zero', async () => {
    const dir = join(root, 'shared');
    const first = start(dir);
    expect(await first.ready, first.stderr()).toBeDefined();
    const second = start(dir);
    const code = await second.exited;
    first.signal('SIGTERM');
    await first.exited;

    expect(code).not.toBe(0);
    expect(second.stderr()).toContain(`the data directory ${dir} is in use by another agentmeter`);
    expect(second.stderr()).toContain('set AGENTMETER_DATA_DIR (clickhouse.dataPath');
    expect(second.stderr()).toContain(`PID ${first.pid}`);
    expect(second.stderr()).not.toMatch(STACK_LINE);
    // Refused before the engine is asked, so its own message does not come first: where the
    // kernel lists file locks (Linux); elsewhere the engine is asked and prints it.
    if (existsSync('/proc/locks')) expect(second.stderr()).not.toContain('DB::Exception');
    expect(second.stdout()).toBe('');
  });
});

describe('a port in use', () => {
  for (const [listener, env, what] of [
    ['the OTLP receiver', 'AGENTMETER_OTLP_PORT', 'OTLP receiver'],
    [
      'the ClickHouse HTTP interface',
      'AGENTMETER_CLICKHOUSE_HTTP_PORT',
      'ClickHouse HTTP interface',
    ],
  ] as const) {
    it(`${listener}: names the address, the holder and ${env}, and exits non-zero`, async () => {
      const held = await occupy();
      try {
        const run = start(join(root, env), { [env]: String(held.port) });
        const code = await run.exited;
        expect(code).not.toBe(0);
        const stderr = run.stderr();
        expect(stderr).toContain(`the ${what} cannot listen on 127.0.0.1:${held.port}:`);
        expect(stderr).toContain(`set ${env} (`);
        if (LINUX) expect(stderr).toContain(`PID ${process.pid} (`);
        expect(stderr).not.toMatch(STACK_LINE);
      } finally {
        await close(held.server);
      }
    });
  }

  it('leaves nothing started: the other listener and the engine are closed', async () => {
    const dataPath = join(root, 'half-started');
    const otlp = await occupy();
    await close(otlp.server); // a free port, to see it free again afterwards
    const held = await occupy();
    try {
      await expect(
        startServices(
          parseConfig({
            clickhouse: { dataPath },
            ingester: { port: otlp.port },
            clickhouseHttp: { port: held.port },
          }),
        ),
      ).rejects.toThrow(`set AGENTMETER_CLICKHOUSE_HTTP_PORT (`);
    } finally {
      await close(held.server);
    }
    // The OTLP receiver, which had started, listens no more...
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(otlp.port, '127.0.0.1', resolve);
    });
    await close(again);
    // ...and the engine let go of its data directory: another process can open it.
    const next = start(dataPath);
    expect(await next.ready, next.stderr()).toBeDefined();
    next.signal('SIGTERM');
    expect(await next.exited).toBe(0);
  });
});

describe('stopping', () => {
  it('on SIGINT, says what was stored and that it stopped', async () => {
    const run = start(join(root, 'sigint'));
    const url = await run.ready;
    expect(url, run.stderr()).toBeDefined();
    const spans = [1, 2, 3].map((serial) => jsonSpan({ serial, project: 'first-hour' }));
    const res = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: jsonRequest(spans),
    });
    expect(res.status).toBe(200);
    run.signal('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(
      /agentmeter stopped: 3 spans stored since start \(0 rejected, 0 duplicates dropped\)\n$/,
    );
    expect(run.stderr()).toBe('');
  });
});
