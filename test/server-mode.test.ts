/**
 * Server mode: with a ClickHouse URL configured, the same services migrate and write over
 * ClickHouse's HTTP protocol instead of the embedded engine; nothing else changes. The server
 * here is a second agentmeter's ClickHouse HTTP interface (a real HTTP peer on 127.0.0.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startServices, type Services } from 'agentmeter';
import { GenAi } from '@agentmeter/conventions';
import { parseConfig } from '@agentmeter/store';
import { startProduct, type Running } from './helpers.js';

let server: Running;
let viaHttp: Services;
const WRITER = { name: 'writer', password: 'writer-secret', readonly: false };
const READER = { name: 'grafana', password: 'reader-secret', readonly: true };

beforeAll(async () => {
  server = await startProduct({ clickhouseHttp: { users: [WRITER, READER] } });
  viaHttp = await startServices(
    parseConfig({
      clickhouse: {
        url: server.clickhouseUrl,
        username: WRITER.name,
        password: WRITER.password,
        database: 'agentmeter_remote',
      },
      ingester: { port: 0 },
      alerting: { port: 0 },
    }),
  );
});
afterAll(async () => {
  await viaHttp?.close();
  await server?.stop();
});

describe('services pointed at a ClickHouse server URL', () => {
  it('run in server mode and serve no embedded ClickHouse interface of their own', () => {
    expect(viaHttp.store.mode).toBe('server');
    expect(viaHttp.clickhouseUrl).toBe(server.clickhouseUrl);
  });

  it('migrate the schema and store spans and rollups on the server', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'remote-agent' }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${viaHttp.otlpUrl}/v1/traces` })),
      ],
    });
    const tracer = provider.getTracer('server-mode');
    for (let i = 0; i < 40; i++) {
      tracer
        .startSpan('chat gpt-4o', {
          attributes: {
            [GenAi.PROVIDER_NAME]: 'openai',
            [GenAi.REQUEST_MODEL]: 'gpt-4o',
            [GenAi.USAGE_INPUT_TOKENS]: 1000,
            [GenAi.USAGE_OUTPUT_TOKENS]: 100,
          },
        })
        .end();
    }
    await provider.shutdown();
    const [raw] = await server.rows<{ n: string; cost: string; source: string }>(
      "SELECT count() AS n, toString(sum(cost_usd)) AS cost, any(cost_source) AS source FROM agentmeter_remote.llm_spans WHERE service_name = 'remote-agent'",
    );
    expect(Number(raw!.n)).toBe(40);
    // Priced at ingest from the catalog: gpt-4o, $2.50 / $10 per MTok → 1000 × 2.5e-6 + 100 × 1e-5 = $0.0035 a call.
    expect(raw!.source).toBe('catalog');
    expect(Number(raw!.cost)).toBeCloseTo(40 * 0.0035, 9);
    const [rolled] = await server.rows<{ n: string }>(
      "SELECT sum(requests) AS n FROM agentmeter_remote.llm_usage_1d WHERE service_name = 'remote-agent'",
    );
    expect(Number(rolled!.n)).toBe(40);
  });

  it('keeps the read-only user read-only', async () => {
    const url = `${server.clickhouseUrl}/?user=${READER.name}&password=${READER.password}`;
    const read = await fetch(url, {
      method: 'POST',
      body: 'SELECT count() FROM agentmeter_remote.llm_spans',
    });
    expect(read.status).toBe(200);
    const write = await fetch(url, {
      method: 'POST',
      body: 'DROP TABLE agentmeter_remote.llm_spans',
    });
    expect(write.status).not.toBe(200);
    expect(await write.text()).toMatch(/readonly|READONLY/);
  });
});
