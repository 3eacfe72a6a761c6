/**
 * `agentmeter alerting`: the alerting service alone, against the configured ClickHouse (a
 * server URL, as beside ingesters that run elsewhere; or the embedded engine when nothing else
 * holds its data directory). The same service `start` runs; the schema is migrated first.
 */
import { startAlerting } from '@agentmeter/alerting';
import { AccessLog, loadConfig, migrate, openStore } from '@agentmeter/store';
import { listenerFailed } from './diagnose.js';
import { guardShutdown, untilStopped } from './signals.js';

export async function runAlerting(configFile: string | undefined): Promise<number> {
  const config = loadConfig(configFile);
  const store = openStore(config.clickhouse);
  try {
    await migrate(store.client, {
      database: config.clickhouse.database,
      cluster: config.clickhouse.cluster,
      retention: config.retentionDays,
    });
    const accessLog = new AccessLog({ client: store.client, database: config.clickhouse.database });
    const alerting = await startAlerting({
      client: store.client,
      config,
      onAccessRefused: (e) => accessLog.record(e),
    }).catch(listenerFailed('alerting'));
    const stopped = untilStopped();
    const rules = alerting.manager.ruleList().filter((r) => r.enabled).length;
    process.stdout.write(
      `agentmeter alerting is running (${store.mode === 'embedded' ? `embedded engine, data in ${store.dataPath}` : config.clickhouse.url})\n` +
        `  alerting API       ${alerting.url}/api/v1/alerts  (${rules} rules, ${alerting.dispatcher ? 'notifications configured' : 'no contact points configured'})\n`,
    );
    await stopped;
    guardShutdown(config.shutdownTimeoutMs + 5_000);
    await alerting.close();
    await accessLog.flush();
    process.stdout.write('agentmeter alerting stopped\n');
    return 0;
  } finally {
    await store.close();
  }
}
