/**
 * Schema version 4: the alerting service's tables (docs/alerting.md describes each column),
 * and the access events of agentmeter's own listeners that a rule can alert on.
 *
 * - `alert_rules`: rules created or changed through the API (file rules live in their files);
 *   the latest version of a name wins, `deleted` removes it.
 * - `alert_instances`: the state of each alert instance (fingerprint of its label set); the
 *   latest row of a fingerprint is its state, read back at start.
 * - `alert_history`: every state transition, acknowledgement and manual resolve.
 * - `alert_deliveries`: every notification attempt; a delivery's latest row says whether it
 *   is still pending (and when to try again), so pending deliveries survive a restart.
 * - `access_events`: authentication failures and rate-limited requests, per listener.
 */
import { Naming, Tables, type SchemaOptions } from '../tables.js';
import type { Migration } from './migration.js';

/** Days of alert history, delivery attempts and access events kept. */
export const ALERTING_RETENTION_DAYS = 90;

export function schemaV4(o: SchemaOptions): string[] {
  const n = new Naming(o);
  const ttl = (column: string) =>
    `TTL toDateTime(${column}) + toIntervalDay(${ALERTING_RETENTION_DAYS})`;
  const table = (name: string, columns: string, engine: string, tail: string): string[] => [
    `CREATE TABLE IF NOT EXISTS ${n.storage(name)}${n.onCluster} (\n  ${columns}\n) ENGINE = ${engine}\n${tail}`,
    ...n.distributed(name, 'rand()'),
  ];
  return [
    ...table(
      Tables.ALERT_RULES,
      `name String,
  spec String CODEC(ZSTD(1)),
  enabled Bool,
  deleted Bool,
  updated_by String,
  updated_at DateTime64(3)`,
      n.engine('ReplacingMergeTree', 'updated_at'),
      'ORDER BY name',
    ),
    ...table(
      Tables.ALERT_INSTANCES,
      `fingerprint String,
  rule LowCardinality(String),
  labels Map(String, String),
  annotations Map(String, String),
  state LowCardinality(String),
  value Float64,
  values String,
  active_at Nullable(DateTime64(3)),
  fired_at Nullable(DateTime64(3)),
  resolved_at Nullable(DateTime64(3)),
  last_seen_at Nullable(DateTime64(3)),
  acknowledged_by String,
  acknowledged_at Nullable(DateTime64(3)),
  ack_comment String,
  sequence UInt64,
  updated_at DateTime64(3)`,
      n.engine('ReplacingMergeTree', 'updated_at'),
      'ORDER BY fingerprint',
    ),
    ...table(
      Tables.ALERT_HISTORY,
      `at DateTime64(3),
  fingerprint String,
  rule LowCardinality(String),
  severity LowCardinality(String),
  labels Map(String, String),
  from_state LowCardinality(String),
  to_state LowCardinality(String),
  sequence UInt64,
  value Float64,
  actor String,
  comment String`,
      n.engine('MergeTree'),
      `PARTITION BY toYYYYMM(at)\nORDER BY (rule, at)\n${ttl('at')}`,
    ),
    ...table(
      Tables.ALERT_DELIVERIES,
      `at DateTime64(3),
  delivery_id String,
  receiver LowCardinality(String),
  integration LowCardinality(String),
  group_key String,
  status LowCardinality(String),
  alert_status LowCardinality(String),
  fingerprints Array(String),
  attempt UInt16,
  http_status UInt16,
  error String,
  next_attempt_at Nullable(DateTime64(3)),
  payload String CODEC(ZSTD(3))`,
      n.engine('MergeTree'),
      `PARTITION BY toYYYYMM(at)\nORDER BY (receiver, at)\n${ttl('at')}`,
    ),
    ...table(
      Tables.ACCESS_EVENTS,
      `at DateTime64(3),
  listener LowCardinality(String),
  event LowCardinality(String),
  remote_address String,
  user String,
  method LowCardinality(String),
  path String`,
      n.engine('MergeTree'),
      `PARTITION BY toYYYYMM(at)\nORDER BY (listener, event, at)\n${ttl('at')}`,
    ),
  ];
}

export const alerting: Migration = {
  version: 4,
  name: 'alerting tables and access events',
  statements: schemaV4,
};
