/**
 * The real engine for a rules test file: a migrated store in a temp directory, spans inserted
 * into `llm_spans` (the materialized views fill the three rollups), and a client that counts
 * the queries it runs. One per test file: chdb binds one data directory per process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { DEFAULT_RETENTION, Tables } from '@agentmeter/schema';
import { migrate, openStore, type Store } from '@agentmeter/store';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface Engine {
  readonly store: Store;
  /** Queries run through `client`, in order. */
  readonly queries: string[];
  readonly client: Pick<ClickHouseClient, 'query'>;
  close(): Promise<void>;
}

export async function openEngine(): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'agentmeter-rules-'));
  const store = openStore({ dataPath: dir });
  await migrate(store.client, { database: 'agentmeter', retention: DEFAULT_RETENTION });
  const queries: string[] = [];
  const client: Pick<ClickHouseClient, 'query'> = {
    query: ((params: Parameters<ClickHouseClient['query']>[0]) => {
      queries.push(params.query);
      return store.client.query(params);
    }) as ClickHouseClient['query'],
  };
  return {
    store,
    queries,
    client,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A span: its start and what differs from a plain successful call. */
export interface SpanSpec {
  at: number;
  duration_ms?: number;
  provider?: string;
  request_model?: string;
  service_name?: string;
  project?: string;
  agent?: string;
  workflow?: string;
  user_id?: string;
  category?: string;
  strategy?: string;
  status?: 'ok' | 'error';
  error_category?: string;
  input_tokens?: number;
  output_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  /** USD as an exact decimal string. */
  cost_usd?: string;
  cost_source?: 'span' | 'catalog' | 'unpriced';
  response_cache_hit?: boolean;
  escalated?: boolean;
  quota_decision?: string;
  budget_decision?: string;
  time_to_first_token_ms?: number | null;
}

let spanId = 0;

export async function insertSpans(engine: Engine, spans: readonly SpanSpec[]): Promise<void> {
  await engine.store.client.insert({
    table: `agentmeter.${Tables.SPANS}`,
    format: 'JSONEachRow',
    values: spans.map(({ at, ...rest }) => ({
      timestamp: (BigInt(at) * 1_000_000n).toString(),
      trace_id: 'ab'.repeat(16),
      span_id: String(++spanId).padStart(16, '0'),
      provider: 'openai',
      request_model: 'gpt-4o',
      duration_ms: 100,
      cost_source: 'span',
      ...rest,
    })),
  });
}

/** `count` calls like `spec`. */
export function repeat(count: number, spec: SpanSpec): SpanSpec[] {
  return Array.from({ length: count }, () => spec);
}

/** Rows written straight into one rollup table (its views below it never see them). */
export async function insertRollupRows(
  engine: Engine,
  table: string,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  await engine.store.client.insert({
    table: `agentmeter.${table}`,
    format: 'JSONEachRow',
    values: rows,
  });
}
