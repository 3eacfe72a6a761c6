/**
 * Drops spans that were already stored, before they reach `llm_spans` and so before any
 * materialized view sees them: a sum over duplicate rows is wrong in every rollup forever.
 *
 * A span key (trace id + span id) is either
 *  - claimed: in an insert not yet applied (in flight, or journaled and pending a retry because
 *    the store is unavailable); another request carrying it is answered as a duplicate, since the
 *    journal applies it exactly once;
 *  - stored: remembered in a generational key set for `windowMs` of storage time (or until
 *    `maxSpans` keys, whichever first), seeded at start from what `llm_spans` stored in that window.
 * There is no "maybe stored" state: an insert whose outcome is unknown stays journaled and is
 * retried with its own deduplication token, which ClickHouse applies at most once.
 *
 * Scope: one ingester process. Several ingesters de-duplicate each other's retries when retries
 * reach the same ingester (OTel Collector `loadbalancing` exporter with `routing_key: traceID`).
 */
import type { LlmSpanRow } from '@agentmeter/schema';
import { SpanKeySet } from './span-key-set.js';

export interface DedupeOptions {
  windowMs: number;
  maxSpans: number;
  now?: () => number;
}

export interface ClaimResult {
  fresh: LlmSpanRow[];
  duplicates: number;
}

const keyOf = (row: LlmSpanRow): string => row.trace_id + row.span_id;

export class Deduplicator {
  private current: SpanKeySet;
  private previous: SpanKeySet;
  private currentSince: number;
  private readonly claimed = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: DedupeOptions) {
    this.now = options.now ?? Date.now;
    // Both generations are allocated once: rotation recycles the older one (clearing its
    // occupancy bytes) instead of allocating tens of MiB on a request's path.
    const perGeneration = Math.max(1, Math.ceil(options.maxSpans / 2));
    this.current = new SpanKeySet(perGeneration);
    this.previous = new SpanKeySet(perGeneration);
    this.currentSince = this.now();
  }

  /** Keys remembered as stored (both generations). */
  get rememberedSpans(): number {
    return this.current.size + this.previous.size;
  }

  /** Remembers keys known to be stored (at start, from the recent rows of `llm_spans`). */
  seed(keys: Iterable<{ traceId: string; spanId: string }>): void {
    for (const { traceId, spanId } of keys) {
      this.rotateIfDue();
      this.current.add(traceId, spanId);
    }
  }

  /** Claims the rows not stored and not claimed; the caller must commit or release them. */
  claim(rows: readonly LlmSpanRow[]): ClaimResult {
    this.rotateIfDue();
    const fresh: LlmSpanRow[] = [];
    let duplicates = 0;
    for (const row of rows) {
      const key = keyOf(row);
      if (
        this.claimed.has(key) ||
        this.current.has(row.trace_id, row.span_id) ||
        this.previous.has(row.trace_id, row.span_id)
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

  /** The rows were certainly not stored (refused, or never sent). */
  release(rows: readonly LlmSpanRow[]): void {
    for (const row of rows) this.claimed.delete(keyOf(row));
  }

  private rotateIfDue(): void {
    const now = this.now();
    if (now - this.currentSince < this.options.windowMs / 2 && !this.current.full) return;
    const recycled = this.previous;
    recycled.clear();
    this.previous = this.current;
    this.current = recycled;
    this.currentSince = now;
  }
}
