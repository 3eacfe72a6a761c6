/**
 * Deployment configuration: one YAML file (optional) validated with zod, overridden by
 * environment variables, defaults resolved here and nowhere else. An invalid file is refused
 * with every problem listed: where in the file, what was expected, what was found.
 */
import { join } from 'node:path';
import { z } from 'zod';
import {
  issuesToProblems,
  ProblemsError,
  readConfigDocument,
  type Problem,
} from '@agentmeter/conventions';
import { DEFAULT_DATABASE, DEFAULT_RETENTION } from '@agentmeter/schema';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
const MiB = 1024 * 1024;

/** Limits every listener has (see `http-listener.ts`); each section may set its own. */
const listenerLimits = {
  /** Open connections at most; more are closed as they arrive (descriptors stay for the engine). */
  maxConnections: positiveInt.default(1024),
  /** A connection must send its request headers within this long (idle sockets included). */
  headersTimeoutMs: positiveInt.default(10_000),
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: positiveInt.default(5_000),
};

export const ConfigSchema = z
  .object({
    clickhouse: z
      .object({
        /** ClickHouse server URL; absent = embedded engine. */
        url: z.string().url().optional(),
        username: z.string().default('default'),
        password: z.string().default(''),
        database: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .default(DEFAULT_DATABASE),
        /** Data directory of the embedded engine. */
        dataPath: z.string().default('./data'),
        /** Emit ON CLUSTER DDL for this cluster. */
        cluster: z.string().optional(),
        requestTimeoutMs: positiveInt.default(30_000),
      })
      .strict()
      .prefault({}),
    retentionDays: z
      .object({
        spans: positiveInt.default(DEFAULT_RETENTION.spans),
        usage1m: positiveInt.default(DEFAULT_RETENTION.usage1m),
        usage1h: positiveInt.default(DEFAULT_RETENTION.usage1h),
        usage1d: positiveInt.default(DEFAULT_RETENTION.usage1d),
      })
      .strict()
      .prefault({}),
    pricing: z
      .object({
        /** Price overrides/extensions (private models, negotiated discounts); see packages/pricing. */
        overridesFile: z.string().optional(),
      })
      .strict()
      .prefault({}),
    ingester: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: port.default(4318),
        /** Accepted API keys (Authorization: Bearer <key> or X-API-Key); empty = no auth. */
        apiKeys: z.array(z.string().min(8)).default([]),
        /** Largest request body on the wire. */
        maxBodyBytes: positiveInt.default(20 * 1024 * 1024),
        /** Largest body after gzip decompression (OTLP recommends 20 MiB). */
        maxDecompressedBytes: positiveInt.default(20 * 1024 * 1024),
        /** Group commit: a batch is inserted when it has this many rows... */
        batchMaxRows: positiveInt.default(20_000),
        /** ...or when its oldest request has waited this long. */
        batchMaxDelayMs: positiveInt.default(50),
        /** Rows accepted but not yet stored; past this, requests get 429 (bounded memory). */
        maxPendingRows: positiveInt.default(100_000),
        /** How long a stored span's id is remembered to drop retried duplicates. */
        dedupeWindowSeconds: positiveInt.default(900),
        /** Span ids remembered at most (memory bound of the de-duplicator). */
        dedupeMaxSpans: positiveInt.default(2_000_000),
        requestTimeoutMs: positiveInt.default(30_000),
        ...listenerLimits,
        /** Insert journal (crash recovery of the rollups); default `<clickhouse.dataPath>/ingest-journal`. */
        journalDir: z.string().optional(),
        /** Spans starting further ahead than this (a wrong clock) are rejected. */
        maxFutureSkewSeconds: positiveInt.default(600),
      })
      .strict()
      .prefault({}),
    clickhouseHttp: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().default('127.0.0.1'),
        port: port.default(8123),
        /** Users allowed to query; empty = anyone, read-only. */
        users: z
          .array(
            z
              .object({
                name: z.string(),
                password: z.string(),
                readonly: z.boolean().default(true),
              })
              .strict(),
          )
          .default([]),
        maxBodyBytes: positiveInt.default(10 * MiB),
        maxExecutionTimeSeconds: positiveInt.default(60),
        /** Memory one query may use (`max_memory_usage`); a user's queries together: × maxConcurrentQueriesPerUser. */
        maxMemoryUsageBytes: positiveInt.default(2048 * MiB),
        /** Largest result of one query (`max_result_bytes`): the embedded engine holds results in memory. */
        maxResultBytes: positiveInt.default(256 * MiB),
        /** Queries running at once, all users together (engine sessions). */
        maxConcurrentQueries: positiveInt.default(4),
        /** Queries one user may run at once... */
        maxConcurrentQueriesPerUser: positiveInt.default(2),
        /** ...and have waiting; more are refused with TOO_MANY_SIMULTANEOUS_QUERIES. */
        maxQueuedQueriesPerUser: z.number().int().min(0).default(8),
        /** HTTP sessions (`session_id`) open at once, all users; a new one past this is refused. */
        maxSessions: positiveInt.default(1000),
        /** Largest `session_timeout` a client may ask for (ClickHouse's `max_session_timeout`). */
        maxSessionTimeoutSeconds: positiveInt.default(3600),
        ...listenerLimits,
      })
      .strict()
      .prefault({}),
    /** The alerting service (docs/alerting.md): rules, notifications, its API. */
    alerting: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9095),
        /** Rule files (Prometheus rule-group shape); none: the default rule pack. */
        ruleFiles: z.array(z.string()).default([]),
        /** The default rule pack beside the rule files (default: only when there are none). */
        defaultRules: z.boolean().optional(),
        /** Contact points and notification policies (Grafana provisioning format). */
        notificationFiles: z.array(z.string()).default([]),
        /** The API's base URL as receivers reach it (links in notifications). */
        externalUrl: z.string().url().optional(),
        /** API keys and what they may do: `read` (alerts, rules, stats), `write` (acknowledge, resolve, rule changes, test sends). */
        apiKeys: z
          .array(
            z
              .object({
                key: z.string().min(8),
                scopes: z
                  .array(z.enum(['read', 'write']))
                  .min(1)
                  .default(['read']),
              })
              .strict(),
          )
          .default([]),
        /** Requests per second per client address (a burst of twice that is allowed). */
        rateLimitPerSecond: positiveInt.default(20),
        maxBodyBytes: positiveInt.default(1024 * 1024),
        ...listenerLimits,
      })
      .strict()
      .prefault({}),
    /** How long a stop (SIGTERM) may take: in-flight requests finish, then connections are closed. */
    shutdownTimeoutMs: positiveInt.default(10_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    const http = c.clickhouseHttp;
    if (
      http.enabled &&
      !isLoopback(http.host) &&
      http.users.length === 0 &&
      c.ingester.apiKeys.length === 0
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['clickhouseHttp', 'host'],
        message: `the ClickHouse interface listens on ${http.host}, beyond this machine, with no credentials: set clickhouseHttp.users or AGENTMETER_API_KEYS, or listen on 127.0.0.1`,
      });
    }
    const a = c.alerting;
    if (
      a.enabled &&
      !isLoopback(a.host) &&
      a.apiKeys.length === 0 &&
      c.ingester.apiKeys.length === 0
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerting', 'host'],
        message: `the alerting API listens on ${a.host}, beyond this machine, with no API keys: set alerting.apiKeys or AGENTMETER_API_KEYS, or listen on 127.0.0.1`,
      });
    }
  })
  .transform((c) => ({
    ...c,
    ingester: {
      ...c.ingester,
      journalDir: c.ingester.journalDir ?? join(c.clickhouse.dataPath, 'ingest-journal'),
    },
  }));

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

