/**
 * Group commit: rows of concurrent requests are gathered into one INSERT (ClickHouse wants few
 * large inserts, and every insert also runs the rollup views), and each request is answered
 * only once the insert holding its rows has returned, with what became of its own rows: one
 * request's refused or unstorable rows never fail another's. One insert runs at a time; the next
 * batch gathers meanwhile. Memory is bounded: past `maxPendingRows` a submit is refused at once
 * (the receiver answers 429) instead of queueing.
 */
import { systemClock, type Clock, type Timer } from '@agentmeter/conventions';
import type { LlmSpanRow } from '@agentmeter/schema';
import { ALL_STORED, allStored, type RefusedRow, type StoreReport } from './span-store.js';

export interface GroupCommitOptions {
  maxRows: number;
  maxDelayMs: number;
  maxPendingRows: number;
  /** Times the gathering delay and the inserts (default: the system clock). */
  clock?: Clock;
}

/** Stores one batch and says what became of its rows (`SpanStore.store`). */
export type BatchInserter = (rows: LlmSpanRow[]) => Promise<StoreReport>;

export class BackpressureError extends Error {
  readonly code = 'BACKPRESSURE';
}

interface Waiter {
  rows: LlmSpanRow[];
  resolve: (report: StoreReport) => void;
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
  private timer: Timer | undefined;
  private readonly clock: Clock;
  private inFlight: Promise<void> | undefined;
  private pending = 0;

  constructor(
    private readonly options: GroupCommitOptions,
    private readonly insert: BatchInserter,
    private readonly observe: (o: InsertObservation) => void = () => {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /** Rows accepted and not yet stored or failed. */
  get pendingRows(): number {
    return this.pending;
  }

  /** Resolves, once the insert holding them has returned, with the report on these rows alone. */
  submit(rows: LlmSpanRow[]): Promise<StoreReport> {
    if (rows.length === 0) return Promise.resolve(ALL_STORED);
    if (this.pending + rows.length > this.options.maxPendingRows && this.pending > 0) {
      return Promise.reject(new BackpressureError(`${this.pending} rows waiting to be stored`));
    }
    this.pending += rows.length;
    return new Promise<StoreReport>((resolve, reject) => {
      const batch = this.gathering;
      for (const row of rows) batch.rows.push(row);
      batch.waiters.push({ rows, resolve, reject });
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
    this.timer ??= this.clock.setTimer(() => this.startInsert(), delayMs);
  }

  private startInsert(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
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
    const started = this.clock.now();
    try {
      const report = await this.insert(batch.rows);
      const ok = report.failure === undefined;
      this.observe({ rows: batch.rows.length, durationMs: this.clock.now() - started, ok });
      if (batch.waiters.length === 1) batch.waiters[0]!.resolve(report);
      else for (const [w, own] of splitReport(report, batch.waiters)) w.resolve(own);
    } catch (err) {
      this.observe({ rows: batch.rows.length, durationMs: this.clock.now() - started, ok: false });
      for (const w of batch.waiters) w.reject(err);
    } finally {
      this.pending -= batch.rows.length;
    }
  }
}

/** The batch report cut into one report per request (cheap when every row was stored). */
function splitReport(report: StoreReport, waiters: readonly Waiter[]): Map<Waiter, StoreReport> {
  const out = new Map<Waiter, StoreReport>();
  if (allStored(report)) {
    for (const w of waiters) out.set(w, ALL_STORED);
    return out;
  }
  const fate = new Map<LlmSpanRow, RefusedRow | 'pending' | 'unstored'>();
  for (const r of report.refused) fate.set(r.row, r);
  for (const row of report.pending) fate.set(row, 'pending');
  for (const row of report.unstored) fate.set(row, 'unstored');
  for (const w of waiters) {
    const own: StoreReport = { refused: [], pending: [], unstored: [], failure: undefined };
    for (const row of w.rows) {
      const f = fate.get(row);
      if (f === undefined) continue;
      if (f === 'pending') own.pending.push(row);
      else if (f === 'unstored') own.unstored.push(row);
      else own.refused.push(f);
    }
    if (own.pending.length + own.unstored.length > 0) own.failure = report.failure;
    out.set(w, own);
  }
  return out;
}
