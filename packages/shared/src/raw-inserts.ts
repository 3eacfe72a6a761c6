/**
 * Inserts on the embedded engine through chdb's raw passthrough.
 *
 * chdb's Connection pastes an insert's whole body after the SQL text and runs it as one query
 * string; its `.chdb.rawInsert` hands the body to the engine as one Buffer, parsed by the
 * engine's input-format parser. Measured with 20k-row JSONCompactEachRow batches into
 * `llm_spans`: 35.2k rows/s → 45.6k rows/s (1.29×). Settings go into the statement's own
 * SETTINGS clause (chdb builds it), so they are scoped to the insert like `scopeSettings` scopes
 * them elsewhere.
 *
 * Only the statement clickhouse-js builds for `client.insert` (`INSERT INTO t [(cols)] FORMAT f`)
 * in a format the passthrough accepts takes this path; any other insert goes on unchanged.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { createClient } from '@clickhouse/client';

type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
type InsertParams = Parameters<Connection['insert']>[0];
type InsertResult = Awaited<ReturnType<Connection['insert']>>;

interface RawInsertSummary {
  rowsWritten: number;
  bytesWritten: number;
  bytesSent: number;
  elapsed: number;
}

/** The `.chdb` extension of chdb's Connection (`chdb/connection`), as far as used here. */
interface ChdbExtension {
  rawInsert(params: {
    table: string;
    values: Buffer;
    format: string;
    columns?: readonly string[];
    settings?: Record<string, string | number | boolean>;
    signal?: AbortSignal;
  }): Promise<RawInsertSummary>;
}

const CLIENT_INSERT = /^INSERT INTO (\S+?)(?: \(([^()]*)\))? FORMAT (\w+)$/;
const RAW_FORMATS = new Set(['JSONEachRow', 'JSONCompactEachRow', 'TSV', 'TabSeparated', 'CSV']);

export function rawInserts(connection: Connection): Connection {
  const chdb = (connection as unknown as { chdb?: ChdbExtension }).chdb;
  if (chdb === undefined) return connection;
  const insert = async (p: InsertParams): Promise<InsertResult> => {
    const m = CLIENT_INSERT.exec(p.query.trim());
    if (!m || !RAW_FORMATS.has(m[3]!)) return connection.insert(p);
    const body = await bytesOf(p.values);
    const queryId = p.query_id ?? randomUUID();
    // An empty body is a no-op, as in chdb's own insert (the engine would refuse it).
    const summary =
      body.length === 0
        ? { rowsWritten: 0, bytesWritten: 0, bytesSent: 0, elapsed: 0 }
        : await chdb.rawInsert({
            table: m[1]!,
            columns: m[2]?.split(',').map((column) => column.trim()),
            format: m[3]!,
            values: body,
            settings: definedSettings(p.clickhouse_settings),
            signal: p.abort_signal,
          });
    const rows = String(summary.rowsWritten);
    const bytes = String(summary.bytesWritten || summary.bytesSent);
    return {
      query_id: queryId,
      response_headers: {},
      http_status_code: 200,
      summary: {
        read_rows: rows,
        read_bytes: bytes,
        written_rows: rows,
        written_bytes: bytes,
        result_rows: '0',
        result_bytes: '0',
        total_rows_to_read: '0',
        elapsed_ns: String(Math.round(summary.elapsed * 1e9)),
      },
    };
  };
  return new Proxy(connection, {
    get(target, key) {
      if (key === 'insert') return insert;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

async function bytesOf(values: string | Readable): Promise<Buffer> {
  if (typeof values === 'string') return Buffer.from(values);
  const chunks: Buffer[] = [];
  for await (const chunk of values as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

function definedSettings(
  settings: Record<string, unknown> | undefined,
): Record<string, string | number | boolean> | undefined {
  if (settings === undefined) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'number' || typeof value === 'boolean' ? value : String(value);
  }
  return out;
}
