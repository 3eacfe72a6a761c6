/**
 * Drops spans that were already stored, before they reach `llm_spans` and so before any
 * materialized view sees them: a sum over duplicate rows is wrong in every rollup forever.
 *
 * A span key (trace id + span id) moves through three states:
 *  - claimed: in a batch being inserted (a concurrent request with the same span waits out as a duplicate);
 *  - stored: remembered in a generational key set for `windowMs` (or until `maxSpans` keys, whichever first);
 *  - uncertain: its insert failed in a way that may have stored it (a timeout). A later request
 *    carrying it asks ClickHouse once, so a retry is neither lost nor counted twice.
 *
 * Scope: one ingester process. Several ingesters de-duplicate each other's retries when retries
 * reach the same ingester (OTel Collector `loadbalancing` exporter with `routing_key: traceID`).
 */
import type { LlmSpanRow } from '@agentmeter/shared';
import { SpanKeySet } from './span-key-set.js';

export interface DedupeOptions {
  windowMs: number;
  maxSpans: number;
  now?: () => number;
}

/** Asks the store which of these spans it holds; returns their keys (`traceId + spanId`). */
export type StoredKeyLookup = (rows: readonly LlmSpanRow[]) => Promise<Set<string>>;

export interface ClaimResult {
  fresh: LlmSpanRow[];
  duplicates: number;
}

const keyOf = (row: LlmSpanRow): string => row.trace_id + row.span_id;

export class Deduplicator {
  private current: SpanKeySet;
  private previous: SpanKeySet | undefined;
  private currentSince: number;
  private readonly claimed = new Set<string>();
  private readonly uncertain = new Set<string>();
  private readonly now: () => number;

  constructor(
    private readonly options: DedupeOptions,
    private readonly lookup: StoredKeyLookup,
  ) {
    this.now = options.now ?? Date.now;
    this.current = this.newGeneration();
    this.currentSince = this.now();
  }

  /** Keys remembered as stored (both generations). */
  get rememberedSpans(): number {
    return this.current.size + (this.previous?.size ?? 0);
  }

  get uncertainSpans(): number {
    return this.uncertain.size;
  }

  /** Remembers keys known to be stored (at start, from the recent rows of `llm_spans`). */
  seed(keys: Iterable<{ traceId: string; spanId: string }>): void {
    for (const { traceId, spanId } of keys) {
      this.rotateIfDue();
      this.current.add(traceId, spanId);
    }
  }

  /** Claims the rows not stored and not in flight; the caller must commit, release or markUncertain them. */
  async claim(rows: readonly LlmSpanRow[]): Promise<ClaimResult> {
    this.rotateIfDue();
    const storedUncertain = this.uncertain.size > 0 ? await this.resolveUncertain(rows) : undefined;
    const fresh: LlmSpanRow[] = [];
    let duplicates = 0;
    for (const row of rows) {
      const key = keyOf(row);
      if (
        this.claimed.has(key) ||
        storedUncertain?.has(key) ||
        this.current.has(row.trace_id, row.span_id) ||
        this.previous?.has(row.trace_id, row.span_id)
      ) {
        duplicates++;
        continue;
      }
      this.claimed.add(key);
      fresh.push(row);
    }
    return { fresh, duplicates };
  }

  /** The rows were stored. */
  commit(rows: readonly LlmSpanRow[]): void {
    this.rotateIfDue();
    for (const row of rows) {
      this.claimed.delete(keyOf(row));
      this.current.add(row.trace_id, row.span_id);
    }
  }

  /** The rows were certainly not stored (the insert was refused). */
  release(rows: readonly LlmSpanRow[]): void {
    for (const row of rows) this.claimed.delete(keyOf(row));
  }

  /** The insert's outcome is unknown: the next request carrying these spans asks the store. */
  markUncertain(rows: readonly LlmSpanRow[]): void {
    for (const row of rows) {
      const key = keyOf(row);
      this.claimed.delete(key);
      if (this.uncertain.size < this.options.maxSpans) this.uncertain.add(key);
    }
  }

  /** Of `rows`, the keys that were uncertain and turn out to be stored; settles them either way. */
  private async resolveUncertain(rows: readonly LlmSpanRow[]): Promise<Set<string>> {
    const asked = rows.filter((row) => this.uncertain.has(keyOf(row)));
    if (asked.length === 0) return new Set();
    const stored = await this.lookup(asked);
    for (const row of asked) {
      const key = keyOf(row);
      this.uncertain.delete(key);
      if (stored.has(key)) this.current.add(row.trace_id, row.span_id);
    }
    return stored;
  }

  private rotateIfDue(): void {
    const now = this.now();
    if (now - this.currentSince < this.options.windowMs / 2 && !this.current.full) return;
    this.previous = this.current;
    this.current = this.newGeneration();
    this.currentSince = now;
  }

  private newGeneration(): SpanKeySet {
    return new SpanKeySet(Math.max(1, Math.ceil(this.options.maxSpans / 2)));
  }
}
