/**
 * Repricing of stored history: recomputes the cost of stored spans with the current price
 * catalog and rebuilds the rollups of every affected day exactly.
 *
 * Method, per whole day (the server's `toDate(timestamp)`, which is both the `llm_spans`
 * partition and the day of every 1m, 1h and 1d bucket built from it):
 *   1. Read the day's in-scope spans grouped by their pricing inputs and price each group in JS
 *      with the catalog (exact integer nano-USD). The new costs go to a key table.
 *   2. Copy the whole day into a staging table with the same structure, new costs joined in
 *      by the pricing inputs (each key once, so the join never multiplies a row).
 *   3. Delete the day's buckets from every rollup (llm_usage_1m, _1h, _1d and the per-user
 *      llm_usage_users_1h, _1d). Every one of them is built from this day's spans only, so
 *      nothing else is lost.
 *   4. `REPLACE PARTITION` the day of llm_spans from staging: atomic, and it fires no view.
 *   5. `INSERT INTO llm_usage_1m <the 1m view's SELECT> FROM llm_spans WHERE day`, and the same
 *      into llm_usage_users_1h: rolls up ALL of the day's spans (repriced or not) once; the
 *      levels above cascade from these inserts, exactly once, because step 3 emptied their
 *      buckets of the day.
 * A run interrupted between 3 and 5 leaves a day without rollups; running it again rebuilds
 * them from the spans. Spans arriving for a day while it is repriced would be lost or counted
 * twice, so today is refused unless asked for and the command must not run while a day still
 * receives spans.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { PriceCatalog } from '@agentmeter/pricing';
import { CostSource, nanosToDecimalString } from '@agentmeter/conventions';
import { queryRows } from './store.js';
import {
  ROLLUP_TABLES,
  rollupsFromSpansInserts,
  Tables,
  type SchemaOptions,
} from '@agentmeter/schema';
import { catalogCost } from './catalog-cost.js';

export type RepriceErrorCode =
  | 'REPRICE_BAD_DATE'
  | 'REPRICE_BAD_DATABASE'
  | 'REPRICE_BEYOND_RETENTION'
  | 'REPRICE_TODAY'
  | 'REPRICE_ROW_COUNT'
  | 'REPRICE_CLUSTER'
  | 'REPRICE_ENGINE_BUSY';

export class RepriceError extends Error {
  constructor(
    readonly code: RepriceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RepriceError';
  }
}

export interface RepriceOptions {
  /** Database (single-node schema; see docs/schema.md). */
  schema: Pick<SchemaOptions, 'database' | 'retention'>;
  /** First day, `YYYY-MM-DD`, inclusive. */
  since: string;
  /** Day after the last, `YYYY-MM-DD`, exclusive; default today (or tomorrow with includeToday). */
  until?: string | undefined;
  dryRun?: boolean | undefined;
  /** Also reprice spans whose emitter sent a cost (`cost_source = 'span'`). */
  includeSpanCosts?: boolean | undefined;
  /** Allow today, which may still receive spans. */
  includeToday?: boolean | undefined;
  /** Pricing groups read per query. */
  chunkSize?: number | undefined;
}

export interface DayReport {
  day: string;
  /** Spans in the day, and those repriced. */
  spans: number;
  repriced: number;
  /** Cost of the repriced spans before and after, and the difference: exact decimal USD. */
  oldTotal: string;
  newTotal: string;
  difference: string;
  oldPriceVersions: string[];
  newPriceVersions: string[];
}

