/**
 * Alert instances and their history in ClickHouse (`alert_instances`, `alert_history`, schema
 * v4): every change of an instance is a row (the latest row of a fingerprint is its state), every
 * transition, acknowledgement and hand resolve a history row. At start the service reads back
 * the instances that are still active, pending, or resolved recently (so a reminder or a resolve
 * notification is not lost), and resumes where it stopped.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { Tables } from '@agentmeter/schema';
import { queryRows } from '@agentmeter/store';
import { AlertStates, type Labels } from './model.js';
import type { InstanceState, Transition } from './state.js';

/** An instance with what notifications show of it. */
export interface StoredInstance extends InstanceState {
  readonly annotations: Labels;
}

export interface InstanceStore {
  /** Instances to resume: not resolved, or resolved after `resolvedSince`. */
  load(resolvedSince: number): Promise<StoredInstance[]>;
  /** Records changed instances (and the transitions that changed them) at `now`. */
  save(
    changes: readonly { instance: StoredInstance; transition?: Transition }[],
    now: number,
  ): Promise<void>;
}

interface InstanceRow {
  fingerprint: string;
  rule: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  value: number;
  values: string;
  active_at: string | null;
  fired_at: string | null;
  resolved_at: string | null;
  last_seen_at: string | null;
  acknowledged_by: string;
  acknowledged_at: string | null;
  ack_comment: string;
  sequence: string;
}

/** Times are written as ISO instants and read as epoch ms, whatever the server's time zone. */
const toTime = (ms: number | undefined): string | null =>
  ms === undefined ? null : new Date(ms).toISOString();
const fromTime = (t: string | null): number | undefined => (t === null ? undefined : Number(t));
const TIME_COLUMNS = ['active_at', 'fired_at', 'resolved_at', 'last_seen_at', 'acknowledged_at'];

export class ClickHouseInstanceStore implements InstanceStore {
  constructor(
    private readonly client: Pick<ClickHouseClient, 'query' | 'insert'>,
    private readonly database: string,
  ) {}

  async load(resolvedSince: number): Promise<StoredInstance[]> {
    // The latest row per fingerprint (the table's version column is updated_at).
    const rows = await queryRows<InstanceRow>(
      this.client,
      `SELECT fingerprint, rule, labels, annotations, state, value, values, acknowledged_by,
         ack_comment, toString(sequence) AS sequence,
         ${TIME_COLUMNS.map((c) => `toString(toUnixTimestamp64Milli(${c})) AS ${c}`).join(', ')}
       FROM ${this.database}.${Tables.ALERT_INSTANCES} FINAL
       WHERE state != {resolved:String} OR resolved_at >= fromUnixTimestamp64Milli({since:Int64})`,
      { resolved: AlertStates.RESOLVED, since: resolvedSince },
    );
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      ruleId: r.rule,
      labels: r.labels,
      annotations: r.annotations,
      state: r.state as InstanceState['state'],
      value: r.value,
      values: JSON.parse(r.values || '{}') as Record<string, number>,
      activeAt: fromTime(r.active_at),
      firedAt: fromTime(r.fired_at),
      resolvedAt: fromTime(r.resolved_at),
      lastSeenAt: fromTime(r.last_seen_at),
      acknowledged:
        r.acknowledged_at === null
          ? undefined
          : { by: r.acknowledged_by, at: fromTime(r.acknowledged_at)!, comment: r.ack_comment },
      heldResolved: false,
      sequence: Number(r.sequence),
    }));
  }

  async save(
    changes: readonly { instance: StoredInstance; transition?: Transition }[],
    now: number,
  ): Promise<void> {
    if (changes.length === 0) return;
    await this.client.insert({
      table: `${this.database}.${Tables.ALERT_INSTANCES}`,
      format: 'JSONEachRow',
      values: changes.map(({ instance: s }) => ({
        fingerprint: s.fingerprint,
        rule: s.ruleId,
        labels: s.labels,
        annotations: s.annotations,
        state: s.state,
        value: Number.isFinite(s.value) ? s.value : 0,
        values: JSON.stringify(s.values),
        active_at: toTime(s.activeAt),
        fired_at: toTime(s.firedAt),
        resolved_at: toTime(s.resolvedAt),
        last_seen_at: toTime(s.lastSeenAt),
        acknowledged_by: s.acknowledged?.by ?? '',
        acknowledged_at: toTime(s.acknowledged?.at),
        ack_comment: s.acknowledged?.comment ?? '',
        sequence: s.sequence,
        // The version column: the service's clock at the change (a later row wins on a tie).
        updated_at: toTime(now),
      })),
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
    const transitions = changes.filter((c) => c.transition !== undefined);
    if (transitions.length === 0) return;
    await this.client.insert({
      table: `${this.database}.${Tables.ALERT_HISTORY}`,
      format: 'JSONEachRow',
      values: transitions.map(({ instance: s, transition: t }) => ({
        at: toTime(t!.at),
        fingerprint: s.fingerprint,
        rule: s.ruleId,
        severity: s.labels['severity'] ?? '',
        labels: s.labels,
        from_state: t!.from,
        to_state: t!.to,
        sequence: s.sequence,
        value: Number.isFinite(s.value) ? s.value : 0,
        actor: t!.actor,
        comment: t!.comment,
      })),
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
  }
}
