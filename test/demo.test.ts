/** `agentmeter demo` fills a running product with a realistic fleet's spans. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from 'agentmeter';
import { ManualClock } from '@agentmeter/test-kit';
import { startProduct, type Running } from './helpers.js';

let product: Running;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(async () => {
  await product?.stop();
});

function latestNoonUtc(): number {
  const day = 86_400_000;
  const noon = Math.floor(Date.now() / day) * day + day / 2;
  return noon <= Date.now() ? noon : noon - day;
}

describe('demo fleet', () => {
  it('sends history that lands priced, routed and rolled up', async () => {
    await runDemo({
      url: product.otlpUrl,
      minutes: 0,
      ratePerSecond: 10,
      backfillHours: 4,
      seed: 7,
      // The history's volume follows the hour of day: run it as of the latest 12:00 UTC, whose
      // four hours before are working hours, whenever the test runs.
      clock: new ManualClock(latestNoonUtc()),
    });
    const [t] = await product.rows<Record<string, string>>(
      `SELECT count() AS spans, uniqExact(service_name) AS services, uniqExact(category) AS categories,
              countIf(escalated) AS escalated, countIf(cost_source = 'catalog' AND cost_usd > 0) AS priced,
              countIf(cost_source = 'unpriced') AS unpriced, countIf(quota_decision = 'blocked') AS blocked,
              countIf(status = 'error') AS errors
       FROM agentmeter.llm_spans`,
    );
    const n = Object.fromEntries(Object.entries(t!).map(([k, v]) => [k, Number(v)]));
    expect(n['spans']).toBeGreaterThan(600);
    expect(n['services']).toBe(3);
    expect(n['categories']).toBe(9);
    expect(n['escalated']).toBeGreaterThan(0);
    expect(n['priced']! / n['spans']!).toBeGreaterThan(0.85);
    expect(n['unpriced']).toBeGreaterThan(0); // the private fine-tune is reported, never $0 silently
    expect(n['errors']! / n['spans']!).toBeLessThan(0.06);
    const [r] = await product.rows<{ n: string }>(
      'SELECT sum(requests) AS n FROM agentmeter.llm_usage_1h',
    );
    expect(Number(r!.n)).toBe(n['spans']);
  });
});
