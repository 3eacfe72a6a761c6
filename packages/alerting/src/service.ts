/**
 * The alerting service: rules (files, or the default pack, plus those saved through the API),
 * their evaluator, the rule manager, notification, and the HTTP API, composed on one ClickHouse
 * client, embedded or server alike. `npm start` runs it beside the ingester; `agentmeter
 * alerting` runs it alone.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { systemClock, type Clock } from '@agentmeter/conventions';
import { ALERTING_RETENTION_DAYS, Tables } from '@agentmeter/schema';
import type { RequestListener } from 'node:http';
import { listen, queryRows, type AccessEvent, type AgentmeterConfig } from '@agentmeter/store';
import { createAlertingApi } from './api.js';
import { ClickHouseInstanceStore } from './instance-store.js';
import { RuleManager } from './manager.js';
import { AlertStates, type AlertNotice, type Evaluation, type NotificationSink } from './model.js';
import {
  ClickHouseDeliveryLog,
  loadNotificationConfig,
  NotificationDispatcher,
  type NotificationConfig,
} from './notify/index.js';
import { RuleStore } from './rule-store.js';
import { budgetStatus, RuleEvaluator, type BudgetRule, type Rule } from './rules/index.js';
import { contactPointFailingRule, type SelfRule } from './self-rules.js';
import { serviceMetrics } from './service-metrics.js';
import { StatementQueue } from './statement-queue.js';

/** The rules the service runs: users' and the default pack's, and its own. */
export type ServiceRule = Rule | SelfRule;

export interface AlertingServiceOptions {
  client: Pick<ClickHouseClient, 'query' | 'insert' | 'command'>;
  config: Pick<AgentmeterConfig, 'alerting' | 'clickhouse' | 'ingester' | 'shutdownTimeoutMs'>;
  clock?: Clock;
  /** Told of refused credentials and rate-limited requests (the access log). */
  onAccessRefused?: (e: AccessEvent) => void;
  /** For `${VAR}` in notification files (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface AlertingService {
  readonly url: string;
  readonly manager: RuleManager<ServiceRule>;
  readonly dispatcher: NotificationDispatcher | undefined;
  close(deadlineMs?: number): Promise<void>;
}

/** Loads every file first: a typo in a rule or notification file refuses the start. */
export async function startAlerting(o: AlertingServiceOptions): Promise<AlertingService> {
  const a = o.config.alerting;
  const clock = o.clock ?? systemClock;
  const database = o.config.clickhouse.database;
  const rules = await RuleStore.open({
    client: o.client,
    database,
    ruleFiles: a.ruleFiles,
    clock,
    ...(a.defaultRules === undefined ? {} : { defaultRules: a.defaultRules }),
  });
  const notifications: NotificationConfig | undefined =
    a.notificationFiles.length > 0
      ? loadNotificationConfig(a.notificationFiles, { env: o.env ?? process.env })
      : undefined;

  // The API listens first (answering 503 until the service is composed), so that links in
  // notifications carry the address it really has (a configured port 0 picks a free one).
  let handler: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end('starting\n');
  };
  const listener = await listen(
    'alerting API',
    a.host,
    a.port,
    {
      maxConnections: a.maxConnections,
      headersTimeoutMs: a.headersTimeoutMs,
      keepAliveTimeoutMs: a.keepAliveTimeoutMs,
      requestTimeoutMs: 30_000,
      onAccessRefused: o.onAccessRefused,
    },
    (req, res) => handler(req, res),
    'alerting',
  );
  const externalURL = a.externalUrl ?? listener.url;
  const dispatcher = notifications
    ? new NotificationDispatcher({
        config: notifications,
        log: new ClickHouseDeliveryLog({ client: o.client, database }),
        clock,
        externalURL,
        onError: (e) => console.warn('agentmeter alerting: delivery log:', e),
      })
    : undefined;
  const sink: NotificationSink = dispatcher ?? { push: (_: readonly AlertNotice[]) => undefined };
  const selfRules: SelfRule[] = dispatcher
    ? [contactPointFailingRule(() => dispatcher.unhealthy())]
    : [];
  // The embedded engine runs one bound statement at a time; a server takes a few at once.
  const statements = new StatementQueue(o.config.clickhouse.url ? 4 : 1);
  const evaluator = new RuleEvaluator({ client: statements.client(o.client), database });
  const manager = new RuleManager<ServiceRule>({
    rules: [...rules.rules(), ...selfRules],
    evaluator: { evaluateAll: (group, now) => evaluateServiceRules(evaluator, group, now) },
    store: new ClickHouseInstanceStore(o.client, database),
    sink,
    clock,
    externalURL,
    onError: (e) => console.warn('agentmeter alerting: evaluation failed:', e),
  });
  rules.onChange((list) => manager.setRules([...list, ...selfRules]));
  try {
    await dispatcher?.start();
    await manager.start();
  } catch (e) {
    await listener.close(0);
    throw e;
  }

