/**
 * The schema is spelled once: table names only in this package's sources, and the `llm_spans`
 * row type, insert list and DDL all from the one column table.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_RETENTION,
  LLM_SPAN_COLUMNS,
  schemaV1,
  schemaV2,
  SPAN_COLUMNS,
  Tables,
  type LlmSpanRow,
} from '../src/index.js';

const packages = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The file without its comments (a comment may name a table; code may not). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('the schema contract', () => {
  it('names tables only in @agentmeter/schema: every other package reads Tables', () => {
    const names = Object.values(Tables);
    const offenders: string[] = [];
    for (const pkg of readdirSync(packages)) {
      if (pkg === 'schema') continue;
      let src: string;
      try {
        src = join(packages, pkg, 'src');
        statSync(src);
      } catch {
        continue;
      }
      for (const file of sources(src)) {
        const text = code(readFileSync(file, 'utf8'));
        for (const name of names) {
          if (new RegExp(`\\b${name}\\b`).test(text))
            offenders.push(`${relative(packages, file)}: ${name}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('derives the insert list from the column table, in table order', () => {
    expect(LLM_SPAN_COLUMNS).toEqual(SPAN_COLUMNS.map((c) => c.name));
    // The row type has exactly these keys (compile-time: the tests are type-checked).
    const keys: (keyof LlmSpanRow)[] = [...LLM_SPAN_COLUMNS];
    const everyKey: Record<keyof LlmSpanRow, true> = Object.fromEntries(
      keys.map((k) => [k, true]),
    ) as Record<keyof LlmSpanRow, true>;
    expect(Object.keys(everyKey)).toHaveLength(SPAN_COLUMNS.length);
  });

  it('creates each column in the version that added it, and only there', () => {
    const o = { database: 'agentmeter', retention: DEFAULT_RETENTION };
    const v1 = schemaV1(o).find((s) =>
      s.includes(`TABLE IF NOT EXISTS agentmeter.${Tables.SPANS} `),
    )!;
    const v2 = schemaV2(o).join('\n');
    for (const c of SPAN_COLUMNS) {
      const inV1 = new RegExp(`\\n  ${c.name} `).test(v1);
      const inV2 = v2.includes(`ADD COLUMN IF NOT EXISTS ${c.name} ${c.ddl}`);
      expect([c.name, inV1, inV2]).toEqual([c.name, c.since === 1, c.since === 2]);
    }
  });
});
