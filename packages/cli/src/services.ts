/**
 * Everything `agentmeter start` runs, in one place: the store, the schema, the ingester and,
 * on the embedded engine, the ClickHouse HTTP interface. End-to-end tests start the product
 * through this same function.
 */
import { startAlerting, type AlertingService } from '@agentmeter/alerting';
import { openChdbExecutor, startClickHouseHttpServer } from '@agentmeter/clickhouse-http';
import { startIngester } from '@agentmeter/ingester';
import { loadPricing, type PriceCatalog } from '@agentmeter/pricing';
import {
  AccessLog,
  migrate,
  openStore,
  type AccessEvent,
  type AgentmeterConfig,
  type Store,
} from '@agentmeter/store';
import { listenerFailed } from './diagnose.js';

export interface Services {
  store: Store;
  /** OTLP/HTTP base URL of the ingester. */
  otlpUrl: string;
  /** ClickHouse HTTP URL: ours on the embedded engine, the server's otherwise. */
  clickhouseUrl: string;
  ingester: Awaited<ReturnType<typeof startIngester>>;
  /** The price catalog the ingester prices cost-less spans with. */
  pricing: PriceCatalog;
  /** The alerting service, unless `alerting.enabled` is false. */
  alerting: AlertingService | undefined;
  close(): Promise<void>;
}

export async function startServices(config: AgentmeterConfig): Promise<Services> {
  const pricing = await loadPricing(
    config.pricing.overridesFile ? { overridesFile: config.pricing.overridesFile } : {},
  );
  const store = openStore(config.clickhouse);
  // Closed last first; the listeners (ingester, ClickHouse interface) stop together so that one
  // draining does not eat the other's shutdown deadline.
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const listeners: (() => Promise<void>)[] = [];
  try {
    await migrate(store.client, {
      database: config.clickhouse.database,
      cluster: config.clickhouse.cluster,
      retention: config.retentionDays,
    });
    // Refused credentials and rate-limited requests of every listener, for rules and dashboards.
    const accessLog = new AccessLog({
      client: store.client,
      database: config.clickhouse.database,
      onError: (e) => console.warn('agentmeter: access log insert failed:', e),
    });
    closers.unshift(() => accessLog.flush());
    const onAccessRefused = (e: AccessEvent) => accessLog.record(e);
    const ingester = await startIngester(store.client, config, pricing, onAccessRefused).catch(
      listenerFailed('otlp'),
    );
    listeners.push(() => ingester.close());
    let clickhouseUrl = config.clickhouse.url ?? '';
    if (store.dataPath !== undefined && config.clickhouseHttp.enabled) {
      // Its own engine sessions on the same data directory: per-request settings and `USE`
      // must not touch the connection the ingester writes through.
      const h = config.clickhouseHttp;
      const executor = await openChdbExecutor({
        dataPath: store.dataPath,
        concurrency: h.maxConcurrentQueries,
      });
      closers.unshift(() => executor.close());
      const http = await startClickHouseHttpServer({
        executor,
        host: h.host,
        port: h.port,
        users: h.users,
        // One secret guards both listeners: with API keys set, queries need one too.
        apiKeys: config.ingester.apiKeys,
        maxBodyBytes: h.maxBodyBytes,
        maxExecutionTimeSeconds: h.maxExecutionTimeSeconds,
        maxMemoryUsageBytes: h.maxMemoryUsageBytes,
        maxResultBytes: h.maxResultBytes,
        maxConcurrentQueriesPerUser: h.maxConcurrentQueriesPerUser,
        maxQueuedQueriesPerUser: h.maxQueuedQueriesPerUser,
        maxConnections: h.maxConnections,
        headersTimeoutMs: h.headersTimeoutMs,
        keepAliveTimeoutMs: h.keepAliveTimeoutMs,
        maxSessions: h.maxSessions,
        maxSessionTimeoutSeconds: h.maxSessionTimeoutSeconds,
        onAccessRefused,
      }).catch(listenerFailed('clickhouseHttp'));
      listeners.push(() => http.close(config.shutdownTimeoutMs));
      clickhouseUrl = http.url;
    }
    const alerting = config.alerting.enabled
      ? await startAlerting({ client: store.client, config, onAccessRefused }).catch(
          listenerFailed('alerting'),
        )
      : undefined;
    if (alerting) listeners.push(() => alerting.close(config.shutdownTimeoutMs));
    return {
      store,
      otlpUrl: ingester.url,
      clickhouseUrl,
      ingester,
      pricing,
      alerting,
      async close() {
        await Promise.all(listeners.map((close) => close()));
        for (const close of closers) await close();
      },
    };
  } catch (err) {
    for (const close of [...listeners, ...closers]) await close().catch(() => {});
    throw err;
  }
}
