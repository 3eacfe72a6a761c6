import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  ClickHouseError,
  ClickHouseLogLevel,
  type ClickHouseClient,
} from '@clickhouse/client';
import { ManualClock } from '@agentmeter/test-kit';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from '../src/index.js';
import { READER, WRITER, basicAuth, request, startHarness, type Harness } from './harness.js';

let harness: Harness;
const clock = new ManualClock();
const clients: ClickHouseClient[] = [];
const EXCEPTION_BODY =
  /^Code: (\d+)\. DB::Exception: [\s\S]+\. \(([A-Z_]+)\) \(version 26\.[\d.]+\)\n$/;

beforeAll(async () => {
  harness = await startHarness({ clock, maxSessionTimeoutSeconds: 600 });
  await client(WRITER).command({ query: 'CREATE TABLE t (id UInt32) ENGINE = Memory' });
  await client(WRITER).command({ query: 'INSERT INTO t VALUES (1), (2), (3)' });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await harness.close();
});

function client(
  user: { name: string; password: string },
  session_id?: string,
  url = harness.url,
): ClickHouseClient {
  const created = createClient({
    url,
    username: user.name,
    password: user.password,
    session_id,
    log: { level: ClickHouseLogLevel.OFF }, // the refusals below are expected
  });
  clients.push(created);
  return created;
}

async function rows<T>(c: ClickHouseClient, query: string, settings = {}): Promise<T[]> {
  const rs = await c.query({ query, format: 'JSONEachRow', clickhouse_settings: settings });
  return rs.json<T>();
}

async function failure(promise: Promise<unknown>): Promise<ClickHouseError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClickHouseError);
  return err as ClickHouseError;
}

const settingsOf = (c: ClickHouseClient, settings = {}) =>
  rows<{ threads: number; limit: string }>(
    c,
    "SELECT getSetting('max_threads') AS threads, toString(getSetting('max_result_rows')) AS limit",
    settings,
  ).then((r) => r[0]!);

