/**
 * Spend ledger for a fleet: period-to-date spend of every instance, read from the ClickHouse
 * rollups in the background, plus this instance's calls that the store may not hold yet.
 *
 * `spent` never waits for ClickHouse: it adds a snapshot (refreshed every `refreshIntervalMs`,
 * and soon after a check asks for a scope value or period the snapshot lacks) to the local
 * delta. A call stays in the local delta until a refresh that started `ingestLagMs` after the
 * call was recorded, by when its span has been exported and stored (a span still in flight
 * then is briefly counted twice, which errs toward blocking early). See the README for the
 * overshoot bound.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { systemClock, type Clock, type Timer } from '@agentmeter/conventions';
import { CounterSums } from './counter-sums.js';
import { spendStatement, type SpendGroup } from './clickhouse-spend-sql.js';
import {
  assertCostNanos,
  inScope,
  type SpendCounter,
  type SpendLedger,
  type SpendRecord,
} from './ledger.js';
import { TimeBuckets } from './time-buckets.js';
import { matchesValue, type SpendAttribution } from './scope.js';

const MINUTE = 60_000;

export interface ClickHouseLedgerOptions {
  /** A `@clickhouse/client` client (server or embedded), or anything with its `query`. */
  client: Pick<ClickHouseClient, 'query'>;
  /** Default `agentmeter`. */
  database?: string;
  /** Background refresh period (default 10 s). */
  refreshIntervalMs?: number;
  /** Time from recording a call until its span is stored: exporter batch delay + ingest (default 10 s). */
  ingestLagMs?: number;
  /** Shortest gap between refreshes triggered by a newly asked scope (default 1 s). */
  minRefreshGapMs?: number;
  /** Time of `record`, refresh bookkeeping and the refresh timers (default the system clock). */
  clock?: Clock;
  /** Refresh failures of the background loop (default: `console.warn`). */
  onError?: (error: unknown) => void;
}

interface Group extends SpendGroup {
  values: Set<string> | null;
  /** Read by a check since the last refresh; groups idle for two refreshes are dropped. */
  asked: boolean;
  idleRefreshes: number;
}

interface Baseline {
  readonly nanos: number;
  readonly group: Group;
}

/** Local calls recorded in one second, merged by attribution and start minute. */
type PendingRows = Map<string, SpendRecord>;

const groupKey = (c: SpendCounter): string => `${c.scope}\u0000${c.start}\u0000${c.end}`;

export class ClickHouseLedger implements SpendLedger {
  private readonly client: Pick<ClickHouseClient, 'query'>;
  private readonly database: string;
  private readonly refreshIntervalMs: number;
  private readonly ingestLagMs: number;
  private readonly minRefreshGapMs: number;
  private readonly clock: Clock;
  private readonly onError: (error: unknown) => void;

  private readonly groups = new Map<string, Group>();
  private snapshot = new Map<string, Map<string, number>>();
  private readonly baselines = new Map<string, Baseline>();
  private readonly local = new CounterSums();
  private readonly pending = new TimeBuckets<PendingRows>(
    1_000,
    () => new Map(),
    Number.POSITIVE_INFINITY,
  );

  private inFlight: Promise<void> | undefined;
  private running = false;
  private timer: Timer | undefined;
  private eager: Timer | undefined;
  private lastStartedAt = Number.NEGATIVE_INFINITY;
  private lastRefreshAt: number | undefined;
  private lastError: unknown;
  /** A check asked for a group or value the running or last read did not include. */
  private dirty = false;

  constructor(o: ClickHouseLedgerOptions) {
    this.client = o.client;
    this.database = o.database ?? 'agentmeter';
    this.refreshIntervalMs = o.refreshIntervalMs ?? 10_000;
    this.ingestLagMs = o.ingestLagMs ?? 10_000;
    this.minRefreshGapMs = o.minRefreshGapMs ?? 1_000;
    this.clock = o.clock ?? systemClock;
    this.onError =
      o.onError ?? ((e) => console.warn('agentmeter: budget ledger refresh failed:', e));
  }