  const keys = [
    ...a.apiKeys,
    // The deployment's shared keys may do everything, as they do on the other listeners.
    ...o.config.ingester.apiKeys.map((key) => ({ key, scopes: ['read', 'write'] as const })),
  ];
  handler = createAlertingApi({
    manager,
    rules,
    budgets: async () => {
      // One budget may have several rules (thresholds, forecast): its status once.
      const budgets = new Map(
        manager
          .ruleList()
          .filter((r): r is BudgetRule => r.kind === 'budget')
          .map((r) => [r.budget.id, r.budget]),
      );
      const spends = await budgetStatus(o.client, [...budgets.values()], clock.now(), database);
      return spends.map((s) => ({
        ...s,
        periodStart: new Date(s.periodStart).toISOString(),
        resetsAt: new Date(s.resetsAt).toISOString(),
      }));
    },
    testContactPoint: (name) =>
      dispatcher
        ? dispatcher.testSend(name)
        : Promise.resolve({
            ok: false,
            detail: 'no notification files are configured (alerting.notificationFiles)',
          }),
    stats: (hours) => alertStats(o.client, database, manager, clock.now(), hours),
    readiness: () =>
      (dispatcher?.unhealthy() ?? []).map(
        (h) =>
          `contact point ${h.receiver} (${h.integration}) failing since ${new Date(h.since).toISOString()}: ${h.lastError}`,
      ),
    metrics: () => serviceMetrics(manager, dispatcher),
    apiKeys: keys,
    rateLimitPerSecond: a.rateLimitPerSecond,
    maxBodyBytes: a.maxBodyBytes,
    clock,
  });
  return {
    url: listener.url,
    manager,
    dispatcher,
    async close(deadlineMs = o.config.shutdownTimeoutMs) {
      await listener.close(deadlineMs);
      await manager.stop();
      await dispatcher?.stop();
    },
  };
}

/** Instances now by state and severity, and what fired, resolved and was acknowledged in the window. */
async function alertStats(
  client: Pick<ClickHouseClient, 'query'>,
  database: string,
  manager: RuleManager<ServiceRule>,
  now: number,
  hours: number,
) {
  const current: Record<string, Record<string, number>> = {};
  for (const s of manager.alerts()) {
    const state = s.state === AlertStates.RECOVERING ? AlertStates.FIRING : s.state;
    const severity = s.labels['severity'] ?? 'none';
    (current[state] ??= {})[severity] = ((current[state] ??= {})[severity] ?? 0) + 1;
  }
  const acknowledged = manager
    .alerts()
    .filter((s) => s.acknowledged && s.state !== AlertStates.RESOLVED).length;
  const rows = await queryRows<{ event: string; severity: string; n: string }>(
    client,
    `SELECT multiIf(actor != '' AND from_state = to_state, 'acknowledged',
                    to_state = {firing:String} AND from_state != {firing:String}, 'fired',
                    to_state = {resolved:String}, 'resolved', '') AS event,
            severity, toString(count()) AS n
     FROM ${database}.${Tables.ALERT_HISTORY}
     WHERE at > fromUnixTimestamp64Milli({since:Int64}) AND at <= fromUnixTimestamp64Milli({now:Int64})
     GROUP BY event, severity HAVING event != ''`,
    {
      firing: AlertStates.FIRING,
      resolved: AlertStates.RESOLVED,
      since: now - hours * 3_600_000,
      now,
    },
  );
  const window: Record<string, Record<string, number>> = {};
  for (const r of rows) (window[r.event] ??= {})[r.severity || 'none'] = Number(r.n);
  return {
    hours,
    now: current,
    acknowledged,
    window,
    historyRetentionDays: ALERTING_RETENTION_DAYS,
  };
}

/** The product's rules in one batch; the service's own rules evaluate themselves. */
async function evaluateServiceRules(
  evaluator: RuleEvaluator,
  group: readonly ServiceRule[],
  now: number,
): Promise<Evaluation[]> {
  const products = group.filter((r): r is Rule => r.kind !== 'self');
  const answers = await evaluator.evaluateAll(products, now);
  let next = 0;
  return group.map((r) => (r.kind === 'self' ? r.evaluate(now) : answers[next++]!));
}