describe('@clickhouse/client with a session_id', () => {
  it('keeps SET for the later queries of the session, and for no one else', async () => {
    const session = client(WRITER, 'settings');
    await session.command({ query: 'SET max_threads = 1, max_result_rows = 7' });
    expect(await settingsOf(session)).toEqual({ threads: 1, limit: '7' });
    // A request's own settings apply over the session's, for that request only.
    expect(await settingsOf(session, { max_result_rows: 9 })).toEqual({ threads: 1, limit: '9' });
    expect(await settingsOf(session)).toEqual({ threads: 1, limit: '7' });
    expect((await settingsOf(client(WRITER, 'another'))).limit).toBe('0');
    expect((await settingsOf(client(WRITER))).limit).toBe('0');
    await session.command({ query: 'SET max_result_rows = DEFAULT' });
    expect(await settingsOf(session)).toEqual({ threads: 1, limit: '0' });
  });

  it('keeps temporary tables per session: CREATE TEMPORARY TABLE, INSERT, SELECT', async () => {
    const session = client(WRITER, 'temporary');
    await session.command({ query: 'CREATE TEMPORARY TABLE picks (id UInt32)' });
    await session.command({ query: 'INSERT INTO picks SELECT id FROM t WHERE id >= 2' });
    expect(await rows(session, 'SELECT id FROM picks ORDER BY id')).toEqual([{ id: 2 }, { id: 3 }]);
    expect(await rows(session, 'SELECT count() AS n FROM t WHERE id IN picks')).toEqual([{ n: 2 }]);
    for (const other of [client(WRITER, 'not-temporary'), client(WRITER), client(READER)]) {
      expect((await failure(rows(other, 'SELECT * FROM picks'))).type).toBe('UNKNOWN_TABLE');
    }
    // Sessions are their user's own: the same id under another user is another session.
    const sameId = client(READER, 'temporary');
    expect((await failure(rows(sameId, 'SELECT * FROM picks'))).type).toBe('UNKNOWN_TABLE');
  });

  it('keeps the current database of USE while requests name none', async () => {
    const session = client(WRITER, 'use');
    await session.command({ query: 'USE system' });
    expect(await rows(session, 'SELECT currentDatabase() AS db')).toEqual([{ db: 'system' }]);
    expect(await rows(client(WRITER), 'SELECT currentDatabase() AS db')).toEqual([
      { db: 'default' },
    ]);
    expect((await failure(session.command({ query: 'USE no_such_db' }))).code).toBe('81');
    expect(await rows(session, 'SELECT currentDatabase() AS db')).toEqual([{ db: 'system' }]);
  });

  it('expires a session session_timeout seconds after its last query', async () => {
    const session = client(WRITER, 'expiring');
    await session.command({
      query: 'CREATE TEMPORARY TABLE kept (x UInt8)',
      clickhouse_settings: { session_timeout: '30' },
    });
    clock.advance(29_999);
    await session.command({ query: 'INSERT INTO kept VALUES (1)' }); // and the 30 s start again
    clock.advance(29_999);
    expect(await rows(session, 'SELECT x FROM kept')).toEqual([{ x: 1 }]);
    clock.advance(30_000);
    const check = await failure(rows(session, 'SELECT x FROM kept', { session_check: 1 }));
    expect([check.code, check.type]).toEqual(['372', 'SESSION_NOT_FOUND']);
    // Without session_check the id starts a new, empty session; it expires after the default 60 s.
    expect((await failure(rows(session, 'SELECT x FROM kept'))).type).toBe('UNKNOWN_TABLE');
    clock.advance(59_999);
    expect(await rows(session, 'SELECT 1 AS one', { session_check: 1 })).toEqual([{ one: 1 }]);
    clock.advance(60_000);
    expect((await failure(rows(session, 'SELECT 1', { session_check: 1 }))).code).toBe('372');
  });

  it('answers session_check=1 on an unknown session with 372 SESSION_NOT_FOUND', async () => {
    const res = await request(`${harness.url}/?session_id=nobody&session_check=1`, {
      method: 'POST',
      headers: basicAuth(READER),
      body: 'SELECT 1',
    });
    expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([500, '372']);
    expect(res.text).toMatch(EXCEPTION_BODY);
    expect(res.text).toContain('Session nobody not found');
  });

  it('refuses a second query while the session runs one, with 373 SESSION_IS_LOCKED', async () => {
    const send = () =>
      request(`${harness.url}/?session_id=busy`, {
        method: 'POST',
        headers: basicAuth(WRITER),
        body: 'SELECT sleep(0.5)',
      });
    const results = await Promise.all([send(), send()]);
    const codes = results.map((r) => r.headers.get('x-clickhouse-exception-code')).sort();
    expect(codes).toEqual(['373', null]);
    expect(results.find((r) => r.status !== 200)?.text).toMatch(
      /Session busy is locked by a concurrent client\. \(SESSION_IS_LOCKED\)/,
    );
    // Once the query ends the session serves the next one.
    expect((await send()).status).toBe(200);
  });

  it('refuses a session_timeout over the maximum, or one that is not a number, with 374', async () => {
    for (const timeout of ['601', 'soon', '-1']) {
      const res = await request(`${harness.url}/?session_id=long&session_timeout=${timeout}`, {
        method: 'POST',
        headers: basicAuth(READER),
        body: 'SELECT 1',
      });
      expect(res.headers.get('x-clickhouse-exception-code'), timeout).toBe('374');
      expect(res.text).toMatch(EXCEPTION_BODY);
    }
    // Without session_id the parameter means nothing (the npm clickhouse client always sends it).
    const plain = await request(`${harness.url}/?session_timeout=soon`, {
      method: 'POST',
      headers: basicAuth(READER),
      body: 'SELECT 1',
    });
    expect(plain.status).toBe(200);
  });
});

