/**
 * Spend ledger of one process: exact, in memory. Calls are kept per minute and attribution for
 * a bounded history, so any counter (a new period, a budget whose period or scope changed
 * mid-period) is summed from what was recorded; counters already asked about are kept as
 * running sums, so `spent` is a map lookup.
 */
import {
  assertCostNanos,
  inScope,
  type SpendCounter,
  type SpendLedger,
  type SpendRecord,
} from './ledger.js';
import { CounterSums } from './counter-sums.js';
import { TimeBuckets } from './time-buckets.js';
import type { SpendAttribution } from './scope.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface InMemoryLedgerOptions {
  /**
   * Days of spend kept to re-sum a changed period (default 35: the longest month, the widest
   * gap between time zones, and a margin).
   */
  historyDays?: number;
}

interface Row {
  readonly attribution: SpendAttribution;
  nanos: number;
}

export class InMemoryLedger implements SpendLedger {
  private readonly log: TimeBuckets<Map<string, Row>>;
  private readonly sums = new CounterSums();
  private latest = Number.NEGATIVE_INFINITY;
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(options: InMemoryLedgerOptions = {}) {
    this.log = new TimeBuckets(MINUTE, () => new Map(), (options.historyDays ?? 35) * DAY);
  }

  spent(counter: SpendCounter): number {
    const known = this.sums.get(counter);
    if (known !== undefined) return known;
    let nanos = 0;
    for (const rows of this.log.between(counter.start, counter.end)) {
      for (const row of rows.values()) if (inScope(counter, row.attribution)) nanos += row.nanos;
    }
    this.sums.set(counter, nanos);
    return nanos;
  }

  record(call: SpendRecord): void {
    assertCostNanos(call.costNanos);
    const rows = this.log.bucket(call.at);
    const key = `${call.project ?? ''}\u0000${call.agent ?? ''}\u0000${call.model}\u0000${call.workflow ?? ''}\u0000${call.user ?? ''}`;
    const row = rows.get(key);
    if (row) row.nanos += call.costNanos;
    else {
      const { model, project, agent, workflow, user } = call;
      rows.set(key, {
        attribution: { model, project, agent, workflow, user },
        nanos: call.costNanos,
      });
    }
    this.sums.add(call, call.costNanos);
    // Hourly: drop running sums of periods that ended (a late check re-sums them from the log).
    if (call.at > this.latest) this.latest = call.at;
    if (this.latest - this.prunedAt >= HOUR) {
      this.prunedAt = this.latest;
      this.sums.prune(this.latest - HOUR);
    }
  }
}
