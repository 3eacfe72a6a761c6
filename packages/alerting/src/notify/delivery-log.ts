/**
 * Every delivery attempt, recorded as it happens (table `alert_deliveries`, schema v4; in memory
 * for tests). A delivery is one notification of one group to one integration; its rows are:
 *
 *   pending (attempt 0, before the first attempt) → failed (attempt n, `nextAttemptAt` set) … →
 *   sent | gave_up
 *
 * The latest row of a delivery (by time, then attempt) is its state: at start the dispatcher
 * resumes those still pending or failed, and reads what each integration was last sent, so a
 * restart loses no pending notification and repeats nothing that was sent.
 */

export { DeliveryStatuses, type DeliveryStatus } from '@agentmeter/conventions';
import { DeliveryStatuses, type DeliveryStatus } from '@agentmeter/conventions';

export interface DeliveryRecord {
  /** Epoch ms of the row. */
  readonly at: number;
  /** The same for every attempt of one notification of one group to one integration. */
  readonly deliveryId: string;
  /** Contact point name. */
  readonly receiver: string;
  /** The receiver's `uid`. */
  readonly integration: string;
  readonly groupKey: string;
  readonly status: DeliveryStatus;
  /** `firing` when the notification reports a firing alert. */
  readonly alertStatus: 'firing' | 'resolved';
  /** Every alert the notification accounts for: all firing ones of the group, and the resolved ones it reports. */
  readonly fingerprints: readonly string[];
  /** 0 before the first attempt, then the attempt's number. */
  readonly attempt: number;
  readonly httpStatus: number | undefined;
  /** Why the attempt failed; for a sent one, a warning (an Alertmanager of a list that refused). */
  readonly error: string;
  readonly nextAttemptAt: number | undefined;
  /** The body sent (the same on every attempt). */
  readonly payload: string;
}

export interface DeliveryLog {
  record(row: DeliveryRecord): Promise<void>;
  /** The latest row of each delivery with rows since `since` that is still pending or failed. */
  pending(since: number): Promise<DeliveryRecord[]>;
  /** The latest sent row of each (receiver, integration, group) since `since`. */
  lastSent(since: number): Promise<DeliveryRecord[]>;
}

const OPEN: ReadonlySet<DeliveryStatus> = new Set([
  DeliveryStatuses.PENDING,
  DeliveryStatuses.FAILED,
]);

/** Rows in memory, for tests and for running without a store. */
export class InMemoryDeliveryLog implements DeliveryLog {
  readonly rows: DeliveryRecord[] = [];

  async record(row: DeliveryRecord): Promise<void> {
    this.rows.push(row);
  }

  async pending(since: number): Promise<DeliveryRecord[]> {
    return latestBy(this.rows, since, (r) => r.deliveryId).filter((r) => OPEN.has(r.status));
  }

  async lastSent(since: number): Promise<DeliveryRecord[]> {
    const sent = this.rows.filter((r) => r.status === DeliveryStatuses.SENT);
    return latestBy(sent, since, (r) => `${r.receiver}\u0000${r.integration}\u0000${r.groupKey}`);
  }
}

function latestBy(
  rows: readonly DeliveryRecord[],
  since: number,
  key: (r: DeliveryRecord) => string,
): DeliveryRecord[] {
  const latest = new Map<string, DeliveryRecord>();
  for (const row of rows) {
    if (row.at < since) continue;
    const seen = latest.get(key(row));
    if (!seen || row.at > seen.at || (row.at === seen.at && row.attempt >= seen.attempt))
      latest.set(key(row), row);
  }
  return [...latest.values()];
}
