/**
 * The alerting HTTP API (port 9095, DESIGN.md "Alerting contract"). Reads answer in the
 * Prometheus HTTP API's envelope (`{"status":"success","data":…}`; errors
 * `{"status":"error","errorType":…,"error":…}`) so Prometheus-API tooling reads them; ours adds
 * `fingerprint` and `acknowledged` to each alert.
 *
 *   GET  /api/v1/alerts[?state=all]              pending and firing instances (all: resolved too)
 *   POST /api/v1/alerts/{fingerprint}/acknowledge  {"by": "...", "comment": "..."}      (write)
 *   POST /api/v1/alerts/{fingerprint}/resolve      {"by": "...", "comment": "..."}      (write)
 *   GET  /api/v1/rules                            groups, rules, health, their alerts
 *   PUT  /api/v1/rules/{group}/{alert}            create or replace a rule (rule-file syntax) (write)
 *   DELETE /api/v1/rules/{group}/{alert}                                                 (write)
 *   POST /api/v1/rules/{group}/{alert}/enable | /disable                                 (write)
 *   GET  /api/v1/stats[?hours=24]                 fired / resolved / acknowledged by severity
 *   GET  /api/v1/budgets                          spend, limit, percent, forecast, reset time
 *   POST /api/v1/contact-points/{name}/test       a test notification                    (write)
 *   GET  /healthz, /readyz, /metrics
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '@agentmeter/conventions';
import { authorise, RateLimiter, type ApiKey, type Scope } from './api-guard.js';
import type { StoredInstance } from './instance-store.js';
import {
  AlertActionRefused,
  UnknownAlertError,
  type ManagedRule,
  type RuleManager,
} from './manager.js';
import { AlertStates } from './model.js';

/** Rule changes through the API: validated like a rule file, persisted, applied. */
export interface RuleAdmin {
  put(group: string, alert: string, body: unknown, by: string): Promise<void>;
  remove(group: string, alert: string, by: string): Promise<void>;
  setEnabled(group: string, alert: string, enabled: boolean, by: string): Promise<void>;
  /** Where each rule comes from (`file path`, `api`, `defaults`), for `/api/v1/rules`. */
  sourceOf(ruleId: string): string;
}

/** Thrown by a RuleAdmin for a rule body that does not validate. */
export class RuleRejected extends Error {
  readonly code = 'RULE_REJECTED';
}

export interface AlertingApiOptions<R extends ManagedRule> {
  manager: RuleManager<R>;
  rules: RuleAdmin;
  budgets: () => Promise<unknown[]>;
  testContactPoint: (name: string) => Promise<{ ok: boolean; detail: string }>;
  stats: (hours: number) => Promise<unknown>;
  /** Problems that make the service not ready (failing contact points, …); empty when ready. */
  readiness: () => string[];
  metrics: () => string;
  apiKeys: readonly ApiKey[];
  rateLimitPerSecond: number;
  maxBodyBytes: number;
  clock: Clock;
}

type ErrorType =
  | 'bad_data'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'too_many_requests'
  | 'internal';

