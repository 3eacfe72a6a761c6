import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_RETENTION,
  migrationsTable,
  schemaV1,
  schemaV2,
  schemaV3,
  schemaV5,
  schemaV6,
  schemaV7,
  type SchemaOptions,
} from '@agentmeter/schema';
import { migrate, openStore, queryRows, type Store } from '../src/index.js';

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
    expect(first.applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const tables = async () =>
      queryRows<{ name: string; engine: string; create_table_query: string }>(
        store.client,
        "SELECT name, engine, create_table_query FROM system.tables WHERE database = 'agentmeter' ORDER BY name",
      );
    const before = await tables();
    expect(before.map((t) => `${t.name}:${t.engine}`)).toEqual([
      'access_events:MergeTree',
      'alert_deliveries:MergeTree',
      'alert_history:MergeTree',
      'alert_instances:ReplacingMergeTree',
      'alert_rules:ReplacingMergeTree',
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
      'llm_usage_users_1d:AggregatingMergeTree',
      'llm_usage_users_1d_mv:MaterializedView',
      'llm_usage_users_1d_view:View',
      'llm_usage_users_1h:AggregatingMergeTree',
      'llm_usage_users_1h_mv:MaterializedView',
      'llm_usage_users_1h_view:View',
      'schema_migrations:ReplacingMergeTree',
    ]);
    const second = await migrate(store.client, options);
    expect(second).toEqual({ applied: [], current: 7, retentionChanged: [] });
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

  it("brings retention to the configured days, altering only the tables that differ (a per-user level keeps its grain's)", async () => {
    const changed = await migrate(store.client, {
      ...options,
      retention: { ...DEFAULT_RETENTION, spans: 3, usage1h: 120 },
    });
    expect(changed.retentionChanged.sort()).toEqual([
      'llm_spans',
      'llm_usage_1h',
      'llm_usage_users_1h',
    ]);
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
              (SELECT sum(requests) FROM agentmeter.llm_usage_1d WHERE project = 'dedup') AS d,
              (SELECT sum(requests) FROM agentmeter.llm_usage_users_1h WHERE project = 'dedup') AS uh,
              (SELECT sum(requests) FROM agentmeter.llm_usage_users_1d WHERE project = 'dedup') AS ud`,
    );
    expect(Object.values(counts!).map(Number)).toEqual([3, 3, 3, 3, 3, 3]);
  });
});

describe('schema version 2 (llm_spans.budget_id)', () => {
  it('upgrades a version-1 database in place: old rows read budget_id as empty, new ones keep it', async () => {
    // A database as version 1 left it (its statements, the migration recorded), beside the
    // current one in the same engine.
    const v1: SchemaOptions = { ...options, database: 'upgraded' };
    for (const statement of schemaV1(v1)) await store.client.command({ query: statement });
    await store.client.command({ query: migrationsTable(v1) });
    await store.client.insert({
      table: 'upgraded.schema_migrations',
      values: [{ version: 1, name: 'v1' }],
      format: 'JSONEachRow',
    });
    const now = (BigInt(Date.now()) * 1_000_000n).toString();
    const span = (id: string, extra: Record<string, string> = {}) => ({
      timestamp: now,
      trace_id: 'ab'.repeat(16),
      span_id: id,
      budget_decision: 'blocked',
      ...extra,
    });
    await store.client.insert({
      table: 'upgraded.llm_spans',
      values: [span('0000000000000001')],
      format: 'JSONEachRow',
    });

    expect((await migrate(store.client, v1)).applied).toEqual([2, 3, 4, 5, 6, 7]);
    await store.client.insert({
      table: 'upgraded.llm_spans',
      values: [span('0000000000000002', { budget_id: 'team-daily' })],
      format: 'JSONEachRow',
    });
    expect(
      await queryRows(
        store.client,
        'SELECT span_id, budget_id FROM upgraded.llm_spans ORDER BY span_id',
      ),
    ).toEqual([
      { span_id: '0000000000000001', budget_id: '' },
      { span_id: '0000000000000002', budget_id: 'team-daily' },
    ]);
    const columns = await queryRows<{ name: string; type: string; position: string }>(
      store.client,
      `SELECT name, type, toString(position) AS position FROM system.columns
       WHERE database = 'upgraded' AND table = 'llm_spans' AND name IN ('budget_decision', 'budget_id')
       ORDER BY position`,
    );
    expect(columns.map((c) => [c.name, c.type])).toEqual([
      ['budget_decision', 'LowCardinality(String)'],
      ['budget_id', 'LowCardinality(String)'],
    ]);
    expect(Number(columns[1]!.position)).toBe(Number(columns[0]!.position) + 1);
    expect((await migrate(store.client, v1)).applied).toEqual([]);
  });

  it('adds the column to the local and the Distributed table in a cluster (v2, v3)', () => {
    expect(schemaV3(options)).toEqual([
      'ALTER TABLE agentmeter.llm_spans ADD COLUMN IF NOT EXISTS unpriced_reason LowCardinality(String) AFTER price_version',
    ]);
    expect(schemaV2({ ...options, cluster: 'llm' })).toEqual([
      'ALTER TABLE agentmeter.llm_spans_local ON CLUSTER llm ADD COLUMN IF NOT EXISTS budget_id LowCardinality(String) AFTER budget_decision',
      'ALTER TABLE agentmeter.llm_spans ON CLUSTER llm ADD COLUMN IF NOT EXISTS budget_id LowCardinality(String) AFTER budget_decision',
    ]);
    expect(schemaV2(options)).toEqual([
      'ALTER TABLE agentmeter.llm_spans ADD COLUMN IF NOT EXISTS budget_id LowCardinality(String) AFTER budget_decision',
    ]);
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

  it('per-user rollups (v5): local tables and views ON CLUSTER, the backfill through the Distributed tables', () => {
    const v5 = schemaV5({ ...options, cluster: 'llm' });
    const [inserts, ddl5] = [
      v5.filter((s) => s.startsWith('INSERT')),
      v5.filter((s) => !s.startsWith('INSERT')),
    ];
    for (const statement of ddl5) expect(statement).toMatch(/ON CLUSTER llm/);
    expect(ddl5.filter((s) => s.includes('ENGINE = Distributed')).length).toBe(2);
    expect(
      ddl5
        .filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'))
        .map((s) => /TO (\S+) AS[\s\S]*FROM (\S+)/.exec(s)!.slice(1)),
    ).toEqual([
      ['agentmeter.llm_usage_users_1h_local', 'agentmeter.llm_spans_local'],
      ['agentmeter.llm_usage_users_1d_local', 'agentmeter.llm_usage_users_1h_local'],
    ]);
    // Every shard's spans, once, whichever node runs the migration.
    expect(inserts.map((s) => /INSERT INTO (\S+)\n[\s\S]*FROM (\S+)\n/.exec(s)!.slice(1))).toEqual([
      ['agentmeter.llm_usage_users_1h', 'agentmeter.llm_spans'],
      ['agentmeter.llm_usage_users_1d', 'agentmeter.llm_usage_users_1h'],
    ]);
  });

  it('projections and the cost index (v6) on the local tables, ON CLUSTER', () => {
    const v6 = schemaV6({ ...options, cluster: 'llm' });
    for (const statement of v6)
      expect(statement).toMatch(
        /^ALTER TABLE agentmeter\.(llm_usage_1h|llm_usage_1d|llm_spans)_local ON CLUSTER llm /,
      );
  });

  it('the minute rollup in time order (v7) on its local table, ON CLUSTER', () => {
    const v7 = schemaV7({ ...options, cluster: 'llm' });
    expect(v7).toHaveLength(3);
    for (const statement of v7)
      expect(statement).toMatch(/^ALTER TABLE agentmeter\.llm_usage_1m_local ON CLUSTER llm /);
  });

  it('refuses a cluster name that is not an identifier', () => {
    expect(() => schemaV1({ ...options, cluster: 'x; DROP TABLE y' })).toThrow(
      /invalid identifier/,
    );
  });
});
