import { loadConfig } from '@agentmeter/shared';
import { startServices } from './services.js';

/** Runs the services until SIGINT/SIGTERM, then stores what was accepted and exits. */
export async function runStart(configFile: string | undefined): Promise<number> {
  const config = loadConfig(configFile);
  const services = await startServices(config);
  const where =
    services.store.mode === 'embedded'
      ? `embedded engine, data in ${services.store.dataPath}`
      : config.clickhouse.url;
  process.stdout.write(
    `agentmeter is running (${where})\n` +
      `  OTLP/HTTP traces   ${services.otlpUrl}/v1/traces\n` +
      `  ClickHouse HTTP    ${services.clickhouseUrl}  (database ${config.clickhouse.database})\n` +
      `  health / metrics   ${services.otlpUrl}/healthz  ${services.otlpUrl}/metrics\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write('shutting down: storing accepted spans...\n');
  await services.close();
  return 0;
}
