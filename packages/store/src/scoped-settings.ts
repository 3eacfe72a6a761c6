/**
 * Per-call settings on the embedded engine, scoped to the call.
 *
 * chdb's Connection applies `clickhouse_settings` as `SET k = v; <query>` on a session that
 * lives as long as the connection, so a setting given for one call stays set for every later
 * call. Measured: after an insert with `insert_deduplication_token`, the next, different insert
 * was silently dropped as a duplicate. This decorator moves settings into the statement's own
 * `SETTINGS` clause, which ClickHouse scopes to that statement, and refuses the calls where it
 * cannot (DDL, or a statement with its own SETTINGS clause) instead of letting them leak.
 */
import type { createClient } from '@clickhouse/client';

type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
type Settings = Record<string, unknown> | undefined;

export class UnscopedSettingsError extends Error {
  readonly code = 'AGENTMETER_UNSCOPED_SETTINGS';
}

function settingsClause(settings: Settings): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(settings ?? {})) {
    if (value === undefined) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new UnscopedSettingsError(`invalid setting name ${JSON.stringify(key)}`);
    const literal =
      typeof value === 'number'
        ? String(value)
        : typeof value === 'boolean'
          ? value
            ? '1'
            : '0'
          : `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    parts.push(`${key} = ${literal}`);
  }
  return parts.join(', ');
}

/** `<statement> [FORMAT x]` → `<statement> SETTINGS … [FORMAT x]`. */
function withSettings(sql: string, settings: Settings, what: string): string {
  const clause = settingsClause(settings);
  if (!clause) return sql;
  const m = /^([\s\S]*?)(\s+FORMAT\s+\w+\s*)?$/i.exec(sql.trimEnd())!;
  const statement = m[1]!;
  if (/\bSETTINGS\b/i.test(statement)) {
    throw new UnscopedSettingsError(
      `${what}: the statement has its own SETTINGS clause; put these settings there: ${clause}`,
    );
  }
  return `${statement} SETTINGS ${clause}${m[2] ?? ''}`;
}

const READS = /^\s*(\(\s*)*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN|EXISTS)\b/i;

export function scopeSettings(connection: Connection): Connection {
  const overrides: Partial<Connection> = {
    query: (p) =>
      connection.query({
        ...p,
        query: readOnly(p.query, p.clickhouse_settings),
        clickhouse_settings: undefined,
      }),
    exec: (p) =>
      connection.exec({
        ...p,
        query: readOnly(p.query, p.clickhouse_settings),
        clickhouse_settings: undefined,
      }),
    command: (p) => {
      if (settingsClause(p.clickhouse_settings)) {
        return Promise.reject(
          new UnscopedSettingsError(
            'command(): give settings in the SQL; on the embedded engine they would outlive the call',
          ),
        );
      }
      return connection.command(p);
    },
    insert: (p) =>
      connection.insert({
        ...p,
        query: withSettings(p.query, p.clickhouse_settings, 'insert'),
        clickhouse_settings: undefined,
      }),
  };
  // Everything else (ping, close, the .chdb extension) goes to the connection itself, bound to
  // it: chdb's connection keeps its state in private fields.
  return new Proxy(connection, {
    get(target, key) {
      if (key in overrides) return overrides[key as keyof Connection];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

function readOnly(sql: string, settings: Settings): string {
  if (!settingsClause(settings)) return sql;
  if (!READS.test(sql))
    throw new UnscopedSettingsError(
      'settings can be scoped to SELECT-like queries and inserts only',
    );
  return withSettings(sql, settings, 'query');
}
