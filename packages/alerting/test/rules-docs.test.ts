import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { defaultRules } from '../src/rules/defaults.js';
import { parseRules } from '../src/rules/load.js';
import { METRIC_NAMES } from '../src/rules/metrics.js';

const doc = readFileSync(new URL('../../../docs/alerting-rules.md', import.meta.url), 'utf8');

/** The section under `heading`, up to the next heading of the same or a higher level. */
function section(heading: string): string {
  const start = doc.indexOf(`${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const level = heading.split(' ')[0]!;
  const rest = doc.slice(start + heading.length);
  const end = rest.search(new RegExp(`\\n#{1,${level.length}} `));
  return end === -1 ? rest : rest.slice(0, end);
}

/** Backticked names in the first column of the section's table rows. */
function firstColumnNames(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

describe('docs/alerting-rules.md', () => {
  it('shows rule files that load as written', () => {
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    blocks.forEach((text, i) => {
      expect(() => parseRules(parse(text), `docs example ${i + 1}`)).not.toThrow();
    });
  });

  it('lists every metric of the catalogue, and no other', () => {
    expect(firstColumnNames(section('### Metrics')).sort()).toEqual([...METRIC_NAMES].sort());
  });

  it('lists every rule of the default pack, and no other', () => {
    const table = section('## The default pack')
      .split('\n')
      .filter((line) => line.startsWith('| '))
      .flatMap((line) => [...line.split('|')[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    expect(table.sort()).toEqual(
      defaultRules()
        .map((r) => r.name)
        .sort(),
    );
  });
});
