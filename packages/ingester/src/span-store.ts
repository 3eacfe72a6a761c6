/**
 * The ingester's writes to ClickHouse: batch inserts into `llm_spans` (the rollup views run
 * inside them), journaled so that a crash mid-insert is completed at the next start, split so that
 * no valid batch is refused, and isolated so that one span ClickHouse cannot store never fails
 * the spans stored with it. Also the recent keys that seed the de-duplicator at start.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { systemClock, type Clock } from '@agentmeter/conventions';
import { queryRows } from '@agentmeter/store';
import { LLM_SPAN_COLUMNS, Tables, type LlmSpanRow } from '@agentmeter/schema';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { InsertJournal, type JournalEntry } from './insert-journal.js';

export interface SpanStoreOptions {
  database: string;
  /** Directory of the insert journal. */
  journalDir: string;
  /** Attempts of one insert (same deduplication token each time). */
  attempts?: number;
  retryDelayMs?: number;
  /** Rows of an earlier, pending insert that a later call has now applied. */
  onReplayed?: (rows: readonly LlmSpanRow[]) => void;
  /** Waits between attempts (default: the system clock). */
  clock?: Clock;
}

/** A row ClickHouse refused for what it holds, and ClickHouse's reason. */
export interface RefusedRow {
  row: LlmSpanRow;
  reason: string;
}

/** What became of the rows of one `store` call; rows in none of the lists are stored. */
export interface StoreReport {
  /** Refused for their content: tell the sender, never retry. */
  refused: RefusedRow[];
  /** Journaled but not applied: the store is unavailable; applied before any later insert. */
  pending: LlmSpanRow[];
  /** Not attempted or certainly not applied: the sender must retry them. */
  unstored: LlmSpanRow[];
  /** Why rows are pending or unstored. */
  failure: InsertError | undefined;
}

/** A report in which every row was stored. */
export const ALL_STORED: StoreReport = Object.freeze({
  refused: [],
  pending: [],
  unstored: [],
  failure: undefined,
});

/** True when every row of the report's call was stored. */
export function allStored(report: StoreReport): boolean {
  return report.refused.length + report.pending.length + report.unstored.length === 0;
}

export class InsertError extends Error {
  readonly code = 'INSERT_FAILED';
}

/**
 * ClickHouse error types that say a row cannot be stored as it is; any other failure means the
 * store is unavailable (down, overloaded, misconfigured) and valid data must wait, not be dropped.
 */
const DATA_ERROR =
  /^(CANNOT_PARSE_\w+|CANNOT_READ_\w+|INCORRECT_DATA|TOO_MANY_PARTITIONS|DECIMAL_OVERFLOW|ARGUMENT_OUT_OF_BOUND|VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE|CANNOT_CONVERT_TYPE|TYPE_MISMATCH)$/;
/** Failures worth another attempt at once (with backoff). */
const TRANSIENT =
  /timeout|timed out|ECONN|ENOTFOUND|EAI_AGAIN|socket|EPIPE|aborted|TOO_MANY_SIMULTANEOUS|MEMORY_LIMIT/i;

/**
 * Rows of at most this many UTC days go into one insert: ClickHouse refuses an insert block that
 * spans more than `max_partitions_per_insert_block` (100) partitions, `llm_spans` and the 1m
 * rollup are partitioned by day, and a UTC day overlaps at most two days of any time zone.
 */
const MAX_DAYS_PER_INSERT = 50;
const NANOS_PER_DAY = 86_400_000_000_000;
const BIG_NANOS_PER_DAY = BigInt(NANOS_PER_DAY);

interface Piece {
  rows: LlmSpanRow[];
  token: string;
}

interface PendingInsert {
  entry: JournalEntry;
  rows: readonly LlmSpanRow[];
}

type Outcome =
  | { ok: true }
  | { ok: false; dataError: string }
  /** `journaled`: the insert may have been applied and is retried; else it was never sent. */
  | { ok: false; failure: InsertError; journaled: boolean };

