/**
 * Against the real Prometheus Alertmanager (0.25, Debian's prometheus-alertmanager): alerts the
 * dispatcher pushes are active there with our labels, kept alive by re-sends, and resolved by
 * the resolve. Skipped, saying so, where the binary is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@agentmeter/test-kit';
import { parseNotificationConfig } from '../src/notify/config.js';
import { NotificationDispatcher } from '../src/notify/dispatcher.js';
import { firing, resolved } from './notify/notices.js';
import { WatchedLog } from './notify/watched-log.js';

const BINARY = [
  '/usr/bin/prometheus-alertmanager',
  '/usr/bin/alertmanager',
  '/usr/local/bin/alertmanager',
].find((path) => existsSync(path));
if (!BINARY) {
  console.log(
    'notify-alertmanager: skipped: no Alertmanager binary (apt-get install -y prometheus-alertmanager)',
  );
}

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  generatorURL?: string;
  status: { state: string };
}

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-alertmanager-'));
let alertmanager: ChildProcess | undefined;
let url = '';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts Alertmanager without clustering; resolves once it says it listens. */
async function startAlertmanager(binary: string): Promise<void> {
  const port = await freePort();
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n",
  );
  const child = spawn(
    binary,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  alertmanager = child;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('msg="Listening on"')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`alertmanager exited with ${code}:\n${output}`)));
  });
  url = `http://127.0.0.1:${port}`;
}

async function activeAlerts(): Promise<GettableAlert[]> {
  const response = await fetch(`${url}/api/v2/alerts?active=true&silenced=true&inhibited=true`);
  expect(response.status).toBe(200);
  return ((await response.json()) as GettableAlert[]).filter(
    (a) => a.labels['team'] === 'agentmeter-test',
  );
}

beforeAll(async () => {
  if (BINARY) await startAlertmanager(BINARY);
});
afterAll(() => {
  alertmanager?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('pushing to Alertmanager 0.25', () => {
  it.skipIf(!BINARY)(
    'makes alerts active with our labels, keeps them alive, and resolves them',
    async () => {
      expect((await fetch(`${url}/-/ready`)).status).toBe(200);
      // Alertmanager judges endsAt by its own clock: the test clock starts at the real time.
      const clock = new ManualClock(Date.now());
      const config = parseNotificationConfig([
        {
          file: 'notify.yaml',
          content: {
            apiVersion: 1,
            contactPoints: [
              {
                name: 'am',
                receivers: [{ uid: 'am-1', type: 'prometheus-alertmanager', settings: { url } }],
              },
            ],
            policies: [{ receiver: 'am', group_wait: '0s' }],
          },
        },
      ]);
      const log = new WatchedLog();
      const dispatcher = new NotificationDispatcher({ config, log, clock });
      await dispatcher.start();
      const startsAt = Date.now() - 60_000;
      const labels = { alertname: 'HighCost', team: 'agentmeter-test', severity: 'critical' };
      const openai = firing({ ...labels, provider: 'openai' }, startsAt, {
        annotations: { summary: 'openai over budget' },
      });
      const anthropic = firing({ ...labels, provider: 'anthropic' }, startsAt);
      dispatcher.push([openai, anthropic]);
      await log.count('sent', 1);

      const active = await activeAlerts();
      expect(active.map((a) => a.labels['provider']).sort()).toEqual(['anthropic', 'openai']);
      expect(active.find((a) => a.labels['provider'] === 'openai')).toMatchObject({
        labels: { ...labels, provider: 'openai' },
        annotations: { summary: 'openai over budget' },
        startsAt: new Date(startsAt).toISOString(),
        generatorURL: openai.generatorURL,
        status: { state: 'active' },
      });

      // Re-sent every minute while firing, so Alertmanager does not time them out.
      clock.advance(60_000);
      await log.count('sent', 2);
      expect(log.rows.filter((r) => r.status === 'sent').map((r) => r.fingerprints.length)).toEqual(
        [2, 2],
      );

      // Resolved: sent once with endsAt, and no longer active there.
      dispatcher.push([resolved(openai, Date.now() - 1_000)]);
      clock.advance(60_000);
      await log.count('sent', 3);
      expect((await activeAlerts()).map((a) => a.labels['provider'])).toEqual(['anthropic']);
      const last = JSON.parse(log.rows.at(-1)!.payload) as {
        labels: Record<string, string>;
        endsAt?: string;
      }[];
      expect(last.map((a) => [a.labels['provider'], a.endsAt !== undefined])).toEqual([
        ['anthropic', false],
        ['openai', true],
      ]);
      clock.advance(60_000);
      await log.count('sent', 4);
      // The resolve went once; the keep-alive carries the firing alert only.
      expect(JSON.parse(log.rows.at(-1)!.payload)).toHaveLength(1);
      await dispatcher.stop();
    },
  );
});
