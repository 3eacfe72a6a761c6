/**
 * `agentmeter reprice`: opens the store and the price catalog of the configuration, runs
 * `reprice()` and prints one line per day.
 *
 * The embedded engine binds its data directory to one process, so against it the command runs
 * only while `agentmeter start` is not running on that directory; against a ClickHouse server
 * (`clickhouse.url`) it runs beside the service, on days that no longer receive spans.
 */
import { loadPricing } from '@agentmeter/pricing';
import { loadConfig, migrate, openStore } from '@agentmeter/store';
import { reprice, RepriceError, type RepriceReport } from '@agentmeter/store';

export interface RepriceCommandOptions {
  since: string | undefined;
  until: string | undefined;
  dryRun: boolean;
  includeSpanCosts: boolean;
  includeToday: boolean;
}

export async function runReprice(
  configFile: string | undefined,
  o: RepriceCommandOptions,
): Promise<number> {
  if (!o.since) {
    process.stderr.write('usage: agentmeter reprice --since YYYY-MM-DD [--until YYYY-MM-DD]\n');
    return 2;
  }
  const config = loadConfig(configFile);
  if (config.clickhouse.cluster) {
    // REPLACE PARTITION and the day's rebuild work on one node's tables; a cluster would need
    // them on every shard's local tables.
    throw new RepriceError(
      'REPRICE_CLUSTER',
      'reprice supports a single ClickHouse node, not clickhouse.cluster',
    );
  }
  if (!config.clickhouse.url && (await serviceRunning(config.clickhouseHttp))) {
    throw new RepriceError(
      'REPRICE_ENGINE_BUSY',
      'agentmeter is running on this data directory; stop it first (the embedded engine ' +
        'serves one process), or reprice against a ClickHouse server with clickhouse.url',
    );
  }
  const catalog = await loadPricing(
    config.pricing.overridesFile ? { overridesFile: config.pricing.overridesFile } : {},
  );
  const store = openStore(config.clickhouse);
  try {
    // The rebuild relies on the schema's views (1m → 1h → 1d) being in place and current.
    await migrate(store.client, {
      database: config.clickhouse.database,
      retention: config.retentionDays,
    });
    const report = await reprice(store.client, catalog, {
      schema: { database: config.clickhouse.database, retention: config.retentionDays },
      since: o.since,
      until: o.until,
      dryRun: o.dryRun,
      includeSpanCosts: o.includeSpanCosts,
      includeToday: o.includeToday,
    });
    process.stdout.write(formatReport(report));
    return 0;
  } finally {
    await store.close();
  }
}

async function serviceRunning(http: { host: string; port: number }): Promise<boolean> {
  try {
    await fetch(`http://${http.host}:${http.port}/ping`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

function formatReport(r: RepriceReport): string {
  const head = `${r.dryRun ? 'dry run: nothing written; ' : ''}days in time zone ${r.timeZone}\n`;
  if (r.days.length === 0) return `${head}no spans to reprice in the range\n`;
  const lines = r.days.map(
    (d) =>
      `${d.day}  spans ${d.repriced}/${d.spans}  old ${d.oldTotal}  new ${d.newTotal}  ` +
      `diff ${d.difference}  price_version ${d.oldPriceVersions.join(',') || '-'} -> ` +
      `${d.newPriceVersions.join(',') || '-'}`,
  );
  return `${head}${lines.join('\n')}\n`;
}