export class SpanStore {
  private readonly table: string;
  /** Journaled inserts that failed for want of a store; retried before anything else. */
  private readonly pendingInserts: PendingInsert[] = [];

  private constructor(
    private readonly client: ClickHouseClient,
    private readonly journal: InsertJournal,
    private readonly options: SpanStoreOptions,
  ) {
    this.table = `${options.database}.${Tables.SPANS}`;
  }

  static async open(client: ClickHouseClient, options: SpanStoreOptions): Promise<SpanStore> {
    return new SpanStore(client, await InsertJournal.open(options.journalDir), options);
  }

  /**
   * Applies the inserts a previous process journaled and may not have completed, each with its
   * original token: ClickHouse skips the parts it has and writes the ones it lacks. Returns how
   * many were replayed; throws when the store is unavailable (nothing may be inserted before them).
   */
  async replayJournal(): Promise<{ replayed: number; refused: number }> {
    let replayed = 0;
    let refused = 0;
    for (const entry of await this.journal.pending()) {
      const outcome = await this.send(entry);
      if (!outcome.ok && 'failure' in outcome) throw outcome.failure;
      // Refused content had never been acknowledged (its insert failed the same way then).
      if (outcome.ok) replayed++;
      else refused++;
      this.journal.forget(entry.id);
    }
    return { replayed, refused };
  }

  /** Stores rows; never throws for what they hold (see StoreReport). */
  async store(rows: LlmSpanRow[]): Promise<StoreReport> {
    const report: StoreReport = { refused: [], pending: [], unstored: [], failure: undefined };
    const blocked = await this.applyPending();
    if (blocked) {
      report.unstored = rows;
      report.failure = blocked;
      return report;
    }
    const queue = splitByDays(rows).map((chunk) => ({ rows: chunk, token: randomUUID() }));
    while (queue.length > 0) {
      const piece = queue.shift()!;
      const outcome = await this.insertPiece(piece);
      if (outcome.ok) continue;
      if ('failure' in outcome) {
        (outcome.journaled ? report.pending : report.unstored).push(...piece.rows);
        for (const rest of queue) report.unstored.push(...rest.rows);
        report.failure = outcome.failure;
        return report;
      }
      // ClickHouse refused the piece for its content: halve it until the rows at fault are
      // alone; the rest is stored. k bad rows of n cost about 2k·log2(n) small inserts.
      if (piece.rows.length === 1) {
        report.refused.push({ row: piece.rows[0]!, reason: outcome.dataError });
      } else {
        const half = Math.ceil(piece.rows.length / 2);
        queue.unshift(
          { rows: piece.rows.slice(0, half), token: randomUUID() },
          { rows: piece.rows.slice(half), token: randomUUID() },
        );
      }
    }
    return report;
  }

  /** Retries the journaled inserts that failed earlier; returns the failure if one still does. */
  private async applyPending(): Promise<InsertError | undefined> {
    while (this.pendingInserts.length > 0) {
      const pending = this.pendingInserts[0]!;
      const outcome = await this.send(pending.entry);
      if (!outcome.ok && 'failure' in outcome) return outcome.failure;
      this.pendingInserts.shift();
      this.journal.forget(pending.entry.id);
      if (outcome.ok) this.options.onReplayed?.(pending.rows);
    }
    return undefined;
  }

  /** Journals a piece, inserts it, and forgets it once applied or refused. */
  private async insertPiece(piece: Piece): Promise<Outcome> {
    // Compact rows (values only, in column order): half the bytes of JSONEachRow and, measured
    // on the embedded engine, about twice its insert rate. Serialised once, for journal and insert.
    let body = '';
    for (const row of piece.rows) body += JSON.stringify(compactRow(row)) + '\n';
    const entry = { token: piece.token, table: this.table, columns: LLM_SPAN_COLUMNS, body };
    let id: string;
    try {
      id = this.journal.record(entry);
    } catch (err) {
      const why = `cannot write the insert journal in ${this.journal.dir}: ${messageOf(err)}`;
      return { ok: false, failure: new InsertError(why, { cause: err }), journaled: false };
    }
    const outcome = await this.send(entry);
    if (!outcome.ok && 'failure' in outcome) {
      this.pendingInserts.push({ entry: { ...entry, id }, rows: piece.rows });
    } else {
      this.journal.forget(id);
    }
    return outcome;
  }

