/**
 * What installing a package pulls in: the runtime dependency closure, read from the package.json
 * files npm installed (workspace packages and node_modules). Agent code installs
 * @agentmeter/instrumentation; it must not bring the ClickHouse engine (chdb, ~100 MB native).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The installed manifest of `name` as seen from `from` (a package directory), Node's lookup order. */
function manifestDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir)) throw new Error(`${name} is not installed (looked up from ${from})`);
  }
}

/** Every package `name` needs at run time: dependencies and required peers, transitively. */
function runtimeClosure(name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (pkg: string, from: string): void => {
    if (seen.has(pkg)) return;
    seen.add(pkg);
    const dir = manifestDir(pkg, from);
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    const peers = Object.keys(m.peerDependencies ?? {}).filter(
      (peer) => m.peerDependenciesMeta?.[peer]?.optional !== true,
    );
    for (const dep of [...Object.keys(m.dependencies ?? {}), ...peers]) visit(dep, dir);
  };
  visit(name, ROOT);
  return seen;
}

describe('what a package brings when installed', () => {
  it('the instrumentation and the conventions never bring the ClickHouse engine', () => {
    const instrumentation = runtimeClosure('@agentmeter/instrumentation');
    expect(instrumentation).toContain('@agentmeter/conventions');
    expect(instrumentation).toContain('@opentelemetry/api');
    expect(instrumentation).not.toContain('chdb');
    expect(instrumentation).not.toContain('@agentmeter/store');
    // zod for the config schemas, yaml for reading config files: nothing else.
    expect([...runtimeClosure('@agentmeter/conventions')].sort()).toEqual([
      '@agentmeter/conventions',
      'yaml',
      'zod',
    ]);
  });

  it('the server side does (the walk finds what is there)', () => {
    expect(runtimeClosure('agentmeter')).toContain('chdb');
    expect(runtimeClosure('@agentmeter/ingester')).toContain('chdb');
  });
});

/** What a scratch project's node_modules holds: every installed package name. */
function installedPackages(nodeModules: string): string[] {
  return readdirSync(nodeModules).flatMap((name) => {
    if (name.startsWith('.')) return [];
    if (!name.startsWith('@')) return [name];
    return readdirSync(join(nodeModules, name)).map((inner) => `${name}/${inner}`);
  });
}

function du(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sum + du(path);
    return entry.isFile() ? sum + readFileSync(path).length : sum;
  }, 0);
}

describe('installing the instrumentation into an agent project', () => {
  it('from packed tarballs: of OpenTelemetry only the API arrives, and it runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentmeter-scratch-'));
    try {
      const packs = ['conventions', 'schema', 'pricing', 'budgets', 'instrumentation'];
      execFileSync(
        'npm',
        ['pack', '--pack-destination', dir, ...packs.flatMap((p) => ['-w', `@agentmeter/${p}`])],
        { cwd: ROOT, stdio: 'pipe' },
      );
      const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
      expect(tarballs).toHaveLength(packs.length);
      const dependencies = Object.fromEntries(
        tarballs.map((t) => [
          `@agentmeter/${t.replace(/^agentmeter-/, '').replace(/-\d+\.\d+\.\d+\.tgz$/, '')}`,
          `file:./${t}`,
        ]),
      );
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'scratch-agent', private: true, type: 'module', dependencies }),
      );
      execFileSync(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'],
        { cwd: dir, stdio: 'pipe' },
      );
      const installed = installedPackages(join(dir, 'node_modules'));
      const opentelemetry = installed.filter((p) => p.startsWith('@opentelemetry/'));
      const mib = du(join(dir, 'node_modules')) / 1024 / 1024;
      console.log(`scratch install: ${installed.length} packages, ${mib.toFixed(1)} MiB`);
      expect(opentelemetry).toEqual(['@opentelemetry/api']);
      expect(installed).not.toContain('chdb');
      expect(installed).not.toContain('@clickhouse/client');

      writeFileSync(
        join(dir, 'agent.mjs'),
        `import { RoutingClient, BudgetEngine } from '@agentmeter/instrumentation';
         import { register } from '@agentmeter/instrumentation/register';
         let refused = '';
         try { register(); } catch (err) { refused = err.message; }
         console.log(JSON.stringify({ router: typeof RoutingClient, budgets: typeof BudgetEngine, refused }));`,
      );
      const run = spawnSync(process.execPath, ['agent.mjs'], { cwd: dir, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as { router: string; budgets: string; refused: string };
      expect(out.router).toBe('function');
      expect(out.budgets).toBe('function');
      expect(out.refused).toMatch(
        /npm install @opentelemetry\/sdk-node @opentelemetry\/exporter-trace-otlp-proto/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
