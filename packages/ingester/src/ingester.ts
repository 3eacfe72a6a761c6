/**
 * The ingester as a service: a pipeline over the store plus its OTLP/HTTP receiver, configured
 * from the deployment config. `agentmeter start` runs this; tests and benchmarks do too.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { AccessEvent, AgentmeterConfig } from '@agentmeter/store';
import type { SpanPricer } from './normalise.js';
import { Pipeline } from './pipeline.js';
import { startReceiver } from './receiver.js';

export interface Ingester {
  url: string;
  pipeline: Pipeline;
  /**
   * Stops accepting, lets in-flight requests finish (within `deadlineMs`), stores what was
   * accepted. Spans whose insert could not be applied stay journaled for the next start.
   */
  close(deadlineMs?: number): Promise<void>;
}

export async function startIngester(
  client: ClickHouseClient,
  config: Pick<AgentmeterConfig, 'ingester' | 'clickhouse' | 'retentionDays' | 'shutdownTimeoutMs'>,
  pricer?: SpanPricer,
  /** Told of refused credentials and rate-limited requests (the access log). */
  onAccessRefused?: (e: AccessEvent) => void,
): Promise<Ingester> {
  const c = config.ingester;
  const pipeline = await Pipeline.create(client, {
    database: config.clickhouse.database,
    journalDir: c.journalDir,
    spanRetentionDays: config.retentionDays.spans,
    maxFutureSkewSeconds: c.maxFutureSkewSeconds,
    batchMaxRows: c.batchMaxRows,
    batchMaxDelayMs: c.batchMaxDelayMs,
    maxPendingRows: c.maxPendingRows,
    dedupeWindowSeconds: c.dedupeWindowSeconds,
    dedupeMaxSpans: c.dedupeMaxSpans,
    ...(pricer ? { pricer } : {}),
  });
  const receiver = await startReceiver(pipeline, {
    host: c.host,
    port: c.port,
    apiKeys: c.apiKeys,
    requestTimeoutMs: c.requestTimeoutMs,
    maxConnections: c.maxConnections,
    headersTimeoutMs: c.headersTimeoutMs,
    keepAliveTimeoutMs: c.keepAliveTimeoutMs,
    maxBytes: c.maxBodyBytes,
    maxDecompressedBytes: c.maxDecompressedBytes,
    onAccessRefused,
  });
  return {
    url: receiver.url,
    pipeline,
    async close(deadlineMs = config.shutdownTimeoutMs) {
      await receiver.close(deadlineMs);
      await pipeline.drain();
    },
  };
}