describe('sessions and the read-only policy', () => {
  it('never let a reader lift readonly or a protected setting', async () => {
    const session = client(READER, 'reader-settings');
    for (const query of [
      'SET readonly = 0',
      'SET max_memory_usage = 100000000000',
      'SET max_execution_time = 100000',
      'SET max_result_bytes = 0',
      'SET os_thread_priority = -20',
      "SET profile = 'default'",
    ]) {
      expect((await failure(session.command({ query }))).code, query).toBe('164');
    }
    await session.command({ query: 'SET max_threads = 1' });
    expect((await settingsOf(session)).threads).toBe(1);
    expect((await failure(session.command({ query: 'INSERT INTO t VALUES (9)' }))).code).toBe(
      '164',
    );
  });

  it("cap a writer's session settings like URL settings, and SET readonly = 1 makes the session read-only", async () => {
    const session = client(WRITER, 'writer-settings');
    await session.command({
      query:
        'SET max_execution_time = 100000, max_memory_usage = 1000000000000000, os_thread_priority = -20',
    });
    expect(
      await rows(
        session,
        "SELECT getSetting('max_execution_time') AS time, getSetting('max_memory_usage') AS memory, getSetting('os_thread_priority') AS nice",
      ),
    ).toEqual([{ time: 60, memory: 2147483648, nice: 10 }]);
    await session.command({ query: 'SET readonly = 1' });
    expect((await failure(session.command({ query: 'INSERT INTO t VALUES (9)' }))).code).toBe(
      '164',
    );
    expect(await rows(session, 'SELECT count() AS n FROM t')).toEqual([{ n: 3 }]);
  });

  it('keep temporary tables to users who may write, and to sessions', async () => {
    const reader = await failure(
      client(READER, 'reader-temporary').command({ query: 'CREATE TEMPORARY TABLE r (x UInt8)' }),
    );
    expect(reader.code).toBe('164');
    expect(reader.message).toContain('temporary tables need a user that may write');
    // Without a session the table would stay in a pooled engine session for the next request.
    const outside = await failure(
      client(WRITER).command({ query: 'CREATE TEMPORARY TABLE leak (x UInt8)' }),
    );
    expect([outside.code, outside.type]).toEqual(['36', 'BAD_ARGUMENTS']);
    expect(outside.message).toContain('send session_id');
  });

  it('refuse SET forms a session cannot keep, clearly', async () => {
    const session = client(WRITER, 'set-forms');
    for (const query of ['SET ROLE NONE', 'SET param_x = 1']) {
      expect((await failure(session.command({ query }))).code, query).toBe('48');
    }
    expect((await failure(session.command({ query: 'SET no_such_setting = 1' }))).code).toBe('115');
  });
});

describe('the session bound', () => {
  let bounded: ClickHouseHttpServer;
  const boundedClock = new ManualClock();
  beforeAll(async () => {
    bounded = await startClickHouseHttpServer({
      executor: harness.executor,
      port: 0,
      users: [WRITER],
      maxSessions: 2,
      clock: boundedClock,
    });
  });
  afterAll(async () => {
    await bounded.close();
  });

  it('refuses a new session when full, keeps the live ones, and frees a place as one closes', async () => {
    const [one, two, three] = ['one', 'two', 'three'].map((id) =>
      client(WRITER, id, bounded.url),
    ) as [ClickHouseClient, ClickHouseClient, ClickHouseClient];
    await one.command({ query: 'CREATE TEMPORARY TABLE mine (x UInt8)' });
    await two.command({ query: 'SELECT 1' });
    const refused = await failure(three.command({ query: 'SELECT 1' }));
    expect([refused.code, refused.type]).toEqual(['700', 'USER_SESSION_LIMIT_EXCEEDED']);
    expect(refused.message).toContain('all 2 sessions (maxSessions) are open');
    expect(await rows(one, 'SELECT count() AS n FROM mine')).toEqual([{ n: 0 }]);
    // close_session=1 ends a session with its request.
    await two.command({ query: 'SELECT 1', clickhouse_settings: { close_session: 1 } });
    await three.command({ query: 'SELECT 1' });
    expect((await failure(two.command({ query: 'SELECT 1' }))).code).toBe('700');
    boundedClock.advance(60_000);
    await two.command({ query: 'SELECT 1' });
  });

  it('answers the refusal with 503, which invites a retry', async () => {
    const fill = (id: string) =>
      request(`${bounded.url}/?session_id=${id}`, {
        method: 'POST',
        headers: basicAuth(WRITER),
        body: 'SELECT 1',
      });
    boundedClock.advance(60_000);
    for (const id of ['a', 'b']) expect((await fill(id)).status).toBe(200);
    const res = await fill('c');
    expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([503, '700']);
    expect(res.text).toMatch(EXCEPTION_BODY);
  });
});
