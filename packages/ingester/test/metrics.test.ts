/**
 * The insert-duration histogram is observed in milliseconds and exposed in seconds: bucket
 * bounds, sum and inclusive upper bounds (`le` means ≤), as Prometheus reads them.
 */
import { describe, expect, it } from 'vitest';
import { IngesterMetrics } from '../src/metrics.js';

function samples(text: string): Map<string, number> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => {
        const at = l.lastIndexOf(' ');
        return [l.slice(0, at), Number(l.slice(at + 1))];
      }),
  );
}

describe('IngesterMetrics', () => {
  it('exposes insert durations in seconds, with cumulative buckets up to +Inf', () => {
    const metrics = new IngesterMetrics({ pendingRows: () => 7, rememberedSpans: () => 3 });
    metrics.insert(0.5, true);
    metrics.insert(1, true); // on the first bound: counted in it
    metrics.insert(3, true);
    metrics.insert(20_000, false); // beyond the last bound
    const s = samples(metrics.render());
    const bucket = (le: string) =>
      s.get(`agentmeter_ingester_insert_duration_seconds_bucket{le="${le}"}`);
    expect(bucket('0.001')).toBe(2);
    expect(bucket('0.002')).toBe(2);
    expect(bucket('0.005')).toBe(3);
    expect(bucket('10')).toBe(3);
    expect(bucket('+Inf')).toBe(4);
    expect(s.get('agentmeter_ingester_insert_duration_seconds_count')).toBe(4);
    expect(s.get('agentmeter_ingester_insert_duration_seconds_sum')).toBeCloseTo(20.0045, 9);
    expect(s.get('agentmeter_ingester_inserts_failed_total')).toBe(1);
    expect(s.get('agentmeter_ingester_pending_rows')).toBe(7);
    expect(s.get('agentmeter_ingester_dedupe_remembered_spans')).toBe(3);
    const bounds = [...s.keys()]
      .map((k) => /_bucket\{le="([^"]+)"\}$/.exec(k)?.[1])
      .filter((b) => b !== undefined);
    expect(bounds).toEqual([
      ...['0.001', '0.002', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5'],
      ...['1', '2.5', '5', '10', '+Inf'],
    ]);
  });

  it('counts requests by status code, in code order', () => {
    const metrics = new IngesterMetrics({ pendingRows: () => 0, rememberedSpans: () => 0 });
    for (const code of [503, 200, 200, 429]) metrics.request(code);
    const lines = metrics.render().split('\n');
    expect(lines.filter((l) => l.startsWith('agentmeter_ingester_requests_total'))).toEqual([
      'agentmeter_ingester_requests_total{code="200"} 2',
      'agentmeter_ingester_requests_total{code="429"} 1',
      'agentmeter_ingester_requests_total{code="503"} 1',
    ]);
  });
});
