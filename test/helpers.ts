/** Shared set-up of the end-to-end tests: the product on a fresh embedded engine, on free ports. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServices, type Services } from 'agentmeter';
import { parseConfig, queryRows, type ConfigInput } from '@agentmeter/store';

export interface Running extends Services {
  rows<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startProduct(overrides: ConfigInput = {}): Promise<Running> {
  const dataPath = mkdtempSync(join(tmpdir(), 'agentmeter-e2e-'));
  const config = parseConfig({
    ...overrides,
    clickhouse: { dataPath, ...overrides.clickhouse },
    ingester: { port: 0, ...overrides.ingester },
    clickhouseHttp: { port: 0, ...overrides.clickhouseHttp },
    alerting: { port: 0, ...overrides.alerting },
  });
  const services = await startServices(config);
  return {
    ...services,
    rows: (sql, params) => queryRows(services.store.client, sql, params),
    async stop() {
      await services.close();
      rmSync(dataPath, { recursive: true, force: true });
    },
  };
}

/** An OTLP/JSON attribute value, as a client writes it (`{ stringValue }`, `{ intValue }`, ...). */
export type JsonValue = Record<string, unknown>;

/**
 * One OTLP/JSON LLM span with ids made from `serial`: model gpt-4o, $0.001, the project, and any
 * other attributes (which override those). Tests write spans by hand to control every type.
 */
export function jsonSpan(o: {
  serial: number;
  project: string;
  startNs?: bigint | string;
  attrs?: Record<string, JsonValue>;
}): Record<string, unknown> {
  const start = o.startNs ?? BigInt(Date.now() - 60_000) * 1_000_000n;
  return {
    traceId: o.serial.toString(16).padStart(32, 'a'),
    spanId: o.serial.toString(16).padStart(16, 'b'),
    name: 'chat',
    kind: 3,
    startTimeUnixNano: String(start),
    endTimeUnixNano: typeof start === 'bigint' ? String(start + 1_000_000_000n) : start,
    attributes: Object.entries({
      'gen_ai.request.model': { stringValue: 'gpt-4o' },
      'agentmeter.cost.usd': { doubleValue: 0.001 },
      'agentmeter.project': { stringValue: o.project },
      ...o.attrs,
    }).map(([key, value]) => ({ key, value })),
  };
}

/** An ExportTraceServiceRequest in OTLP/JSON holding the spans. */
export function jsonRequest(spans: unknown[]): string {
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: {}, spans }] }],
  });
}