export type AgentmeterConfig = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export class ConfigError extends ProblemsError<'AGENTMETER_CONFIG_INVALID'> {
  constructor(
    readonly source: string,
    problems: readonly Problem[],
  ) {
    super('AGENTMETER_CONFIG_INVALID', `${source} is invalid:`, problems);
  }
}

/** A comma-separated list. */
const list = (v: string): string[] =>
  v
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);

/** Environment variables that override the file, each with the config key it sets. */
export const ENV_SETTINGS: readonly { env: string; key: string; parse?: (v: string) => unknown }[] =
  [
    { env: 'CLICKHOUSE_URL', key: 'clickhouse.url' },
    { env: 'CLICKHOUSE_USER', key: 'clickhouse.username' },
    { env: 'CLICKHOUSE_PASSWORD', key: 'clickhouse.password' },
    { env: 'CLICKHOUSE_DATABASE', key: 'clickhouse.database' },
    { env: 'CLICKHOUSE_CLUSTER', key: 'clickhouse.cluster' },
    { env: 'AGENTMETER_DATA_DIR', key: 'clickhouse.dataPath' },
    { env: 'AGENTMETER_PRICING_OVERRIDES', key: 'pricing.overridesFile' },
    { env: 'AGENTMETER_OTLP_HOST', key: 'ingester.host' },
    { env: 'AGENTMETER_OTLP_PORT', key: 'ingester.port', parse: Number },
    { env: 'AGENTMETER_API_KEYS', key: 'ingester.apiKeys', parse: list },
    { env: 'AGENTMETER_CLICKHOUSE_HTTP_HOST', key: 'clickhouseHttp.host' },
    { env: 'AGENTMETER_CLICKHOUSE_HTTP_PORT', key: 'clickhouseHttp.port', parse: Number },
    // `false` where alerting runs elsewhere (one `agentmeter alerting` beside many ingesters).
    {
      env: 'AGENTMETER_ALERTING_ENABLED',
      key: 'alerting.enabled',
      parse: (v) => !/^(false|0|no)$/i.test(v),
    },
    { env: 'AGENTMETER_ALERTING_HOST', key: 'alerting.host' },
    { env: 'AGENTMETER_ALERTING_PORT', key: 'alerting.port', parse: Number },
    { env: 'AGENTMETER_ALERT_RULES', key: 'alerting.ruleFiles', parse: list },
    { env: 'AGENTMETER_ALERT_NOTIFICATIONS', key: 'alerting.notificationFiles', parse: list },
  ];