function fail(res: Response, status: number, errorType: ErrorType, error: string): void {
  res.status(status).json({ status: 'error', errorType, error });
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** One alert as Prometheus' `/api/v1/alerts` shows it, plus ours. */
export function alertView(s: StoredInstance) {
  return {
    labels: s.labels,
    annotations: s.annotations,
    // Recovering (keep_firing_for) is still firing to receivers and Prometheus tooling.
    state: s.state === AlertStates.RECOVERING ? AlertStates.FIRING : s.state,
    activeAt: iso(s.activeAt),
    firedAt: iso(s.firedAt),
    resolvedAt: iso(s.resolvedAt),
    value: String(s.value),
    fingerprint: s.fingerprint,
    rule: s.ruleId,
    acknowledged: s.acknowledged
      ? { by: s.acknowledged.by, at: iso(s.acknowledged.at), comment: s.acknowledged.comment }
      : null,
  };
}

export function createAlertingApi<R extends ManagedRule>(
  o: AlertingApiOptions<R>,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const limiter = new RateLimiter(o.rateLimitPerSecond, o.clock);

  app.use((req, res, next) => {
    if (!limiter.take(req.socket.remoteAddress ?? '')) {
      res.setHeader('Retry-After', '1');
      return fail(
        res,
        429,
        'too_many_requests',
        'too many requests from this address; retry in a second',
      );
    }
    next();
  });
  app.use(
    express.json({ limit: o.maxBodyBytes, type: ['application/json', 'application/*+json'] }),
  );
  app.use(
    express.text({
      limit: o.maxBodyBytes,
      type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'],
    }),
  );

  const guard = (scope: Scope) => (req: Request, res: Response, next: NextFunction) => {
    const refused = authorise(req, o.apiKeys, scope);
    if (refused)
      return fail(
        res,
        refused.status,
        refused.status === 401 ? 'unauthorized' : 'forbidden',
        refused.message,
      );
    next();
  };
  const actor = (req: Request): { by: string; comment: string } => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<
      string,
      unknown
    >;
    return {
      by: typeof body['by'] === 'string' && body['by'] !== '' ? body['by'] : 'api',
      comment: typeof body['comment'] === 'string' ? body['comment'] : '',
    };
  };

  app.get('/healthz', (_req, res) => res.type('text/plain').send('ok\n'));
  app.get('/readyz', (_req, res) => {
    const problems = o.readiness();
    res
      .status(problems.length === 0 ? 200 : 503)
      .type('text/plain')
      .send(problems.length === 0 ? 'ready\n' : `${problems.join('\n')}\n`);
  });
  app.get('/metrics', (_req, res) => res.type('text/plain; version=0.0.4').send(o.metrics()));

  app.get('/api/v1/alerts', guard('read'), (req, res) => {
    const all = req.query['state'] === 'all';
    const alerts = o.manager
      .alerts()
      .filter((s) => all || s.state !== AlertStates.RESOLVED)
      .map(alertView);
    res.json({ status: 'success', data: { alerts } });
  });

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post(`/api/v1/alerts/:fingerprint/${action}`, guard('write'), async (req, res) => {
      const { by, comment } = actor(req);
      const fp = String(req.params['fingerprint']);
      try {
        const s =
          action === 'acknowledge'
            ? await o.manager.acknowledge(fp, by, comment)
            : await o.manager.resolve(fp, by, comment);
        res.json({ status: 'success', data: { alert: alertView(s) } });
      } catch (e) {
        if (e instanceof UnknownAlertError) return fail(res, 404, 'not_found', e.message);
        if (e instanceof AlertActionRefused) return fail(res, 409, 'conflict', e.message);
        throw e;
      }
    });
  }

  app.get('/api/v1/rules', guard('read'), (_req, res) => {
    const alerts = o.manager.alerts();
    const groups = new Map<string, ReturnType<typeof ruleView>[]>();
    const intervals = new Map<string, number>();
    for (const rule of o.manager.ruleList()) {
      const list = groups.get(rule.group) ?? [];
      list.push(ruleView(rule, alerts, o));
      groups.set(rule.group, list);
      intervals.set(rule.group, rule.intervalMs / 1000);
    }
    res.json({
      status: 'success',
      data: {
        groups: [...groups].map(([name, rules]) => ({
          name,
          file: rules[0]?.file ?? '',
          interval: intervals.get(name),
          rules,
          evaluationTime: rules.reduce((t, r) => t + r.evaluationTime, 0),
          lastEvaluation: rules
            .map((r) => r.lastEvaluation)
            .filter(Boolean)
            .sort()
            .at(-1),
        })),
      },
    });
  });

  app.put('/api/v1/rules/:group/:alert', guard('write'), async (req, res) => {
    const { group, alert } = req.params as { group: string; alert: string };
    try {
      await o.rules.put(group, alert, req.body, String(req.header('x-agentmeter-user') ?? 'api'));
      res.json({ status: 'success', data: { rule: `${group}/${alert}` } });
    } catch (e) {
      if (e instanceof RuleRejected) return fail(res, 400, 'bad_data', e.message);
      throw e;
    }
  });
  app.delete('/api/v1/rules/:group/:alert', guard('write'), async (req, res) => {
    const { group, alert } = req.params as { group: string; alert: string };
    try {
      await o.rules.remove(group, alert, String(req.header('x-agentmeter-user') ?? 'api'));
      res.json({ status: 'success', data: { rule: `${group}/${alert}` } });
    } catch (e) {
      if (e instanceof RuleRejected) return fail(res, 404, 'not_found', e.message);
      throw e;
    }
  });
  for (const enabled of [true, false]) {
    app.post(
      `/api/v1/rules/:group/:alert/${enabled ? 'enable' : 'disable'}`,
      guard('write'),
      async (req, res) => {
        const { group, alert } = req.params as { group: string; alert: string };
        try {
          await o.rules.setEnabled(
            group,
            alert,
            enabled,
            String(req.header('x-agentmeter-user') ?? 'api'),
          );
          res.json({ status: 'success', data: { rule: `${group}/${alert}`, enabled } });
        } catch (e) {
          if (e instanceof RuleRejected) return fail(res, 404, 'not_found', e.message);
          throw e;
        }
      },
    );
  }

  app.get('/api/v1/stats', guard('read'), async (req, res) => {
    const hours = Number(req.query['hours'] ?? 24);
    if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 90) {
      return fail(res, 400, 'bad_data', 'hours must be a number from 0 to 2160');
    }
    res.json({ status: 'success', data: await o.stats(hours) });
  });
  app.get('/api/v1/budgets', guard('read'), async (_req, res) => {
    res.json({ status: 'success', data: { budgets: await o.budgets() } });
  });
  app.post('/api/v1/contact-points/:name/test', guard('write'), async (req, res) => {
    const result = await o.testContactPoint(String(req.params['name']));
    res
      .status(result.ok ? 200 : 502)
      .json(
        result.ok
          ? { status: 'success', data: result }
          : { status: 'error', errorType: 'unavailable', error: result.detail },
      );
  });

  app.use((_req: Request, res: Response) => fail(res, 404, 'not_found', 'no such endpoint'));
  // Body errors (size, JSON) are the client's; anything else is ours, logged, never a stack to the client.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; type?: string; message?: string };
    if (e.status === 413)
      return fail(res, 413, 'bad_data', `body larger than ${o.maxBodyBytes} bytes`);
    if (e.status === 400) return fail(res, 400, 'bad_data', e.message ?? 'malformed body');
    console.error('agentmeter alerting API:', err);
    fail(res, 500, 'internal', 'internal error');
  });
  return app;
}

function ruleView<R extends ManagedRule>(
  rule: R,
  alerts: StoredInstance[],
  o: AlertingApiOptions<R>,
) {
  const mine = alerts.filter((a) => a.ruleId === rule.id && a.state !== AlertStates.RESOLVED);
  const health = o.manager.ruleHealth(rule.id);
  const state = mine.some(
    (a) => a.state === AlertStates.FIRING || a.state === AlertStates.RECOVERING,
  )
    ? 'firing'
    : mine.some((a) => a.state === AlertStates.PENDING)
      ? 'pending'
      : 'inactive';
  return {
    name: rule.name,
    id: rule.id,
    type: 'alerting',
    file: o.rules.sourceOf(rule.id),
    duration: rule.forMs / 1000,
    keepFiringFor: rule.keepFiringForMs / 1000,
    labels: rule.labels,
    annotations: rule.annotations,
    enabled: rule.enabled,
    state,
    alerts: mine.map(alertView),
    health: health.health,
    lastError: health.lastError,
    lastEvaluation: iso(health.lastEvaluation) ?? '',
    evaluationTime: health.evaluationMs / 1000,
  };
}