export interface RepriceReport {
  /** Server time zone: days are its calendar days. */
  timeZone: string;
  days: DayReport[];
  dryRun: boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(name: string, value: string): string {
  // The round trip refuses dates a lenient parser would roll over (2026-02-30).
  const parsed = Date.parse(`${value}T00:00:00Z`);
  if (
    !DATE.test(value) ||
    Number.isNaN(parsed) ||
    new Date(parsed).toISOString().slice(0, 10) !== value
  ) {
    throw new RepriceError(
      'REPRICE_BAD_DATE',
      `--${name} must be a date YYYY-MM-DD, got '${value}'`,
    );
  }
  return value;
}

/** One group of spans with the same pricing inputs, as read from llm_spans. */
interface GroupRow {
  provider: string;
  request_model: string;
  response_model: string;
  ts_ns: string;
  ts_ms: string;
  input_tokens: string;
  output_tokens: string;
  cache_read_tokens: string;
  cache_write_tokens: string;
  cache_write_1h_tokens: string;
  reasoning_tokens: string;
  cost_source: string;
  free: number;
  n: string;
}

/** Columns that decide a span's price; the key that joins new costs back to the spans. */
const KEY = [
  'provider',
  'request_model',
  'response_model',
  'ts_ns',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'reasoning_tokens',
  'cost_source',
  'free',
] as const;
/** Key column `k` computed from a span row; `prefix` qualifies the table. */
function keyOf(k: (typeof KEY)[number], prefix = ''): string {
  if (k === 'ts_ns') return `toUnixTimestamp64Nano(${prefix}timestamp)`;
  // What makes a call without usage free rather than unpriced (catalogCost's `free`).
  if (k === 'free') return `(${prefix}response_cache_hit OR ${prefix}status = 'error')`;
  return `${prefix}${k}`;
}
const COST_COLUMNS = [
  'cost_usd',
  'cost_input_usd',
  'cost_output_usd',
  'cost_cache_read_usd',
  'cost_cache_write_usd',
] as const;

export async function reprice(
  client: ClickHouseClient,
  catalog: Pick<PriceCatalog, 'priceCall'>,
  o: RepriceOptions,
): Promise<RepriceReport> {
  const db = o.schema.database;
  // The name is spliced into statements, like the schema's own DDL does.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(db))
    throw new RepriceError('REPRICE_BAD_DATABASE', `invalid database name: ${db}`);
  const spans = `${db}.${Tables.SPANS}`;
  const since = checkDate('since', o.since);
  const [env] = await queryRows<{ today: string; tz: string; oldest: string; n: string }>(
    client,
    `SELECT toString(today()) AS today, timezone() AS tz,
       toString(min(toDate(timestamp))) AS oldest, count() AS n FROM ${spans}`,
  );
  const { today, tz } = env!;
  const until = o.until ? checkDate('until', o.until) : o.includeToday ? nextDay(today) : today;
  if (until > today && !o.includeToday) {
    throw new RepriceError(
      'REPRICE_TODAY',
      `the range reaches today (${today}), which may still receive spans; pass --include-today ` +
        'only when no spans for today are arriving',
    );
  }
  if (Number(env!.n) === 0 || since < env!.oldest) {
    throw new RepriceError(
      'REPRICE_BEYOND_RETENTION',
      `--since ${since} is older than the oldest stored span day (${Number(env!.n) === 0 ? 'none stored' : env!.oldest}): ` +
        `history older than ${Tables.SPANS} retention (${o.schema.retention.spans} days) cannot be recomputed`,
    );
  }

  const sources = o.includeSpanCosts
    ? [CostSource.CATALOG, CostSource.UNPRICED, CostSource.SPAN]
    : [CostSource.CATALOG, CostSource.UNPRICED];
  const days = await queryRows<{ day: string; spans: string; repriced: string }>(
    client,
    `SELECT toString(toDate(timestamp)) AS day, count() AS spans, countIf(${IN_SCOPE}) AS repriced
     FROM ${spans} WHERE toDate(timestamp) >= toDate({since:String}) AND toDate(timestamp) < toDate({until:String})
     GROUP BY day HAVING repriced > 0 ORDER BY day`,
    { since, until, sources },
  );

  const report: RepriceReport = { timeZone: tz, days: [], dryRun: !!o.dryRun };
  for (const d of days) {
    report.days.push(await repriceDay(client, catalog, o, d.day, sources, Number(d.spans)));
  }
  return report;
}

/** The spans a run reprices: `{sources:Array(String)}` is bound to the chosen cost sources. */
const IN_SCOPE = 'cost_source IN {sources:Array(String)}';
/** One day of spans: `{day:String}` is bound to the day (YYYY-MM-DD). */
const DAY_WHERE = 'toDate(timestamp) = toDate({day:String})';

/** Exact decimal USD of a nano-USD sum, which may exceed what a double holds exactly. */
function formatNanos(nanos: bigint): string {
  const abs = nanos < 0n ? -nanos : nanos;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const text = `${abs / 1_000_000_000n}${frac ? `.${frac}` : ''}`;
  return nanos < 0n ? `-${text}` : text;
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

async function repriceDay(
  client: ClickHouseClient,
  catalog: Pick<PriceCatalog, 'priceCall'>,
  o: RepriceOptions,
  day: string,
  sources: readonly string[],
  daySpans: number,
): Promise<DayReport> {
  const db = o.schema.database;
  const spans = `${db}.${Tables.SPANS}`;
  const staging = `${db}.${Tables.SPANS}_reprice`;
  const costs = `${db}.${Tables.SPANS}_reprice_costs`;
  const params = { day, sources };
  const [old] = await queryRows<{ total: string; versions: string[]; n: string }>(
    client,
    `SELECT toString(sum(cost_usd)) AS total, arraySort(groupUniqArray(price_version)) AS versions,
       count() AS n FROM ${spans} WHERE ${DAY_WHERE} AND ${IN_SCOPE}`,
    params,
  );

  if (!o.dryRun) {
    await client.command({ query: `DROP TABLE IF EXISTS ${costs}` });
    await client.command({
      query: `CREATE TABLE ${costs} (
        provider String, request_model String, response_model String, ts_ns Int64,
        input_tokens UInt64, output_tokens UInt64, cache_read_tokens UInt64,
        cache_write_tokens UInt64, cache_write_1h_tokens UInt64, reasoning_tokens UInt64,
        cost_source String, free Bool, matched UInt8,
        ${COST_COLUMNS.map((c) => `new_${c} Decimal(18, 9)`).join(', ')},
        new_cost_source String, new_price_version String, new_unpriced_reason String
      ) ENGINE = MergeTree ORDER BY tuple()`,
    });
  }

  // Spans are read in chunks of pricing groups (identical inputs price identically, so each
  // group is priced once and keyed once, which keeps the join back one-to-one).
  const chunk = o.chunkSize ?? 50_000;
  let newTotal = 0n;
  const newVersions = new Set<string>();
  for (let offset = 0; ; offset += chunk) {
    const groups = await queryRows<GroupRow>(
      client,
      `SELECT ${KEY.map((k) => `${keyOf(k)} AS ${k}`).join(', ')},
         toUnixTimestamp64Milli(timestamp) AS ts_ms, count() AS n
       FROM ${spans} WHERE ${DAY_WHERE} AND ${IN_SCOPE}
       GROUP BY ${KEY.join(', ')}, ts_ms ORDER BY ${KEY.join(', ')}
       LIMIT {chunk:UInt64} OFFSET {offset:UInt64}`,
      { ...params, chunk, offset },
    );
    const rows = groups.map((g) => {
      const c = catalogCost(catalog, {
        provider: g.provider,
        requestModel: g.request_model,
        responseModel: g.response_model,
        timestampMs: Number(g.ts_ms),
        inputTokens: Number(g.input_tokens),
        outputTokens: Number(g.output_tokens),
        cacheReadTokens: Number(g.cache_read_tokens),
        cacheWriteTokens: Number(g.cache_write_tokens),
        cacheWrite1hTokens: Number(g.cache_write_1h_tokens),
        reasoningTokens: Number(g.reasoning_tokens),
        free: Boolean(Number(g.free)),
      });
      newTotal += BigInt(c.total) * BigInt(g.n);
      if (c.priceVersion) newVersions.add(c.priceVersion);
      return {
        ...Object.fromEntries(KEY.map((k) => [k, g[k]])),
        matched: 1,
        new_cost_usd: nanosToDecimalString(c.total),
        new_cost_input_usd: nanosToDecimalString(c.input),
        new_cost_output_usd: nanosToDecimalString(c.output),
        new_cost_cache_read_usd: nanosToDecimalString(c.cacheRead),
        new_cost_cache_write_usd: nanosToDecimalString(c.cacheWrite),
        new_cost_source: c.source,
        new_price_version: c.priceVersion,
        new_unpriced_reason: c.unpricedReason,
      };
    });
    if (!o.dryRun && rows.length > 0) {
      await client.insert({ table: costs, values: rows, format: 'JSONEachRow' });
    }
    if (groups.length < chunk) break;
  }

  const newTotalText = formatNanos(newTotal);
  const [diff] = await queryRows<{ d: string }>(
    client,
    `SELECT toString(toDecimal128({new:String}, 9) - toDecimal128({old:String}, 9)) AS d`,
    { new: newTotalText, old: old!.total },
  );
  const result: DayReport = {
    day,
    spans: daySpans,
    repriced: Number(old!.n),
    oldTotal: old!.total,
    newTotal: newTotalText,
    difference: diff!.d,
    oldPriceVersions: old!.versions,
    newPriceVersions: [...newVersions].sort(),
  };
  if (o.dryRun) return result;

  try {
    await rewriteDay(client, o, day, daySpans, staging, costs);
  } finally {
    await client.command({ query: `DROP TABLE IF EXISTS ${costs}` });
    await client.command({ query: `DROP TABLE IF EXISTS ${staging}` });
  }
  return result;
}

/** Steps 2 to 5 of the method above, for one day whose new costs are in `costs`. */
async function rewriteDay(
  client: ClickHouseClient,
  o: RepriceOptions,
  day: string,
  daySpans: number,
  staging: string,
  costs: string,
): Promise<void> {
  const db = o.schema.database;
  const spans = `${db}.${Tables.SPANS}`;
  const columns = (
    await queryRows<{ name: string }>(
      client,
      `SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String}
       ORDER BY position`,
      { db, t: Tables.SPANS },
    )
  ).map((c) => c.name);
  const replaced = new Set<string>([
    ...COST_COLUMNS,
    'cost_source',
    'price_version',
    'unpriced_reason',
  ]);
  const select = columns.map((c) =>
    replaced.has(c) ? `if(c.matched = 1, c.new_${c}, s.${c})` : `s.${c}`,
  );
  // Out-of-scope spans match no key (cost_source is part of it): the join gives them
  // defaults, matched = 0, and they keep their columns.
  await client.command({ query: `DROP TABLE IF EXISTS ${staging}` });
  await client.command({ query: `CREATE TABLE ${staging} AS ${spans}` });
  await client.command({
    query: `INSERT INTO ${staging} (${columns.join(', ')})
      SELECT ${select.join(', ')}
      FROM ${spans} AS s ANY LEFT JOIN ${costs} AS c
        ON ${KEY.map((k) => `${keyOf(k, 's.')} = c.${k}`).join(' AND ')}
      WHERE toDate(s.timestamp) = toDate({day:String})
      SETTINGS insert_deduplicate = 0, join_use_nulls = 0`,
    query_params: { day },
  });
  const [copied] = await queryRows<{ n: string }>(client, `SELECT count() AS n FROM ${staging}`);
  if (Number(copied!.n) !== daySpans) {
    throw new RepriceError(
      'REPRICE_ROW_COUNT',
      `${day}: staging holds ${copied!.n} spans, the day ${daySpans}; nothing was changed`,
    );
  }
  // Every bucket of the day at every level is built from this day's spans alone.
  for (const table of ROLLUP_TABLES) {
    await client.command({
      query: `ALTER TABLE ${db}.${table} DELETE WHERE toDate(bucket) = toDate({day:String})
        SETTINGS mutations_sync = 2`,
      query_params: { day },
    });
  }
  // ClickHouse takes no parameter in a PARTITION ID clause: the id is built from the day the
  // engine itself returned, and checked to be eight digits.
  const partition = day.replace(/-/g, '');
  if (!/^\d{8}$/.test(partition)) {
    throw new RepriceError('REPRICE_BAD_DATE', `unexpected day '${day}' from the engine`);
  }
  await client.command({
    query: `ALTER TABLE ${spans} REPLACE PARTITION ID '${partition}' FROM ${staging}`,
  });
  for (const insert of rollupsFromSpansInserts(
    { database: db, retention: o.schema.retention },
    DAY_WHERE,
    'insert_deduplicate = 0',
  ))
    await client.command({ query: insert, query_params: { day } });
}
