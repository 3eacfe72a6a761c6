// The product as a child process on the embedded engine, on free ports, for benchmarks.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts `agentmeter start` with its data in `dataDir` (and `args`, e.g. `--config FILE`);
 * resolves with the child and its URLs once it listens.
 */
export function startProductChild(dataDir, args = []) {
  const child = spawn(process.execPath, ['packages/cli/dist/main.js', 'start', ...args], {
    cwd: root,
    env: {
      ...process.env,
      AGENTMETER_DATA_DIR: dataDir,
      AGENTMETER_OTLP_PORT: '0',
      AGENTMETER_CLICKHOUSE_HTTP_PORT: '0',
      AGENTMETER_ALERTING_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const otlp = /OTLP\/HTTP traces\s+(\S+)/.exec(out);
      const ch = /ClickHouse HTTP\s+(\S+)/.exec(out);
      if (otlp && ch) resolve({ child, otlp: otlp[1], clickhouse: ch[1] });
    });
    child.once('exit', (code) => reject(new Error(`product exited with ${code}`)));
  });
}

/** Stops the child with SIGTERM and waits for it. */
export async function stopProductChild(child) {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