  /**
   * One insert, with attempts on transient failures. Every attempt carries the same
   * `insert_deduplication_token`, so an attempt after one whose outcome was unknown cannot store
   * the rows twice, and one after a partial apply completes the rollups.
   */
  private async send(entry: Omit<JournalEntry, 'id'>): Promise<Outcome> {
    const attempts = this.options.attempts ?? 3;
    const query =
      `INSERT INTO ${entry.table} (${entry.columns.join(', ')}) ` +
      `SETTINGS insert_deduplication_token = '${entry.token.replace(/[^\w-]/g, '')}', ` +
      `deduplicate_blocks_in_dependent_materialized_views = 1 FORMAT JSONCompactEachRow`;
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const result = await this.client.exec({ query, values: Readable.from([entry.body]) });
        result.stream.resume();
        return { ok: true };
      } catch (err) {
        last = err;
        const type = String((err as { type?: unknown }).type ?? '');
        if (DATA_ERROR.test(type)) return { ok: false, dataError: messageOf(err) };
        if (!TRANSIENT.test(messageOf(err)) || attempt === attempts) break;
        await (this.options.clock ?? systemClock).sleep(
          (this.options.retryDelayMs ?? 100) * 2 ** (attempt - 1),
        );
      }
    }
    const failure = new InsertError(`insert into ${this.table} failed: ${messageOf(last)}`, {
      cause: last,
    });
    return { ok: false, failure, journaled: true };
  }

  /**
   * Keys of the spans stored in the last `windowSeconds` (by when they were stored, whatever
   * their start time), newest first, at most `limit`.
   */
  async recentKeys(
    windowSeconds: number,
    limit: number,
  ): Promise<{ traceId: string; spanId: string }[]> {
    const rows = await queryRows<{ trace_id: string; span_id: string }>(
      this.client,
      `SELECT trace_id, span_id FROM ${this.table}
       WHERE ingested_at >= now64(3) - toIntervalSecond({w:UInt32})
       ORDER BY ingested_at DESC LIMIT {limit:UInt32}`,
      { w: windowSeconds, limit },
    );
    return rows.map((r) => ({ traceId: r.trace_id, spanId: r.span_id }));
  }
}

/** The rows in groups of at most MAX_DAYS_PER_INSERT distinct UTC days (one group nearly always). */
function splitByDays(rows: LlmSpanRow[]): LlmSpanRow[][] {
  // Cheap first pass: a batch whose start times lie within the bound needs no split. Number()
  // rounds nanoseconds, which is harmless a day away from the bound.
  let min = Infinity;
  let max = -Infinity;
  for (const row of rows) {
    const ns = Number(row.timestamp);
    if (ns < min) min = ns;
    if (ns > max) max = ns;
  }
  if ((max - min) / NANOS_PER_DAY < MAX_DAYS_PER_INSERT - 1) return [rows];
  const byDay = new Map<bigint, LlmSpanRow[]>();
  for (const row of rows) {
    const day = BigInt(row.timestamp) / BIG_NANOS_PER_DAY;
    const group = byDay.get(day);
    if (group) group.push(row);
    else byDay.set(day, [row]);
  }
  const groups: LlmSpanRow[][] = [];
  let current: LlmSpanRow[] = [];
  let days = 0;
  for (const dayRows of byDay.values()) {
    if (days === MAX_DAYS_PER_INSERT) {
      groups.push(current);
      current = [];
      days = 0;
    }
    current.push(...dayRows);
    days++;
  }
  groups.push(current);
  return groups;
}

function compactRow(row: LlmSpanRow): unknown[] {
  return LLM_SPAN_COLUMNS.map((column) => row[column]);
}

function messageOf(err: unknown): string {
  return String((err as Error)?.message ?? err).trim();
}
