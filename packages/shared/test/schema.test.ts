import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_RETENTION,
  migrate,
  openStore,
  queryRows,
  schemaV1,
  type SchemaOptions,
  type Store,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-schema-'));
let store: Store;
const options: SchemaOptions = { database: 'agentmeter', retention: DEFAULT_RETENTION };

beforeAll(() => {
  store = openStore({ dataPath: dir });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('schema migrations on the embedded engine', () => {
  it('creates the schema once; a second start applies nothing and changes nothing', async () => {
    const first = await migrate(store.client, options);
    expect(first.applied).toEqual([1]);
    const tables = async () =>
      queryRows<{ name: string; engine: string; create_table_query: string }>(
        store.client,
        "SELECT name, engine, create_table_query FROM system.tables WHERE database = 'agentmeter' ORDER BY name",
      );
    const before = await tables();
    expect(before.map((t) => `${t.name}:${t.engine}`)).toEqual([
      'llm_spans:MergeTree',
      'llm_usage_1d:AggregatingMergeTree',
      'llm_usage_1d_mv:MaterializedView',
      'llm_usage_1d_view:View',
      'llm_usage_1h:AggregatingMergeTree',
      'llm_usage_1h_mv:MaterializedView',
      'llm_usage_1h_view:View',
      'llm_usage_1m:AggregatingMergeTree',
      'llm_usage_1m_mv:MaterializedView',
      'llm_usage_1m_view:View',
      'schema_migrations:ReplacingMergeTree',
    ]);
    const second = await migrate(store.client, options);
    expect(second).toEqual({ applied: [], current: 1, retentionChanged: [] });
    expect(await tables()).toEqual(before);
  });

  it('has every llm_spans column DESIGN.md names, under that name', async () => {
    const columns = (
      await queryRows<{ name: string }>(store.client, 'DESCRIBE TABLE agentmeter.llm_spans')
    ).map((c) => c.name);
    const contract = [
      'timestamp',
      'duration_ms',
      'trace_id',
      'span_id',
      'parent_span_id',
      'service_name',
      'operation',
      'provider',
      'request_model',
      'response_model',
      'category',
      'category_source',
      'strategy',
      'role',
      'attempt',
      'escalated',
      'escalated_from',
      'status',
      'error_type',
      'input_tokens',
      'output_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
      'cost_usd',
      'cost_source',
      'price_version',
      'project',
      'user_id',
      'agent',
      'workflow',
      'attributes',
    ];
    expect(columns).toEqual(expect.arrayContaining(contract));
  });

  it('brings retention to the configured days, altering only the tables that differ', async () => {
    const changed = await migrate(store.client, {
      ...options,
      retention: { ...DEFAULT_RETENTION, spans: 3, usage1h: 120 },
    });
    expect(changed.retentionChanged.sort()).toEqual(['llm_spans', 'llm_usage_1h']);
    const [spans] = await queryRows<{ engine_full: string }>(
      store.client,
      "SELECT engine_full FROM system.tables WHERE database = 'agentmeter' AND name = 'llm_spans'",
    );
    expect(spans!.engine_full).toContain('toIntervalDay(3)');
    const again = await migrate(store.client, {
      ...options,
      retention: { ...DEFAULT_RETENTION, spans: 3, usage1h: 120 },
    });
    expect(again.retentionChanged).toEqual([]);
  });
});

describe('exactly-once rollups', () => {
  it('a re-sent insert with the same deduplication token reaches neither llm_spans nor any rollup twice', async () => {
    const now = (BigInt(Date.now()) * 1_000_000n).toString();
    const rows = [1, 2, 3].map((i) => ({
      timestamp: now,
      trace_id: 'cd'.repeat(16),
      span_id: String(i).padStart(16, '0'),
      project: 'dedup',
      input_tokens: 10,
    }));
    for (let attempt = 0; attempt < 2; attempt++) {
      await store.client.insert({
        table: 'agentmeter.llm_spans',
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: {
          insert_deduplication_token: 'batch-1',
          deduplicate_blocks_in_dependent_materialized_views: 1,
        },
      });
    }
    const [counts] = await queryRows<Record<string, string>>(
      store.client,
      `SELECT (SELECT count() FROM agentmeter.llm_spans WHERE project = 'dedup') AS raw,
              (SELECT sum(requests) FROM agentmeter.llm_usage_1m WHERE project = 'dedup') AS m,
              (SELECT sum(requests) FROM agentmeter.llm_usage_1h WHERE project = 'dedup') AS h,
              (SELECT sum(requests) FROM agentmeter.llm_usage_1d WHERE project = 'dedup') AS d`,
    );
    expect(Object.values(counts!).map(Number)).toEqual([3, 3, 3, 3]);
  });
});

describe('cluster DDL', () => {
  const ddl = schemaV1({ ...options, cluster: 'llm' });

  it('creates every object ON CLUSTER', () => {
    for (const statement of ddl) expect(statement).toMatch(/ON CLUSTER llm/);
  });

  it('stores rows in Replicated local tables and reads and writes through Distributed tables', () => {
    const local = ddl.filter((s) => /^CREATE TABLE IF NOT EXISTS agentmeter\.\w+_local /.test(s));
    expect(local).toHaveLength(4);
    for (const s of local)
      expect(s).toMatch(
        /ENGINE = Replicated(Aggregating)?MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'\)/,
      );
    const distributed = ddl.filter((s) => s.includes('ENGINE = Distributed'));
    expect(distributed.map((s) => /EXISTS (\S+)/.exec(s)![1])).toEqual([
      'agentmeter.llm_spans',
      'agentmeter.llm_usage_1m',
      'agentmeter.llm_usage_1h',
      'agentmeter.llm_usage_1d',
    ]);
    expect(distributed[0]).toContain(
      'Distributed(llm, agentmeter, llm_spans_local, cityHash64(trace_id))',
    );
  });

  it('rolls up on each shard: views read local tables and write local tables', () => {
    const mvs = ddl.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    expect(mvs.map((s) => /TO (\S+) AS[\s\S]*FROM (\S+)/.exec(s)!.slice(1))).toEqual([
      ['agentmeter.llm_usage_1m_local', 'agentmeter.llm_spans_local'],
      ['agentmeter.llm_usage_1h_local', 'agentmeter.llm_usage_1m_local'],
      ['agentmeter.llm_usage_1d_local', 'agentmeter.llm_usage_1h_local'],
    ]);
    const views = ddl.filter((s) => s.startsWith('CREATE VIEW'));
    for (const v of views) expect(v).toMatch(/FROM agentmeter\.llm_usage_1[mhd]\n/);
  });

  it('refuses a cluster name that is not an identifier', () => {
    expect(() => schemaV1({ ...options, cluster: 'x; DROP TABLE y' })).toThrow(
      /invalid identifier/,
    );
  });
});
