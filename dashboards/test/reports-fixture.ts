/**
 * The real engine for the report tests: a fresh embedded store with the schema, and hand-made
 * spans inserted into `llm_spans` (the rollups fill through their views). Retention is long so
 * that the fixed dates of a data set stay however far the machine's clock has moved.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DATABASE, Tables, type LlmSpanRow } from '@agentmeter/schema';
import { migrate, openStore, queryRows, type Store } from '@agentmeter/store';
import type { QueryRunner } from '../src/reports/index.js';

export interface Engine {
  readonly store: Store;
  readonly run: QueryRunner;
  insertSpans(spans: Partial<LlmSpanRow>[]): Promise<void>;
  insert(table: string, rows: Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

const LONG = 3650;

export async function openEngine(): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'agentmeter-reports-'));
  const store = openStore({ dataPath: dir });
  await migrate(store.client, {
    database: DEFAULT_DATABASE,
    retention: { spans: LONG, usage1m: LONG, usage1h: LONG, usage1d: LONG },
  });
  const insert = async (table: string, rows: Record<string, unknown>[]) => {
    await store.client.insert({
      table: `${DEFAULT_DATABASE}.${table}`,
      values: rows,
      format: 'JSONEachRow',
    });
  };
  return {
    store,
    run: { rows: (sql, params) => queryRows(store.client, sql, params) },
    insertSpans: (spans) => insert(Tables.SPANS, spans),
    insert,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let serial = 0;

/** A span at `iso` (UTC) with fresh ids; the other columns as given, else their defaults. */
export function span(iso: string, o: Partial<LlmSpanRow> = {}): Partial<LlmSpanRow> {
  serial++;
  return {
    timestamp: String(BigInt(Date.parse(iso)) * 1_000_000n),
    trace_id: serial.toString(16).padStart(32, '0'),
    span_id: serial.toString(16).padStart(16, '0'),
    status: 'ok',
    cost_source: 'span',
    ...o,
  };
}
