/**
 * decode → normalise → price → de-duplicate → group commit: what happens to one decoded OTLP
 * request, independent of HTTP. The receiver calls `ingest` and maps its outcome and errors
 * to status codes.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { Deduplicator } from './dedupe.js';
import { GroupCommitter, InsertError } from './group-commit.js';
import { IngesterMetrics } from './metrics.js';
import { Normaliser, type SpanPricer } from './normalise.js';
import type { DecodedTraceRequest } from './otlp/types.js';
import { SpanStore } from './span-store.js';

export interface PipelineOptions {
  database: string;
  batchMaxRows: number;
  batchMaxDelayMs: number;
  maxPendingRows: number;
  dedupeWindowSeconds: number;
  dedupeMaxSpans: number;
  pricer?: SpanPricer;
}

export interface IngestOutcome {
  stored: number;
  rejected: number;
  /** partial_success.error_message: empty unless spans were rejected. */
  rejectMessage: string;
  duplicates: number;
  ignored: number;
}

export class Pipeline {
  readonly metrics: IngesterMetrics;
  private readonly normaliser: Normaliser;
  private readonly dedupe: Deduplicator;
  private readonly committer: GroupCommitter;

  private constructor(
    private readonly client: ClickHouseClient,
    store: SpanStore,
    options: PipelineOptions,
  ) {
    this.normaliser = new Normaliser(options.pricer);
    this.dedupe = new Deduplicator(
      { windowMs: options.dedupeWindowSeconds * 1000, maxSpans: options.dedupeMaxSpans },
      store.lookupStored,
    );
    this.committer = new GroupCommitter(
      {
        maxRows: options.batchMaxRows,
        maxDelayMs: options.batchMaxDelayMs,
        maxPendingRows: options.maxPendingRows,
      },
      store.insert,
      (o) => this.metrics.insert(o.durationMs, o.ok),
    );
    this.metrics = new IngesterMetrics({
      pendingRows: () => this.committer.pendingRows,
      rememberedSpans: () => this.dedupe.rememberedSpans,
    });
  }

  /** Builds the pipeline and seeds the de-duplicator with the spans stored within its window. */
  static async create(client: ClickHouseClient, options: PipelineOptions): Promise<Pipeline> {
    const store = new SpanStore(client, { database: options.database });
    const pipeline = new Pipeline(client, store, options);
    pipeline.dedupe.seed(
      await store.recentKeys(options.dedupeWindowSeconds, Math.ceil(options.dedupeMaxSpans / 2)),
    );
    return pipeline;
  }

  async ingest(request: DecodedTraceRequest): Promise<IngestOutcome> {
    const n = this.normaliser.normalise(request);
    this.metrics.spansReceived += n.rows.length + n.rejected + n.ignored;
    this.metrics.spansRejected += n.rejected;
    this.metrics.spansIgnored += n.ignored;
    const { fresh, duplicates } = await this.dedupe.claim(n.rows);
    this.metrics.spansDuplicate += duplicates;
    try {
      await this.committer.submit(fresh);
    } catch (err) {
      if (err instanceof InsertError && err.outcomeUnknown) this.dedupe.markUncertain(fresh);
      else this.dedupe.release(fresh);
      throw err;
    }
    this.dedupe.commit(fresh);
    this.metrics.spansStored += fresh.length;
    return {
      stored: fresh.length,
      rejected: n.rejected,
      rejectMessage:
        n.rejected > 0 ? `${n.rejected} span(s) rejected: ${n.rejectReasons.join('; ')}` : '',
      duplicates,
      ignored: n.ignored,
    };
  }

  /** True when the store answers. */
  async ready(): Promise<boolean> {
    try {
      return (await this.client.ping()).success;
    } catch {
      return false;
    }
  }

  /** Stores everything accepted so far. */
  drain(): Promise<void> {
    return this.committer.drain();
  }
}
