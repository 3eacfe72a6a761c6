/**
 * The ingester as a service: a pipeline over the store plus its OTLP/HTTP receiver, configured
 * from the deployment config. `agentmeter start` runs this; tests and benchmarks do too.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { AgentmeterConfig } from '@agentmeter/shared';
import type { SpanPricer } from './normalise.js';
import { Pipeline } from './pipeline.js';
import { startReceiver } from './receiver.js';

export interface Ingester {
  url: string;
  pipeline: Pipeline;
  /** Stops accepting, stores what was accepted, closes the listener. */
  close(): Promise<void>;
}

export async function startIngester(
  client: ClickHouseClient,
  config: Pick<AgentmeterConfig, 'ingester' | 'clickhouse'>,
  pricer?: SpanPricer,
): Promise<Ingester> {
  const c = config.ingester;
  const pipeline = await Pipeline.create(client, {
    database: config.clickhouse.database,
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
    maxBytes: c.maxBodyBytes,
    maxDecompressedBytes: c.maxDecompressedBytes,
  });
  return {
    url: receiver.url,
    pipeline,
    async close() {
      await receiver.close();
      await pipeline.drain();
    },
  };
}
