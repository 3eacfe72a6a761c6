import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from 'chdb';
import { READER, basicAuth, request, startHarness, type Harness } from './harness.js';
import {
  BLOCK_INFO,
  splitSingleColumn,
  versionedBlock,
  type SingleColumn,
} from './native-oracle.js';

/** What clickhouse-go (Grafana's datasource) reads: Native blocks at the client_protocol_version it sends. */

let harness: Harness;
let session: Session;
const reader = basicAuth(READER);

/** Stored in a table, so that values under NULLs and dictionary order are the same for every read. */
const STORED: readonly (readonly [string, string])[] = [
  ['u8', 'toUInt8(number)'],
  ['i64', 'toInt64(number) - 2'],
  ['f64', 'number / 3'],
  ['s', "repeat('x', number)"],
  ['fs', 'toFixedString(toString(number), 3)'],
  ['ns', 'if(number % 2 = 0, NULL, toString(number))'],
  ['lc', 'toLowCardinality(toString(number % 2))'],
  ['lcn', 'toLowCardinality(if(number = 1, NULL, toString(number)))'],
  ['alc', 'arrayMap(x -> toLowCardinality(toString(x)), range(number))'],
  ['ani', '[toNullable(toInt32(number)), NULL]'],
  ['aas', '[[toString(number)], []]'],
  [
    'mlc',
    "CAST(map('k' || toString(number), toString(number)), 'Map(LowCardinality(String), String)')",
  ],
  ['mau', "map('a', range(number))"],
  ['tup', "CAST((number, toString(number)), 'Tuple(a UInt8, b String)')"],
  ['tupq', "CAST((number, 'x'), 'Tuple(`a b` UInt8, c String)')"],
  ['d18', 'toDecimal64(number, 9)'],
  ['d38', 'toDecimal128(number, 9)'],
  ['d76', 'toDecimal256(number, 2)'],
  ['dt64', 'toDateTime64(number, 9)'],
  ['dt', "toDateTime(number, 'UTC')"],
  ['d', 'toDate(number)'],
  ['d32', 'toDate32(number)'],
  ['uuid', "toUUID(concat('00000000-0000-0000-0000-00000000000', toString(number)))"],
  ['ip4', 'toIPv4(number)'],
  ['ip6', "toIPv6('::1')"],
  ['e8', "CAST(number % 2 + 1, 'Enum8(\\'a\\' = 1, \\'b, c\\' = 2)')"],
  ['b', 'number % 2 = 0'],
  ['i128', 'toInt128(number)'],
  ['u256', 'toUInt256(number)'],
  ['pt', "CAST((toFloat64(number), 1.5), 'Point')"],
];
/** Types a table cannot hold, computed from constants. */
const COMPUTED: readonly (readonly [string, string])[] = [
  ['nothing', 'NULL'],
  ['iv', 'toIntervalSecond(id)'],
];
const COLUMNS = [...STORED.map(([name]) => [name, name] as const), ...COMPUTED];

beforeAll(async () => {
  harness = await startHarness();
  session = new Session(harness.dataPath);
  const select = STORED.map(([name, expr]) => `${expr} AS ${name}`).join(', ');
  await session.queryAsync(
    `CREATE TABLE types ENGINE = MergeTree ORDER BY id AS SELECT number AS id, ${select} FROM numbers(4)`,
  );
});

afterAll(async () => {
  session.close();
  await harness.close();
});

async function engineNative(sql: string): Promise<Buffer> {
  return Buffer.from((await session.queryAsync(sql, { format: 'Native' })).bytes());
}

async function httpNative(sql: string, revision: number): Promise<ReturnType<typeof request>> {
  return request(`${harness.url}/?default_format=Native&client_protocol_version=${revision}`, {
    method: 'POST',
    headers: reader,
    body: sql,
  });
}

describe('Native output at a client protocol version', () => {
  it('adds BlockInfo and a no-custom-serialization flag per column, leaving column data untouched', async () => {
    const from = 'FROM types ORDER BY id';
    const sql = `SELECT ${COLUMNS.map(([name, expr]) => `${expr} AS ${name}`).join(', ')} ${from}`;
    const columns: SingleColumn[] = [];
    for (const [name, expr] of COLUMNS) {
      columns.push(splitSingleColumn(await engineNative(`SELECT ${expr} AS ${name} ${from}`)));
    }
    const res = await httpNative(sql, 54460);
    expect(res.status, res.text).toBe(200);
    expect(res.body.toString('hex')).toBe(versionedBlock(columns).toString('hex'));
  });

  it('rewrites every block of a multi-block result', async () => {
    const res = await httpNative(
      'SELECT number AS n FROM numbers(5) SETTINGS max_block_size = 2',
      54460,
    );
    const block = (rows: number, first: number): Buffer =>
      Buffer.concat([
        BLOCK_INFO,
        Buffer.of(1, rows, 1, ...Buffer.from('n'), 6, ...Buffer.from('UInt64'), 0),
        ...Array.from({ length: rows }, (_, i) => {
          const b = Buffer.alloc(8);
          b.writeBigUInt64LE(BigInt(first + i));
          return b;
        }),
      ]);
    expect(res.body.toString('hex')).toBe(
      Buffer.concat([block(2, 0), block(2, 2), block(1, 4)]).toString('hex'),
    );
  });

  it('follows the revision: no flag before 54454, an out-of-order-buckets field from 54480', async () => {
    const column = Buffer.of(1, 1, 1, ...Buffer.from('x'), 5, ...Buffer.from('UInt8'));
    expect((await httpNative('SELECT 7::UInt8 AS x', 54453)).body).toEqual(
      Buffer.concat([BLOCK_INFO, column, Buffer.of(7)]),
    );
    const withBuckets = Buffer.from([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 3, 0, 0]);
    expect((await httpNative('SELECT 7::UInt8 AS x', 54480)).body).toEqual(
      Buffer.concat([withBuckets, column, Buffer.of(0, 7)]),
    );
  });

  it('answers an empty result with an empty body', async () => {
    const res = await httpNative('SELECT number FROM numbers(0)', 54460);
    expect([res.status, res.body.length]).toEqual([200, 0]);
  });

  it('refuses a column type whose layout it cannot walk, instead of sending a corrupt block', async () => {
    const res = await httpNative('SELECT uniqState(1) AS state', 54460);
    expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([501, '48']);
    expect((await httpNative('SELECT uniqState(1) AS state', 0)).status).toBe(200);
  });
});
