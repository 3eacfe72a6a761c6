import type { AlertingService } from '@agentmeter/alerting';
import { loadConfig } from '@agentmeter/store';
import { startServices } from './services.js';
import { guardShutdown, untilStopped } from './signals.js';

function alertingSummary(a: AlertingService): string {
  const rules = a.manager.ruleList().filter((r) => r.enabled).length;
  return `${rules} rules, ${a.dispatcher ? 'notifications configured' : 'no contact points configured'}`;
}

/** Runs the services until SIGINT/SIGTERM, then stores what was accepted and exits. */
export async function runStart(configFile: string | undefined): Promise<number> {
  const config = loadConfig(configFile);
  const services = await startServices(config);
  // Handlers before the announcement: without them a SIGTERM sent right after it kills at once.
  const stopped = untilStopped();
  const where =
    services.store.mode === 'embedded'
      ? `embedded engine, data in ${services.store.dataPath}`
      : config.clickhouse.url;
  process.stdout.write(
    `agentmeter is running (${where})\n` +
      `  OTLP/HTTP traces   ${services.otlpUrl}/v1/traces\n` +
      `  ClickHouse HTTP    ${services.clickhouseUrl}  (database ${config.clickhouse.database})\n` +
      `  health / metrics   ${services.otlpUrl}/healthz  ${services.otlpUrl}/metrics\n` +
      (services.alerting
        ? `  alerting API       ${services.alerting.url}/api/v1/alerts  (${alertingSummary(services.alerting)})\n`
        : ''),
  );
  await stopped;
  process.stdout.write('shutting down: finishing requests in flight, storing accepted spans...\n');
  // The listeners cut what is left at the deadline; this guards against anything else hanging.
  guardShutdown(config.shutdownTimeoutMs + 5_000);
  await services.close();
  const m = services.ingester.pipeline.metrics;
  process.stdout.write(
    `agentmeter stopped: ${m.spansStored} spans stored since start (${m.spansRejected} rejected, ${m.spansDuplicate} duplicates dropped)\n`,
  );
  return 0;
}
