/**
 * What installing a package pulls in: the runtime dependency closure, read from the package.json
 * files npm installed (workspace packages and node_modules). Agent code installs
 * @agentmeter/instrumentation; it must not bring the ClickHouse engine (chdb, ~100 MB native).
 */
import { existsSync, readFileSync } from 'node:fs';
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
    expect(instrumentation).not.toContain('@agentmeter/shared');
    expect([...runtimeClosure('@agentmeter/conventions')].sort()).toEqual([
      '@agentmeter/conventions',
      'zod',
    ]);
  });

  it('the server side does (the walk finds what is there)', () => {
    expect(runtimeClosure('agentmeter')).toContain('chdb');
    expect(runtimeClosure('@agentmeter/ingester')).toContain('chdb');
  });
});