  /** First refresh, then one every `refreshIntervalMs` (the timers do not keep the process alive). */
  async start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      this.schedule();
    }
    await this.refresh().catch(this.onError);
  }

  stop(): void {
    this.running = false;
    for (const timer of [this.timer, this.eager]) {
      if (timer !== undefined) this.clock.clearTimer(timer);
    }
    this.timer = undefined;
    this.eager = undefined;
  }

  private schedule(): void {
    this.timer = this.clock.setTimer(
      () => {
        this.background();
        if (this.running) this.schedule();
      },
      this.refreshIntervalMs,
      { background: true },
    );
  }

  status(): { lastRefreshAt: number | undefined; lastError: unknown } {
    return { lastRefreshAt: this.lastRefreshAt, lastError: this.lastError };
  }

  spent(counter: SpendCounter): number {
    return this.baseline(counter) + this.localDelta(counter);
  }

  record(call: SpendRecord): void {
    assertCostNanos(call.costNanos);
    const rows = this.pending.bucket(this.clock.now());
    const minute = Math.floor(call.at / MINUTE) * MINUTE;
    const key = `${minute}\u0000${call.project ?? ''}\u0000${call.agent ?? ''}\u0000${call.model}\u0000${call.workflow ?? ''}\u0000${call.user ?? ''}`;
    const row = rows.get(key);
    // Windows start on whole minutes, so the call's start minute places it in the same ones.
    if (row) row.costNanos += call.costNanos;
    else rows.set(key, { ...attribution(call), at: minute, costNanos: call.costNanos });
    this.local.add(call, call.costNanos);
  }

  /** Reads the snapshot now; resolves when the data read after this call is in place. */
  async refresh(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    this.inFlight = this.load();
    try {
      await this.inFlight;
    } finally {
      this.inFlight = undefined;
    }
  }

  private background(): void {
    if (this.inFlight) return;
    this.refresh().catch(this.onError);
  }

  /** A check asked for data the snapshot lacks: refresh soon, at most once per minRefreshGapMs. */
  private refreshSoon(): void {
    this.dirty = true;
    if (!this.running || this.eager) return;
    const wait = Math.max(0, this.lastStartedAt + this.minRefreshGapMs - this.clock.now());
    this.eager = this.clock.setTimer(
      () => {
        this.eager = undefined;
        this.background();
      },
      wait,
      { background: true },
    );
  }

  private baseline(counter: SpendCounter): number {
    const known = this.baselines.get(counter.key);
    if (known) return known.nanos;
    const key = groupKey(counter);
    let group = this.groups.get(key);
    let missing = false;
    if (!group) {
      group = {
        scope: counter.scope,
        start: counter.start,
        end: counter.end,
        values: counter.scope === 'global' ? null : new Set(),
        asked: false,
        idleRefreshes: 0,
      };
      this.groups.set(key, group);
      missing = true;
    }
    group.asked = true;
    if (group.values) {
      if (counter.value !== undefined) {
        if (!group.values.has(counter.value)) {
          group.values.add(counter.value);
          missing = true;
        }
      } else if (counter.match && counter.match.prefixes.length === 0) {
        for (const v of counter.match.exact) {
          if (!group.values.has(v)) {
            group.values.add(v);
            missing = true;
          }
        }
      } else {
        // Prefix patterns: read every value of the scope and match here.
        group.values = null;
        missing = true;
      }
    }
    if (missing) this.refreshSoon();
    const values = this.snapshot.get(key);
    let nanos = 0;
    if (values) {
      if (counter.value !== undefined) nanos = values.get(counter.value) ?? 0;
      else if (counter.match) {
        for (const [v, n] of values) if (matchesValue(counter.match, v)) nanos += n;
      } else nanos = values.get('') ?? 0;
    }
    this.baselines.set(counter.key, { nanos, group });
    return nanos;
  }

  private localDelta(counter: SpendCounter): number {
    const known = this.local.get(counter);
    if (known !== undefined) return known;
    let nanos = 0;
    for (const rows of this.pending.all()) {
      for (const call of rows.values()) {
        if (call.at >= counter.start && call.at < counter.end && inScope(counter, call)) {
          nanos += call.costNanos;
        }
      }
    }
    this.local.set(counter, nanos);
    return nanos;
  }

  private async load(): Promise<void> {
    const startedAt = this.clock.now();
    this.lastStartedAt = startedAt;
    this.dirty = false;
    const groups: [string, Group][] = [];
    for (const [key, g] of this.groups) {
      g.idleRefreshes = g.asked ? 0 : g.idleRefreshes + 1;
      g.asked = false;
      if (g.idleRefreshes >= 2) this.groups.delete(key);
      else groups.push([key, g]);
    }
    const snapshot = new Map<string, Map<string, number>>();
    if (groups.length > 0) {
      const { query, params } = spendStatement(
        this.database,
        groups.map(([, g]) => ({ ...g, values: g.values && new Set(g.values) })),
      );
      try {
        const rs = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
        const rows = await rs.json<{ g: number; v: string; nanos: string }>();
        for (const row of rows) {
          const key = groups[Number(row.g)]![0];
          let values = snapshot.get(key);
          if (!values) snapshot.set(key, (values = new Map()));
          values.set(row.v, Number(row.nanos));
        }
      } catch (error) {
        this.lastError = error;
        throw error;
      }
    }
    this.snapshot = snapshot;
    this.baselines.clear();
    // Calls recorded ingestLagMs before this read are in the snapshot now: leave the local delta.
    for (const rows of this.pending.drain(startedAt - this.ingestLagMs)) {
      for (const call of rows.values()) this.local.add(call, -call.costNanos);
    }
    this.local.prune(startedAt - this.refreshIntervalMs);
    this.lastRefreshAt = startedAt;
    this.lastError = undefined;
    if (this.dirty) this.refreshSoon();
  }
}

function attribution(a: SpendAttribution): SpendAttribution {
  return { model: a.model, project: a.project, agent: a.agent, workflow: a.workflow, user: a.user };
}
