import { loadConfig, migrate, openStore } from '@agentmeter/store';

export async function runMigrate(configFile: string | undefined): Promise<number> {
  const config = loadConfig(configFile);
  const store = openStore(config.clickhouse);
  try {
    const report = await migrate(store.client, {
      database: config.clickhouse.database,
      cluster: config.clickhouse.cluster,
      retention: config.retentionDays,
    });
    process.stdout.write(
      `schema version ${report.current}` +
        (report.applied.length ? `; applied ${report.applied.join(', ')}` : '; nothing to apply') +
        (report.retentionChanged.length
          ? `; retention updated on ${report.retentionChanged.join(', ')}`
          : '') +
        '\n',
    );
    return 0;
  } finally {
    await store.close();
  }
}
