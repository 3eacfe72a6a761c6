/**
 * `agentmeter alerting` as a user runs it: the alerting service alone, as a child process, on
 * its own data directory; it serves the API, runs the default pack and stops on SIGTERM.
 */
import { afterAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'agentmeter-alerting-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('serves the API with the default pack and stops cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [MAIN, 'alerting'], {
    env: { ...process.env, AGENTMETER_DATA_DIR: dir, AGENTMETER_ALERTING_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /alerting API\s+(http:\/\/\S+)\/api\/v1\/alerts/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`exited early: ${stderr}`)));
  });
  expect(stdout).toMatch(/\(\d+ rules, no contact points configured\)/);
  const rules = (await (await fetch(`${url}/api/v1/rules`)).json()) as {
    status: string;
    data: { groups: { name: string }[] };
  };
  expect(rules.status).toBe('success');
  expect(rules.data.groups.map((g) => g.name)).toContain('agentmeter-llm-health');
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stdout).toContain('agentmeter alerting stopped');
  expect(stderr).not.toMatch(/\n\s+at /);
});
