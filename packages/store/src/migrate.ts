/**
 * Runs the versioned, idempotent schema migrations of `@agentmeter/schema`. Each migration runs once (recorded in
 * `schema_migrations`); every statement is also IF NOT EXISTS, so a crash between a
 * statement and the record, or two processes starting together, changes nothing that exists.
 * Retention is configuration, not a migration: it is brought to the configured TTL on every
 * start, and only where it differs (MODIFY TTL rewrites parts).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import {
  MIGRATIONS,
  migrationsTable,
  retentionTargets,
  Tables,
  type SchemaOptions,
} from '@agentmeter/schema';
import { queryRows } from './store.js';

export interface MigrationReport {
  applied: number[];
  current: number;
  retentionChanged: string[];
}

export async function migrate(
  client: ClickHouseClient,
  o: SchemaOptions,
): Promise<MigrationReport> {
  await client.command({
    query: `CREATE DATABASE IF NOT EXISTS ${o.database}${o.cluster ? ` ON CLUSTER ${o.cluster}` : ''}`,
  });
  await client.command({ query: migrationsTable(o) });
  const done = await queryRows<{ version: number }>(
    client,
    `SELECT DISTINCT version FROM ${o.database}.${Tables.MIGRATIONS}`,
  );
  const doneSet = new Set(done.map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (doneSet.has(m.version)) continue;
    for (const statement of m.statements(o)) await client.command({ query: statement });
    await client.insert({
      table: `${o.database}.${Tables.MIGRATIONS}`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
  }
  const retentionChanged = await syncRetention(client, o);
  return { applied, current: Math.max(0, ...MIGRATIONS.map((m) => m.version)), retentionChanged };
}

async function syncRetention(client: ClickHouseClient, o: SchemaOptions): Promise<string[]> {
  const tables = await queryRows<{ name: string; engine_full: string }>(
    client,
    'SELECT name, engine_full FROM system.tables WHERE database = {db:String}',
    { db: o.database },
  );
  const engineOf = new Map(tables.map((t) => [t.name, t.engine_full]));
  const changed: string[] = [];
  for (const { table, ttl, alter } of retentionTargets(o)) {
    if (engineOf.get(table)?.includes(`TTL ${ttl}`)) continue;
    await client.command({ query: alter });
    changed.push(table);
  }
  return changed;
}
