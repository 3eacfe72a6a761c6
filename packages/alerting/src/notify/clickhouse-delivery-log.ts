/**
 * The delivery log in ClickHouse: table `alert_deliveries` of the agentmeter database (schema
 * v4), through `@clickhouse/client` (server or embedded engine). Rows are appended; reads take
 * the latest row per delivery (or per group) within a time window. Times are written as ISO
 * instants and read as epoch ms, whatever the server's time zone; values are bound as
 * parameters, never spliced into SQL.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { Tables } from '@agentmeter/schema';
import {
  DeliveryStatuses,
  type DeliveryLog,
  type DeliveryRecord,
  type DeliveryStatus,
} from './delivery-log.js';

const COLUMNS = `toString(toUnixTimestamp64Milli(at)) AS at_ms, delivery_id, receiver, integration, group_key,
  status, alert_status, fingerprints, attempt, http_status, error,
  toString(toUnixTimestamp64Milli(next_attempt_at)) AS next_attempt_at_ms, payload`;

/** The latest row of each delivery since {since}, if it is still open. */
const PENDING_SQL = (table: string) => `SELECT * FROM (
  SELECT ${COLUMNS} FROM ${table}
  WHERE at >= fromUnixTimestamp64Milli({since:Int64})
  ORDER BY delivery_id, at DESC, attempt DESC
  LIMIT 1 BY delivery_id
) WHERE status IN {open:Array(String)}`;

/** The latest sent row of each (receiver, integration, group) since {since}. */
const LAST_SENT_SQL = (table: string) => `SELECT ${COLUMNS} FROM ${table}
  WHERE status = {sent:String} AND at >= fromUnixTimestamp64Milli({since:Int64})
  ORDER BY receiver, integration, group_key, at DESC, attempt DESC
  LIMIT 1 BY receiver, integration, group_key`;

interface Row {
  at_ms: string;
  delivery_id: string;
  receiver: string;
  integration: string;
  group_key: string;
  status: string;
  alert_status: string;
  fingerprints: string[];
  attempt: number;
  http_status: number;
  error: string;
  next_attempt_at_ms: string | null;
  payload: string;
}

export interface ClickHouseDeliveryLogOptions {
  /** A `@clickhouse/client` client, or anything with its `query` and `insert`. */
  readonly client: Pick<ClickHouseClient, 'query' | 'insert'>;
  /** Default `agentmeter`. */
  readonly database?: string;
}

export class ClickHouseDeliveryLog implements DeliveryLog {
  private readonly client: Pick<ClickHouseClient, 'query' | 'insert'>;
  private readonly table: string;

  constructor(o: ClickHouseDeliveryLogOptions) {
    const database = o.database ?? 'agentmeter';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
      throw new Error(`invalid database name: ${database}`);
    this.client = o.client;
    this.table = `${database}.${Tables.ALERT_DELIVERIES}`;
  }

  async record(r: DeliveryRecord): Promise<void> {
    await this.client.insert({
      table: this.table,
      format: 'JSONEachRow',
      values: [
        {
          at: new Date(r.at).toISOString(),
          delivery_id: r.deliveryId,
          receiver: r.receiver,
          integration: r.integration,
          group_key: r.groupKey,
          status: r.status,
          alert_status: r.alertStatus,
          fingerprints: r.fingerprints,
          attempt: r.attempt,
          http_status: r.httpStatus ?? 0,
          error: r.error,
          next_attempt_at:
            r.nextAttemptAt === undefined ? null : new Date(r.nextAttemptAt).toISOString(),
          payload: r.payload,
        },
      ],
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
  }

  pending(since: number): Promise<DeliveryRecord[]> {
    return this.read(PENDING_SQL(this.table), {
      since,
      open: [DeliveryStatuses.PENDING, DeliveryStatuses.FAILED],
    });
  }

  lastSent(since: number): Promise<DeliveryRecord[]> {
    return this.read(LAST_SENT_SQL(this.table), { since, sent: DeliveryStatuses.SENT });
  }

  private async read(query: string, params: Record<string, unknown>): Promise<DeliveryRecord[]> {
    const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
    const rows = await result.json<Row>();
    return rows.map((r) => ({
      at: Number(r.at_ms),
      deliveryId: r.delivery_id,
      receiver: r.receiver,
      integration: r.integration,
      groupKey: r.group_key,
      status: r.status as DeliveryStatus,
      alertStatus: r.alert_status === 'resolved' ? 'resolved' : 'firing',
      fingerprints: r.fingerprints,
      attempt: r.attempt,
      httpStatus: r.http_status === 0 ? undefined : r.http_status,
      error: r.error,
      nextAttemptAt: r.next_attempt_at_ms === null ? undefined : Number(r.next_attempt_at_ms),
      payload: r.payload,
    }));
  }
}
