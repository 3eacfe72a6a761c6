import { describe, expect, it } from 'vitest';
import { ErrorCategory } from '@agentmeter/conventions';
import { MEASURES, ROLLUP_DIMENSIONS } from '@agentmeter/schema';
import { leavesOf } from '../src/rules/formula.js';
import { METRICS } from '../src/rules/metrics.js';

describe('the metric catalogue', () => {
  it('reads only measure columns the rollups have, sums as sums and states as quantiles', () => {
    const kinds = new Map(MEASURES.map((m) => [m.name, m.kind]));
    for (const [name, metric] of Object.entries(METRICS)) {
      for (const leaf of leavesOf(metric.value, metric.inUse)) {
        if (leaf.op === 'errors') {
          expect(Object.values(ErrorCategory), name).toContain(leaf.category);
          expect(ROLLUP_DIMENSIONS, name).toContain('error_category');
        } else {
          expect(kinds.get(leaf.measure), `${name} reads ${leaf.measure}`).toBe(
            leaf.op === 'sum' ? 'sum' : 'quantiles',
          );
        }
      }
    }
  });

  it('has no share that needs merged states (a scope total is added up from window sums)', () => {
    const shares = Object.entries(METRICS).filter(([, m]) => m.share);
    expect(shares.map(([name]) => name).sort()).toEqual([
      'category_cost_share',
      'category_request_share',
    ]);
    for (const [name, metric] of shares) expect(metric.quantiles, name).toBe(false);
  });
});
