import { describe, expect, it } from 'vitest';
import { MEASURES, ROLLUP_DIMENSIONS } from '@agentmeter/schema';
import { METRICS } from '../src/rules/metrics.js';

describe('the metric catalogue', () => {
  it('reads only measure and dimension columns the rollups have', () => {
    const measures = MEASURES.map((m) => m.name);
    for (const [name, metric] of Object.entries(METRICS)) {
      for (const m of metric.measures) expect(measures, `${name} reads ${m}`).toContain(m);
      for (const d of metric.dimensions) {
        expect(ROLLUP_DIMENSIONS as readonly string[], `${name} reads ${d}`).toContain(d);
      }
    }
  });

  it('names in its SQL only the columns it declares', () => {
    const known = new Set([...MEASURES.map((m) => m.name), ...ROLLUP_DIMENSIONS]);
    const context = { part: '1', hours: '{hours:Float64}', total: (e: string) => `sum(${e})` };
    for (const [name, metric] of Object.entries(METRICS)) {
      const sql = [metric.sql(context), metric.inUse ?? ''].join(' ');
      const declared = new Set<string>([...metric.measures, ...metric.dimensions, 'requests']);
      const used = (sql.match(/[a-z_]+/g) ?? []).filter((word) => known.has(word));
      for (const column of used) expect(declared, `${name} uses ${column}`).toContain(column);
    }
  });
});
