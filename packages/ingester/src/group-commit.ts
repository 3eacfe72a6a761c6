/**
 * Group commit: rows of concurrent requests are gathered into one INSERT (ClickHouse wants few
 * large inserts, and every insert also runs the rollup views), and each request is answered
 * only once the insert holding its rows has returned. One insert runs at a time; the next
 * batch gathers meanwhile. Memory is bounded: past `maxPendingRows` a submit is refused at once
 * (the receiver answers 429) instead of queueing.
 */
import type { LlmSpanRow } from '@agentmeter/shared';

export interface GroupCommitOptions {
  maxRows: number;
  maxDelayMs: number;
  maxPendingRows: number;
}

/** Stores one batch. Throws `InsertError` saying whether the rows may have been stored. */
export type BatchInserter = (rows: LlmSpanRow[]) => Promise<void>;

export class InsertError extends Error {
  readonly code = 'INSERT_FAILED';
  constructor(
    message: string,
    /** True when the insert may have been applied (a timeout), false when it certainly was not. */
    readonly outcomeUnknown: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class BackpressureError extends Error {
  readonly code = 'BACKPRESSURE';
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Batch {
  rows: LlmSpanRow[];
  waiters: Waiter[];
}

export interface InsertObservation {
  rows: number;
  durationMs: number;
  ok: boolean;
}

export class GroupCommitter {
  private gathering: Batch = { rows: [], waiters: [] };
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private pending = 0;

  constructor(
    private readonly options: GroupCommitOptions,
    private readonly insert: BatchInserter,
    private readonly observe: (o: InsertObservation) => void = () => {},
  ) {}

  /** Rows accepted and not yet stored or failed. */
  get pendingRows(): number {
    return this.pending;
  }

  /** Resolves once the rows are stored; rejects with BackpressureError or InsertError. */
  submit(rows: LlmSpanRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    if (this.pending + rows.length > this.options.maxPendingRows && this.pending > 0) {
      return Promise.reject(new BackpressureError(`${this.pending} rows waiting to be stored`));
    }
    this.pending += rows.length;
    return new Promise<void>((resolve, reject) => {
      const batch = this.gathering;
      for (const row of rows) batch.rows.push(row);
      batch.waiters.push({ resolve, reject });
      if (batch.rows.length >= this.options.maxRows) this.flushSoon(0);
      else this.flushSoon(this.options.maxDelayMs);
    });
  }

  /** Stores everything gathered so far and waits for it. */
  async drain(): Promise<void> {
    while (this.inFlight || this.gathering.rows.length > 0) {
      if (this.inFlight) await this.inFlight;
      else this.startInsert();
    }
  }

  private flushSoon(delayMs: number): void {
    if (this.inFlight) return; // the running insert's completion starts the next one
    if (delayMs === 0) {
      this.startInsert();
      return;
    }
    this.timer ??= setTimeout(() => this.startInsert(), delayMs);
  }

  private startInsert(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight || this.gathering.rows.length === 0) return;
    const batch = this.gathering;
    this.gathering = { rows: [], waiters: [] };
    this.inFlight = this.run(batch).finally(() => {
      this.inFlight = undefined;
      // Rows that arrived during the insert have waited as long as it took: store them now.
      this.startInsert();
    });
  }

  private async run(batch: Batch): Promise<void> {
    const started = performance.now();
    try {
      await this.insert(batch.rows);
      this.observe({ rows: batch.rows.length, durationMs: performance.now() - started, ok: true });
      for (const w of batch.waiters) w.resolve();
    } catch (err) {
      this.observe({ rows: batch.rows.length, durationMs: performance.now() - started, ok: false });
      for (const w of batch.waiters) w.reject(err);
    } finally {
      this.pending -= batch.rows.length;
    }
  }
}