/** `AGENTMETER_OTLP_PORT (ingester.port in the config file)`: how a user changes a setting. */
export function describeSetting(key: string): string {
  const env = ENV_SETTINGS.find((s) => s.key === key)?.env;
  return env ? `${env} (${key} in the config file)` : `${key} in the config file`;
}

function section(c: Record<string, Record<string, unknown>>, key: string): Record<string, unknown> {
  return (c[key] ??= {});
}

/** Validates a config object; throws ConfigError listing every problem. */
export function parseConfig(input: unknown, source = 'configuration'): AgentmeterConfig {
  const result = ConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ConfigError(source, issuesToProblems(result.error.issues, input));
}

/** Reads the YAML file (if any), applies environment overrides, validates. */
export function loadConfig(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): AgentmeterConfig {
  let raw: Record<string, Record<string, unknown>> = {};
  const source = file ?? 'environment';
  if (file) {
    const document = readConfigDocument(file, 'configuration');
    if ('failure' in document) {
      const { message, problems } = document.failure;
      throw new ConfigError(file, problems.length > 0 ? problems : [{ path: '(file)', message }]);
    }
    const parsed = document.value;
    if (parsed !== null && parsed !== undefined && typeof parsed !== 'object') {
      throw new ConfigError(file, [
        { path: '(root)', message: `expected a mapping, found ${typeof parsed}` },
      ]);
    }
    raw = (parsed ?? {}) as typeof raw;
  }
  for (const { env: name, key, parse } of ENV_SETTINGS) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const [sectionName, field] = key.split('.') as [string, string];
    section(raw, sectionName)[field] = parse ? parse(value) : value;
  }
  return parseConfig(raw, source);
}
