/**
 * A delivery log (in memory unless another is given) that keeps a copy of the rows written
 * through it and lets a test wait for a row by event instead of polling.
 */
import {
  InMemoryDeliveryLog,
  type DeliveryLog,
  type DeliveryRecord,
} from '../../src/notify/delivery-log.js';

export class WatchedLog implements DeliveryLog {
  /** Every row written, at once. */
  readonly rows: DeliveryRecord[] = [];
  /** The rows the inner log has stored. */
  private readonly stored: DeliveryRecord[] = [];
  private waiters: { test: (rows: readonly DeliveryRecord[]) => boolean; resolve: () => void }[] =
    [];

  constructor(private readonly inner: DeliveryLog = new InMemoryDeliveryLog()) {}

  async record(row: DeliveryRecord): Promise<void> {
    // Kept at once, so a test sees a row as soon as the dispatcher has written it.
    this.rows.push(row);
    await this.inner.record(row);
    this.stored.push(row);
    for (const waiter of this.waiters.filter((w) => w.test(this.stored))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  pending(since: number): Promise<DeliveryRecord[]> {
    return this.inner.pending(since);
  }

  lastSent(since: number): Promise<DeliveryRecord[]> {
    return this.inner.lastSent(since);
  }

  /** Resolves once the rows satisfy `test` and the inner log has stored them. */
  until(test: (rows: readonly DeliveryRecord[]) => boolean): Promise<void> {
    if (test(this.stored)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** Resolves once `count` rows have the status. */
  count(status: DeliveryRecord['status'], count: number): Promise<void> {
    return this.until((rows) => rows.filter((r) => r.status === status).length >= count);
  }

  statuses(): string[] {
    return this.rows.map((r) => r.status);
  }
}
