/**
 * decode → normalise → price → de-duplicate → group commit: what happens to one decoded OTLP
 * request, independent of HTTP. The receiver calls `ingest` and maps its outcome and errors
 * to status codes.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { systemClock, type Clock } from '@agentmeter/conventions';
import { Deduplicator } from './dedupe.js';
import { GroupCommitter } from './group-commit.js';
import { IngesterMetrics } from './metrics.js';
import { MAX_REASONS, Normaliser, type SpanPricer, type StartTimeWindow } from './normalise.js';
import type { DecodedTraceRequest } from './otlp/types.js';
import { allStored, SpanStore } from './span-store.js';

export interface PipelineOptions {
  database: string;
  journalDir: string;
  batchMaxRows: number;
  batchMaxDelayMs: number;
  maxPendingRows: number;
  dedupeWindowSeconds: number;
  dedupeMaxSpans: number;
  /** Days `llm_spans` keeps a span: older spans are refused (see StartTimeWindow). */
  spanRetentionDays: number;
  maxFutureSkewSeconds: number;
  pricer?: SpanPricer;
  /** Decides the accepted start times, the de-duplication window and the batching delay. */
  clock?: Clock;
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
    private readonly store: SpanStore,
    dedupe: Deduplicator,
    options: PipelineOptions,
  ) {
    const clock = options.clock ?? systemClock;
    this.normaliser = new Normaliser(
      options.pricer,
      startTimeWindow(options, () => clock.now()),
    );
    this.dedupe = dedupe;
    this.committer = new GroupCommitter(
      {
        maxRows: options.batchMaxRows,
        maxDelayMs: options.batchMaxDelayMs,
        maxPendingRows: options.maxPendingRows,
        clock,
      },
      (rows) => store.store(rows),
      (o) => this.metrics.insert(o.durationMs, o.ok),
    );
    this.metrics = new IngesterMetrics({
      pendingRows: () => this.committer.pendingRows,
      rememberedSpans: () => this.dedupe.rememberedSpans,
    });
  }

  /**
   * Builds the pipeline: completes the inserts a previous process journaled (so rollups equal raw
   * after a crash), then seeds the de-duplicator with the spans stored within its window.
   */
  static async create(client: ClickHouseClient, options: PipelineOptions): Promise<Pipeline> {
    const clock = options.clock ?? systemClock;
    const dedupe = new Deduplicator({
      windowMs: options.dedupeWindowSeconds * 1000,
      maxSpans: options.dedupeMaxSpans,
      now: () => clock.now(),
    });
    const store = await SpanStore.open(client, {
      database: options.database,
      journalDir: options.journalDir,
      onReplayed: (rows) => dedupe.commit(rows),
      clock,
    });
    const journal = await store.replayJournal();
    dedupe.seed(
      await store.recentKeys(options.dedupeWindowSeconds, Math.ceil(options.dedupeMaxSpans / 2)),
    );
    const pipeline = new Pipeline(client, store, dedupe, options);
    pipeline.metrics.journalReplayed = journal.replayed;
    return pipeline;
  }

  async ingest(request: DecodedTraceRequest): Promise<IngestOutcome> {
    const n = this.normaliser.normalise(request);
    this.metrics.spansReceived += n.rows.length + n.rejected + n.ignored;
    this.metrics.spansIgnored += n.ignored;
    const { fresh, duplicates } = this.dedupe.claim(n.rows);
    this.metrics.spansDuplicate += duplicates;
    let report;
    try {
      report = await this.committer.submit(fresh);
    } catch (err) {
      this.dedupe.release(fresh);
      throw err;
    }
    let stored = fresh.length;
    if (allStored(report)) {
      this.dedupe.commit(fresh);
    } else {
      const refused = report.refused.map((r) => r.row);
      const notStored = new Set([...refused, ...report.pending, ...report.unstored]);
      this.dedupe.commit(fresh.filter((r) => !notStored.has(r)));
      this.dedupe.release([...refused, ...report.unstored]);
      // Pending rows stay claimed: the journal stores them before anything else.
      stored -= notStored.size;
    }
    this.metrics.spansStored += stored;
    const rejected = n.rejected + report.refused.length;
    this.metrics.spansRejected += rejected;
    if (report.failure) throw report.failure;
    const reasons = [
      ...n.rejectReasons,
      ...report.refused.map((r) => `span ${r.row.span_id}: refused by ClickHouse: ${r.reason}`),
    ].slice(0, MAX_REASONS);
    return {
      stored,
      rejected,
      rejectMessage: rejected > 0 ? `${rejected} span(s) rejected: ${reasons.join('; ')}` : '',
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

/**
 * A span must start late enough that its raw row outlives the de-duplication window (so any retry
 * of it is recognised, after a restart too) and not further ahead than a wrong clock explains.
 */
function startTimeWindow(options: PipelineOptions, now: () => number): StartTimeWindow {
  return {
    now,
    maxAgeMs: (options.spanRetentionDays * 86_400 - options.dedupeWindowSeconds) * 1000,
    maxFutureMs: options.maxFutureSkewSeconds * 1000,
  };
}
