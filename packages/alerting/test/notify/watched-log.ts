/** The in-memory delivery log, with a way to wait for a row by event instead of polling. */
import { InMemoryDeliveryLog, type DeliveryRecord } from '../../src/notify/delivery-log.js';

export class WatchedLog extends InMemoryDeliveryLog {
  private waiters: { test: (rows: readonly DeliveryRecord[]) => boolean; resolve: () => void }[] =
    [];

  override async record(row: DeliveryRecord): Promise<void> {
    await super.record(row);
    for (const waiter of this.waiters.filter((w) => w.test(this.rows))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  /** Resolves once the rows satisfy `test`. */
  until(test: (rows: readonly DeliveryRecord[]) => boolean): Promise<void> {
    if (test(this.rows)) return Promise.resolve();
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
