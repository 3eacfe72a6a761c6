/**
 * Fixed-size time buckets over a bounded history, in time order. The in-memory ledger and the
 * quota tracker keep minute buckets so that a period changed mid-period is re-summed from what
 * was recorded, instead of restarting at zero or keeping the old period's total: period
 * boundaries fall on whole minutes in every current IANA zone, so minute buckets sum any period
 * exactly. The ClickHouse ledger keeps its not-yet-stored calls in second buckets.
 */
export class TimeBuckets<B> {
  private readonly keys: number[] = [];
  private readonly buckets: B[] = [];

  constructor(
    private readonly bucketMs: number,
    private readonly create: () => B,
    /** Buckets older than this behind the newest are dropped (Infinity keeps all). */
    private readonly retentionMs: number,
  ) {}

  /** The bucket containing `at`, created when new. */
  bucket(at: number): B {
    const key = Math.floor(at / this.bucketMs);
    const n = this.keys.length;
    if (n > 0 && this.keys[n - 1] === key) return this.buckets[n - 1]!;
    if (n === 0 || this.keys[n - 1]! < key) {
      this.drop(this.lowerBound(key - Math.ceil(this.retentionMs / this.bucketMs)));
      const b = this.create();
      this.keys.push(key);
      this.buckets.push(b);
      return b;
    }
    // Out of order (a call that started before the newest one recorded): insert in place.
    const i = this.lowerBound(key);
    if (this.keys[i] === key) return this.buckets[i]!;
    const b = this.create();
    this.keys.splice(i, 0, key);
    this.buckets.splice(i, 0, b);
    return b;
  }

  /** Buckets overlapping `[start, end)`, oldest first. */
  *between(start: number, end: number): Generator<B> {
    const last = Math.ceil(end / this.bucketMs);
    for (let i = this.lowerBound(Math.floor(start / this.bucketMs)); i < this.keys.length; i++) {
      if (this.keys[i]! >= last) return;
      yield this.buckets[i]!;
    }
  }

  all(): readonly B[] {
    return this.buckets;
  }

  /** Removes and returns the buckets that ended at or before `before`. */
  drain(before: number): B[] {
    return this.drop(this.lowerBound(Math.floor(before / this.bucketMs)));
  }

  private drop(count: number): B[] {
    if (count === 0) return [];
    this.keys.splice(0, count);
    return this.buckets.splice(0, count);
  }

  private lowerBound(key: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
