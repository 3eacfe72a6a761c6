/**
 * A budget shared by a fleet: two routing clients ("instances") each with its own BudgetEngine
 * over a ClickHouseLedger that reads the product's ClickHouse HTTP interface, as instances read
 * a server. Their calls reach the store only as the real path carries them: routed call → OTel
 * SDK → OTLP/protobuf → ingester → llm_spans → rollups. One instance must block on spend that
 * only the other made, at the call the budget arithmetic says, and the blocked call must be
 * stored as a budget incident.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadPricing, type PriceCatalog } from '@agentmeter/pricing';
import {
  BudgetBlockError,
  BudgetEngine,
  ClickHouseLedger,
  openAIProvider,
  parseRoutingConfig,
  RoutingClient,
  type CompleteRequest,
} from '@agentmeter/instrumentation';
import { startFakeProvider, type FakeProvider } from '@agentmeter/test-kit';
import { startProduct, type Running } from './helpers.js';

const LIMIT_NANOS = 10_000_000; // $0.01 a day for project `fleet`
const CONFIG = parseRoutingConfig({
  models: { 'gpt-4o-mini': { provider: 'openai' } },
  llm_routing_policies: { docs: { strategy: 'best_first', builder_primary: 'gpt-4o-mini' } },
  budgets: [
    {
      id: 'fleet-daily',
      scope: 'project',
      period: 'daily',
      limit_usd: LIMIT_NANOS / 1e9,
      action: 'block',
    },
  ],
});
const REQUEST: CompleteRequest = {
  category: 'docs',
  role: 'builder',
  messages: [{ role: 'user', content: 'Document the export module.' }],
  tenancy: { project: 'fleet' },
};

let product: Running;
let fake: FakeProvider;
let pricing: PriceCatalog;
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  product = await startProduct();
  fake = await startFakeProvider({
    recordRequests: false,
    defaultStep: {
      kind: 'reply',
      openaiUsage: { prompt_tokens: 2000, completion_tokens: 300, total_tokens: 2300 },
    },
  });
  pricing = await loadPricing();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await fake?.close();
  await product?.stop();
});

interface Instance {
  name: string;
  router: RoutingClient;
  budgets: BudgetEngine;
  ledger: ClickHouseLedger;
  flush(): Promise<void>;
}

/** One instance: its own tracer, exporter, ClickHouse client, ledger and budget engine. */
function instance(name: string, exportDelayMs: number, ingestLagMs: number): Instance {
  const tracerProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': name }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${product.otlpUrl}/v1/traces` }), {
        scheduledDelayMillis: exportDelayMs,
      }),
    ],
  });
  const client: ClickHouseClient = createClient({ url: product.clickhouseUrl });
  const ledger = new ClickHouseLedger({
    client,
    refreshIntervalMs: 60_000, // refreshed by the test, so that what each read saw is known
    ingestLagMs,
  });
  const budgets = new BudgetEngine({ budgets: CONFIG.budgets ?? [], ledger });
  // Run in reverse: export what is left, stop reading, then close the client.
  closers.push(
    () => client.close(),
    () => ledger.stop(),
    () => tracerProvider.shutdown(),
  );
  return {
    name,
    router: new RoutingClient({
      config: CONFIG,
      providers: [openAIProvider({ baseURL: fake.openaiBaseURL, apiKey: 'test' })],
      pricing,
      budgets,
      tracer: tracerProvider.getTracer(name),
    }),
    budgets,
    ledger,
    flush: () => tracerProvider.forceFlush(),
  };
}

async function storedCalls(service: string): Promise<number> {
  const [row] = await product.rows<{ n: string }>(
    'SELECT toString(count()) AS n FROM agentmeter.llm_spans WHERE service_name = {s:String}',
    { s: service },
  );
  return Number(row?.n);
}

function spentNanos(i: Instance): number {
  const [status] = i.budgets.statuses({ model: 'gpt-4o-mini', project: 'fleet' }, new Date());
  return status?.spentNanos ?? Number.NaN;
}

