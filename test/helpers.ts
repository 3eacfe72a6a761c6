/** Shared set-up of the end-to-end tests: the product on a fresh embedded engine, on free ports. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServices, type Services } from 'agentmeter';
import { parseConfig, queryRows, type ConfigInput } from '@agentmeter/shared';

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
