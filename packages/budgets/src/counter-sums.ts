/**
 * Running sums of the counters a ledger has been asked about, so that `spent` is a map lookup
 * and a recorded call reaches its counters without scanning them all: one-value counters are
 * indexed by (scope, value), the few global and `match` counters are checked one by one.
 */
import { inScope, type SpendCounter, type SpendRecord } from './ledger.js';
import { DIMENSION_SCOPES, scopeValue } from './scope.js';

interface Entry {
  readonly counter: SpendCounter;
  nanos: number;
}

const indexKey = (scope: string, value: string): string => `${scope}\u0000${value}`;

export class CounterSums {
  private readonly entries = new Map<string, Entry>();
  private readonly byValue = new Map<string, Entry[]>();
  private pooled: Entry[] = [];

  get(counter: SpendCounter): number | undefined {
    return this.entries.get(counter.key)?.nanos;
  }

  set(counter: SpendCounter, nanos: number): void {
    const existing = this.entries.get(counter.key);
    if (existing) {
      existing.nanos = nanos;
      return;
    }
    const entry: Entry = { counter, nanos };
    this.entries.set(counter.key, entry);
    if (counter.value !== undefined) {
      const k = indexKey(counter.scope, counter.value);
      const list = this.byValue.get(k);
      if (list) list.push(entry);
      else this.byValue.set(k, [entry]);
    } else {
      this.pooled.push(entry);
    }
  }

  /** Adds `nanos` (negative to take a call back out) to every known counter the call falls in. */
  add(call: SpendRecord, nanos: number): void {
    for (const scope of DIMENSION_SCOPES) {
      const value = scopeValue(scope, call);
      if (value === undefined) continue;
      const list = this.byValue.get(indexKey(scope, value));
      if (!list) continue;
      for (const e of list) {
        if (call.at >= e.counter.start && call.at < e.counter.end) e.nanos += nanos;
      }
    }
    for (const e of this.pooled) {
      if (call.at >= e.counter.start && call.at < e.counter.end && inScope(e.counter, call)) {
        e.nanos += nanos;
      }
    }
  }

  /** Forgets counters whose window ended at or before `before` (asked again, they are re-derived). */
  prune(before: number): void {
    const keep = (e: Entry): boolean => e.counter.end > before;
    for (const [key, e] of this.entries) if (!keep(e)) this.entries.delete(key);
    for (const [key, list] of this.byValue) {
      const kept = list.filter(keep);
      if (kept.length === 0) this.byValue.delete(key);
      else if (kept.length !== list.length) this.byValue.set(key, kept);
    }
    this.pooled = this.pooled.filter(keep);
  }

  clear(): void {
    this.entries.clear();
    this.byValue.clear();
    this.pooled = [];
  }

  get size(): number {
    return this.entries.size;
  }
}