describe('a budget shared by two routing instances through ClickHouse', () => {
  it('blocks an instance on the spend of the other, at the call the arithmetic says', async () => {
    // gpt-4o-mini, 2,000 input + 300 output tokens: 2000 × $0.15 + 300 × $0.60 per MTok.
    const callNanos = 2000 * 150 + 300 * 600;
    // A exports at once and hands its own calls over to the store 300 ms after recording them
    // (by then they are stored); B holds its spans until flushed, so the store has none of B's calls until then.
    const a = instance('fleet-a', 10, 300);
    const b = instance('fleet-b', 60_000, 60_000);
    await Promise.all([a.ledger.start(), b.ledger.start()]);

    const callsOfA = 15;
    for (let i = 0; i < callsOfA; i++) {
      const res = await a.router.complete(REQUEST);
      expect(res.cost).toMatchObject({ priced: true, costNanos: callNanos });
      expect(res.decisions.budget).toBe('allowed');
    }
    await a.flush();
    await vi.waitFor(async () => expect(await storedCalls('fleet-a')).toBe(callsOfA), {
      timeout: 10_000,
    });

    // B has made no call: everything it knows of the project's spend comes from the rollups.
    expect(spentNanos(b)).toBe(0);
    await b.ledger.refresh();
    expect(spentNanos(b)).toBe(callsOfA * callNanos);

    let callsOfB = 0;
    let blocked: BudgetBlockError | undefined;
    while (blocked === undefined && callsOfB < 30) {
      try {
        await b.router.complete(REQUEST);
        callsOfB++;
      } catch (error) {
        if (!(error instanceof BudgetBlockError)) throw error;
        blocked = error;
      }
    }
    expect(blocked).toBeInstanceOf(BudgetBlockError);
    const status = blocked!.status;
    // Spend seen by B = A's calls from the store + B's own from its local delta, exactly.
    expect(status.spentNanos).toBe((callsOfA + callsOfB) * callNanos);
    expect(status.limitNanos).toBe(LIMIT_NANOS);
    // Blocked because this call's estimate would pass the limit; the previous one fitted.
    expect(status.spentNanos + status.estimatedNanos).toBeGreaterThan(LIMIT_NANOS);
    expect(status.spentNanos - callNanos + status.estimatedNanos).toBeLessThanOrEqual(LIMIT_NANOS);
    // Alone, B would have kept going: its own calls are far under the limit.
    expect(callsOfB * callNanos + status.estimatedNanos).toBeLessThan(LIMIT_NANOS);
    expect(status.spentNanos).toBeLessThanOrEqual(LIMIT_NANOS);

    // B's spans reach the store, the refused call among them as a budget incident.
    await b.flush();
    await vi.waitFor(async () => expect(await storedCalls('fleet-b')).toBe(callsOfB + 1), {
      timeout: 10_000,
    });
    const incidents = await product.rows<Record<string, unknown>>(
      `SELECT status, error_category, budget_decision, budget_id, toString(cost_usd) AS cost
       FROM agentmeter.llm_spans WHERE service_name = 'fleet-b' AND status = 'error'`,
    );
    expect(incidents).toEqual([
      {
        status: 'error',
        error_category: 'budget',
        budget_decision: 'blocked',
        budget_id: 'fleet-daily',
        cost: '0',
      },
    ]);

    // A reads B's calls from the store, and its own once its local delta (kept in 1 s buckets
    // until a read started ingestLagMs after them) has handed them over to the store: no call
    // counted twice for good. Blocked too.
    await vi.waitFor(
      async () => {
        await a.ledger.refresh();
        expect(spentNanos(a)).toBe((callsOfA + callsOfB) * callNanos);
      },
      { timeout: 10_000, interval: 200 },
    );
    await expect(a.router.complete(REQUEST)).rejects.toBeInstanceOf(BudgetBlockError);

    // The rollups agree with the spans: what both instances spent, to the nano-dollar.
    const [day] = await product.rows<{ nanos: string }>(
      `SELECT toString(sum(cost_usd) * 1000000000) AS nanos FROM agentmeter.llm_usage_1d
       WHERE project = 'fleet'`,
    );
    expect(Number(day?.nanos)).toBe((callsOfA + callsOfB) * callNanos);
  });
});
