/**
 * The notification side of alerting, a small Alertmanager: it receives alert notices (the
 * `NotificationSink` of model.ts) and decides who is told what, when. Evaluation stays out.
 *
 * - **Routing**: each notice walks the policy tree (routes.ts) to one or more routes.
 * - **Grouping**: per route, alerts with the same `group_by` labels form an aggregation group.
 * - **Timers** (Alertmanager's dispatch/notify, on the injected clock): a new group is flushed
 *   after `group_wait` (at once if its alert is older than that, e.g. after a restart), then
 *   every `group_interval`; a flush notifies when a firing alert is new to the receiver or a
 *   known one resolved, and otherwise re-sends an unchanged firing group after
 *   `repeat_interval`, leaving acknowledged alerts out (their resolve is still sent). An
 *   Alertmanager integration is flushed every min(group_interval, resend interval) and keeps
 *   its alerts alive instead of reminding (alertmanager.ts). With `disableResolveMessage`, a
 *   change that is only resolves sends nothing.
 * - **Deliveries**: one notification of one group to one integration. Its id derives from the
 *   group, what it reports and the id of the last one sent, so it is the same on every attempt,
 *   after a restart and at the next flush; it goes along in `Idempotency-Key`. Each integration
 *   of a group has one delivery at a time; a flush during one waits for it. Retryable failures
 *   are retried with backoff (backoff.ts); when a round gives up, the next flush starts another.
 *   A delivery the receiver refused (a permanent error) is not sent again; the group's next
 *   news is, and it carries everything still unsent.
 * - **Log and restart**: every attempt is recorded (delivery-log.ts). `start()` reads what each
 *   integration was last sent and resumes deliveries still pending, so a restart sends nothing
 *   twice that was recorded sent and loses no pending delivery. Notices pushed after a restart
 *   are compared with what receivers were told: re-pushing recently resolved instances is safe.
 * - **Health**: integrations that keep failing are reported (health.ts).
 */
import { createHash } from 'node:crypto';
import { systemClock, type Clock, type Timer } from '@agentmeter/conventions';
import type { AlertNotice, Labels, NotificationSink } from '../model.js';
import { compareAlerts } from './alert-order.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import { DEFAULT_POLICY_TIMERS, type NotificationConfig } from './config.js';
import { integrationsOf } from './contact-points.js';
import { DEFAULT_ALERTMANAGER_RESEND_MS } from './alertmanager.js';
import { DeliveryStatuses, type DeliveryLog, type DeliveryRecord } from './delivery-log.js';
import { DeliveryHealth, type HealthChange, type IntegrationHealth } from './health.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-send.js';
import type { Integration, Notification, Told } from './integration.js';
import { compileRoutes, groupKeyOf, groupLabelsOf, matchRoutes, type Route } from './routes.js';

export interface DispatcherOptions {
  readonly config: NotificationConfig;
  readonly log: DeliveryLog;
  /** Default the system clock. */
  readonly clock?: Clock;
  /** Base URL of agentmeter's alerting API, sent as `externalURL` (default empty). */
  readonly externalURL?: string;
  /** Per attempt (defaults 10 s, 64 KiB). */
  readonly http?: Partial<HttpLimits>;
  readonly retry?: Partial<RetryPolicy>;
  /** Jitter source, [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** How often alerts are re-sent to an Alertmanager (default 1 min). */
  readonly alertmanagerResendMs?: number;
  /** Failed attempts in a row that make an integration unhealthy (default 3); a give-up does at once. */
  readonly failuresBeforeUnhealthy?: number;
  /** Deliveries older than this are not resumed at start (default 1 day). */
  readonly resumeWindowMs?: number;
  readonly onHealthChange?: (change: HealthChange) => void;
  /** The delivery log could not be written (default console.warn); delivery goes on. */
  readonly onError?: (error: unknown) => void;
}

const BACKGROUND = { background: true } as const;
const DAY = 24 * 3_600_000;

/** What an integration was last sent for a group, and when it was decided. */
interface ToldState extends Told {
  readonly at: number;
  readonly deliveryId: string;
}

interface Group {
  readonly id: string;
  readonly route: Route;
  readonly key: string;
  readonly labels: Labels;
  readonly alerts: Map<string, AlertNotice>;
  readonly channels: Channel[];
  /** Set until the first flush. */
  waitTimer: Timer | undefined;
}

/** One integration's view of one group: its flush timer and its delivery. */
interface Channel {
  /** Receiver, integration and group key: how the delivery log knows it. */
  readonly key: string;
  readonly integration: Integration;
  readonly groupKey: string;
  /** Undefined for a delivery resumed at start whose group has not come back yet. */
  group: Group | undefined;
  tickTimer: Timer | undefined;
  delivery: Delivery | undefined;
  /** A flush came during the delivery: flush again once it is sent. */
  flushWhenSent: boolean;
  /**
   * The delivery that last gave up: a next round of it goes on counting its attempts, and one the
   * receiver refused (a permanent error) is not sent again; the group's next news is.
   */
  gaveUp: { readonly id: string; readonly attempts: number; readonly refused: boolean } | undefined;
}

interface Delivery {
  readonly id: string;
  readonly payload: string;
  readonly fingerprints: readonly string[];
  readonly alertStatus: 'firing' | 'resolved';
  readonly told: Told;
  readonly decidedAt: number;
  readonly roundStartedAt: number;
  readonly maxAgeMs: number;
  attempts: number;
  roundAttempts: number;
  retryTimer: Timer | undefined;
  /** The attempt under way, for stop() to wait for. */
  running: Promise<void> | undefined;
}

type Decision =
  | {
      readonly kind: 'send';
      readonly notification: Notification;
      readonly fingerprints: readonly string[];
      readonly told: Told;
    }
  /** Only resolves changed and the integration does not send them: remember, send nothing. */
  | { readonly kind: 'quiet'; readonly told: Told };

export class NotificationDispatcher implements NotificationSink {
  private readonly root: Route | undefined;
  private readonly integrations: Map<string, Integration[]>;
  private readonly log: DeliveryLog;
  private readonly clock: Clock;
  private readonly externalURL: string;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly resumeWindowMs: number;
  private readonly health: DeliveryHealth;
  private readonly onError: (error: unknown) => void;

  private readonly groups = new Map<string, Group>();
  private readonly channels = new Map<string, Channel>();
  /** Delivery attempts running (recording, sending, logging the outcome). */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly told = new Map<string, ToldState>();
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  /** Pushed before start() finished: applied once receivers' history is known. */
  private early: AlertNotice[] = [];

  constructor(o: DispatcherOptions) {
    this.clock = o.clock ?? systemClock;
    this.root = o.config.policy && compileRoutes(o.config.policy);
    this.integrations = integrationsOf(o.config.contactPoints, {
      http: { ...DEFAULT_HTTP_LIMITS, ...o.http },
      clock: this.clock,
      alertmanagerResendMs: o.alertmanagerResendMs ?? DEFAULT_ALERTMANAGER_RESEND_MS,
    });
    this.log = o.log;
    this.externalURL = o.externalURL ?? '';
    this.retry = { ...DEFAULT_RETRY_POLICY, ...o.retry };
    this.random = o.random ?? Math.random;
    this.resumeWindowMs = o.resumeWindowMs ?? DAY;
    this.health = new DeliveryHealth(
      o.failuresBeforeUnhealthy ?? 3,
      o.onHealthChange ?? (() => undefined),
    );
    this.onError = o.onError ?? ((e) => console.warn('agentmeter: alert delivery log:', e));
  }

  /** Reads the delivery log: what each integration was last sent, and deliveries to resume. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'starting';
    const since = this.clock.now() - this.resumeWindowMs;
    let pending: DeliveryRecord[];
    try {
      const [open, sent] = await Promise.all([this.log.pending(since), this.log.lastSent(since)]);
      for (const row of sent) {
        const integration = this.integration(row.receiver, row.integration);
        if (!integration) continue;
        const told = integration.told(row.payload, row.fingerprints);
        this.told.set(channelKey(row.receiver, row.integration, row.groupKey), {
          ...told,
          at: row.at,
          deliveryId: row.deliveryId,
        });
      }
      // Newest first: of two open deliveries of one group and integration, the newer is resumed.
      pending = open.sort((a, b) => b.at - a.at);
    } catch (error) {
      this.state = 'new';
      throw error;
    }
    for (const row of pending) await this.resume(row);
    this.state = 'running';
    const early = this.early;
    this.early = [];
    this.push(early);
  }

  push(notices: readonly AlertNotice[]): void {
    if (this.stopped || !this.root) return;
    if (this.state !== 'running') {
      this.early.push(...notices);
      return;
    }
    const now = this.clock.now();
    const due = new Set<Group>();
    for (const notice of notices) {
      for (const route of matchRoutes(this.root, notice.labels)) {
        const labels = groupLabelsOf(route, notice.labels);
        const key = groupKeyOf(route, labels);
        const id = `${route.id}\u0000${key}`;
        const group = this.groups.get(id) ?? this.createGroup(id, route, key, labels);
        group.alerts.set(notice.fingerprint, notice);
        // As Alertmanager: an alert older than group_wait does not wait for it.
        if (group.waitTimer !== undefined && notice.startsAt + route.groupWaitMs <= now)
          due.add(group);
      }
    }
    for (const group of due) this.firstFlush(group);
  }

  /**
   * Sends a test notification (Grafana's: `alertname=TestAlert`, summary `Notification test`)
   * once to every integration of a contact point, at once, outside groups, retries and the log.
   */
  async testSend(contactPoint: string): Promise<{ ok: boolean; detail: string }> {
    const integrations = this.integrations.get(contactPoint);
    if (!integrations) return { ok: false, detail: `no contact point is named ${contactPoint}` };
    const now = this.clock.now();
    const labels = { alertname: 'TestAlert', instance: 'agentmeter' };
    const notice: AlertNotice = {
      fingerprint: 'test',
      status: 'firing',
      labels,
      annotations: { summary: 'Notification test' },
      startsAt: now,
      endsAt: undefined,
      value: 0,
      values: {},
      acknowledged: false,
      generatorURL: this.externalURL,
    };
    const results = await Promise.all(
      integrations.map(async (integration) => {
        const notification: Notification = {
          receiver: contactPoint,
          groupKey: `{}:{alertname="TestAlert"}`,
          groupLabels: { alertname: 'TestAlert' },
          alerts: [notice],
          externalURL: this.externalURL,
        };
        const id = `test-${now}`;
        const outcome = await integration.send(integration.render(notification), id);
        const result = outcome.ok ? `sent (HTTP ${outcome.httpStatus})` : outcome.error;
        return { ok: outcome.ok, detail: `${integration.uid} (${integration.type}): ${result}` };
      }),
    );
    return { ok: results.every((r) => r.ok), detail: results.map((r) => r.detail).join('; ') };
  }

  /** Integrations that keep failing, with when it began and the last error. */
  unhealthy(): IntegrationHealth[] {
    return this.health.unhealthy();
  }

  /**
   * Stops the timers and waits for attempts under way; deliveries still to be retried stay
   * pending in the log for the next start.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.state = 'stopped';
    const channels = new Set([
      ...this.channels.values(),
      ...[...this.groups.values()].flatMap((g) => g.channels),
    ]);
    for (const group of this.groups.values()) this.clearTimer(group.waitTimer);
    const running: Promise<void>[] = [];
    for (const channel of channels) {
      this.clearTimer(channel.tickTimer);
      this.clearTimer(channel.delivery?.retryTimer);
      if (channel.delivery?.running) running.push(channel.delivery.running);
    }
    await Promise.all(running);
  }

  /**
   * Resolves when no delivery attempt is in flight (one waiting for its retry timer is not): tests
   * advance a manual clock, then await this.
   */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private track(attempt: Promise<void>): Promise<void> {
    this.inFlight.add(attempt);
    const done = () => void this.inFlight.delete(attempt);
    attempt.then(done, done);
    return attempt;
  }

  /** Read through a getter: the state changes across awaits, which narrowing does not see. */
  private get stopped(): boolean {
    return this.state === 'stopped';
  }

  private integration(receiver: string, uid: string): Integration | undefined {
    return this.integrations.get(receiver)?.find((i) => i.uid === uid);
  }

  private createGroup(id: string, route: Route, key: string, labels: Labels): Group {
    const group: Group = {
      id,
      route,
      key,
      labels,
      alerts: new Map(),
      channels: [],
      waitTimer: undefined,
    };
    for (const integration of this.integrations.get(route.receiver) ?? []) {
      group.channels.push(this.channelFor(integration, key, group));
    }
    group.waitTimer = this.clock.setTimer(
      () => this.firstFlush(group),
      route.groupWaitMs,
      BACKGROUND,
    );
    this.groups.set(id, group);
    return group;
  }

  /** The channel the log knows by this key; a resumed delivery's is adopted by its group. */
  private channelFor(
    integration: Integration,
    groupKey: string,
    group: Group | undefined,
  ): Channel {
    const key = channelKey(integration.receiver, integration.uid, groupKey);
    const known = this.channels.get(key);
    if (known && (known.group === undefined || group === undefined)) {
      known.group ??= group;
      return known;
    }
    const channel: Channel = {
      key,
      integration,
      groupKey,
      group,
      tickTimer: undefined,
      delivery: undefined,
      flushWhenSent: false,
      gaveUp: undefined,
    };
    // Two sibling routes with the same matchers and receiver share a key (as in Alertmanager's
    // notification log); the second group's channel is its own.
    if (!known) this.channels.set(key, channel);
    return channel;
  }

  private firstFlush(group: Group): void {
    if (group.waitTimer === undefined) return;
    this.clock.clearTimer(group.waitTimer);
    group.waitTimer = undefined;
    for (const channel of group.channels) this.tick(channel);
  }

  private tick(channel: Channel): void {
    if (this.stopped || !channel.group) return;
    this.clearTimer(channel.tickTimer);
    channel.tickTimer = this.clock.setTimer(
      () => this.tick(channel),
      this.flushEveryMs(channel.integration, channel.group.route),
      BACKGROUND,
    );
    this.flush(channel, channel.group);
  }

  private flush(channel: Channel, group: Group): void {
    if (channel.delivery) {
      channel.flushWhenSent = true;
      return;
    }
    const decision = this.decide(channel, group);
    if (decision?.kind === 'quiet') {
      const last = this.told.get(channel.key);
      this.told.set(channel.key, {
        ...decision.told,
        at: this.clock.now(),
        deliveryId: last?.deliveryId ?? '',
      });
    } else if (decision) {
      this.deliver(channel, decision, group);
    }
    this.cleanUp(group);
  }

  private flushEveryMs(integration: Integration, route: Route): number {
    return integration.repeat.kind === 'keep-alive'
      ? Math.min(route.groupIntervalMs, integration.repeat.everyMs)
      : route.groupIntervalMs;
  }

  /** Alertmanager's DedupStage, per integration: notify on news, else remind when due. */
  private decide(channel: Channel, group: Group): Decision | undefined {
    const integration = channel.integration;
    const last = this.told.get(channel.key);
    const alerts = [...group.alerts.values()].sort(compareAlerts);
    const firing = new Set(alerts.filter((a) => a.status === 'firing').map((a) => a.fingerprint));
    // A resolve is news only to a receiver that was told the alert fires.
    const resolved = new Set(
      alerts
        .filter((a) => a.status === 'resolved' && last?.firing.has(a.fingerprint))
        .map((a) => a.fingerprint),
    );
    const reportResolved = integration.sendResolved ? resolved : new Set<string>();
    const accounted = alerts.filter(
      (a) => firing.has(a.fingerprint) || reportResolved.has(a.fingerprint),
    );
    const told: Told = { firing, resolved: reportResolved };
    const news = [...firing].some((fp) => !last?.firing.has(fp)) || reportResolved.size > 0;
    let reported: AlertNotice[];
    if (news) {
      reported = accounted;
    } else if (resolved.size > 0) {
      return { kind: 'quiet', told };
    } else if (
      last &&
      firing.size > 0 &&
      this.clock.now() - last.at >= this.repeatEveryMs(integration, group.route)
    ) {
      reported = accounted.filter(
        (a) => integration.repeat.kind === 'keep-alive' || !a.acknowledged,
      );
      if (reported.length === 0) return undefined;
    } else {
      return undefined;
    }
    return {
      kind: 'send',
      notification: {
        receiver: integration.receiver,
        groupKey: group.key,
        groupLabels: group.labels,
        alerts: reported,
        externalURL: this.externalURL,
      },
      fingerprints: accounted.map((a) => a.fingerprint),
      told,
    };
  }

  private repeatEveryMs(integration: Integration, route: Route): number {
    return integration.repeat.kind === 'keep-alive'
      ? integration.repeat.everyMs
      : route.repeatIntervalMs;
  }

  private deliver(
    channel: Channel,
    decision: Extract<Decision, { kind: 'send' }>,
    group: Group,
  ): void {
    const now = this.clock.now();
    const id = deliveryId(channel, decision.told, this.told.get(channel.key)?.deliveryId ?? '');
    if (channel.gaveUp?.refused && channel.gaveUp.id === id) return;
    const delivery: Delivery = {
      id,
      payload: channel.integration.render(decision.notification),
      fingerprints: decision.fingerprints,
      alertStatus: decision.told.firing.size > 0 ? 'firing' : 'resolved',
      told: decision.told,
      decidedAt: now,
      roundStartedAt: now,
      maxAgeMs: this.retry.maxAgeMs ?? this.flushEveryMs(channel.integration, group.route),
      attempts: channel.gaveUp?.id === id ? channel.gaveUp.attempts : 0,
      roundAttempts: 0,
      retryTimer: undefined,
      running: undefined,
    };
    channel.delivery = delivery;
    delivery.running = this.track(
      (async () => {
        await this.record(channel, delivery, {
          status: DeliveryStatuses.PENDING,
          attempt: delivery.attempts,
          nextAttemptAt: now,
        });
        await this.attempt(channel, delivery);
      })(),
    );
  }

  /** A delivery of the log still pending at start: attempted again when due, in a new round. */
  private async resume(row: DeliveryRecord): Promise<void> {
    const now = this.clock.now();
    const integration = this.integration(row.receiver, row.integration);
    const key = channelKey(row.receiver, row.integration, row.groupKey);
    const last = this.told.get(key);
    const error = !integration
      ? 'not resumed: its contact point or receiver is no longer configured'
      : (last !== undefined && last.at > row.at) || this.channels.get(key)?.delivery
        ? 'not resumed: a later notification of its group supersedes it'
        : undefined;
    if (!integration || error !== undefined) {
      await this.write({
        ...row,
        at: now,
        status: DeliveryStatuses.GAVE_UP,
        error: error!,
        nextAttemptAt: undefined,
      });
      return;
    }
    const channel = this.channelFor(integration, row.groupKey, undefined);
    const delivery: Delivery = {
      id: row.deliveryId,
      payload: row.payload,
      fingerprints: row.fingerprints,
      alertStatus: row.alertStatus,
      told: integration.told(row.payload, row.fingerprints),
      decidedAt: now,
      roundStartedAt: now,
      maxAgeMs: this.retry.maxAgeMs ?? DEFAULT_POLICY_TIMERS.groupIntervalMs,
      attempts: row.attempt,
      roundAttempts: 0,
      retryTimer: undefined,
      running: undefined,
    };
    channel.delivery = delivery;
    const wait = (row.nextAttemptAt ?? now) - now;
    if (wait <= 0) delivery.running = this.track(this.attempt(channel, delivery));
    else
      delivery.retryTimer = this.clock.setTimer(
        () => (delivery.running = this.track(this.attempt(channel, delivery))),
        wait,
        BACKGROUND,
      );
  }

  private async attempt(channel: Channel, delivery: Delivery): Promise<void> {
    delivery.retryTimer = undefined;
    // Stopped after the delivery was recorded pending: the next start resumes it.
    if (this.stopped) return;
    const { receiver, uid } = channel.integration;
    const outcome = await channel.integration.send(delivery.payload, delivery.id);
    delivery.attempts++;
    delivery.roundAttempts++;
    const now = this.clock.now();
    const attempt = delivery.attempts;
    // State first, then the row (written before the next delivery of the channel starts): whoever
    // sees the row sees the state it describes.
    if (outcome.ok) {
      this.told.set(channel.key, {
        ...delivery.told,
        at: delivery.decidedAt,
        deliveryId: delivery.id,
      });
      this.health.succeeded(receiver, uid);
      const written = this.record(channel, delivery, {
        status: DeliveryStatuses.SENT,
        attempt,
        httpStatus: outcome.httpStatus,
        error: outcome.warning ?? '',
      });
      this.settle(channel, undefined);
      return written;
    }
    const delay = backoffDelayMs(delivery.roundAttempts, this.retry, this.random);
    const retry =
      outcome.retryable &&
      delivery.roundAttempts < this.retry.maxAttempts &&
      now + delay <= delivery.roundStartedAt + delivery.maxAgeMs;
    if (retry) {
      if (!this.stopped) {
        delivery.retryTimer = this.clock.setTimer(
          () => (delivery.running = this.track(this.attempt(channel, delivery))),
          delay,
          BACKGROUND,
        );
      }
      this.health.failed(receiver, uid, now, outcome.error, false);
      await this.record(channel, delivery, {
        status: DeliveryStatuses.FAILED,
        attempt,
        httpStatus: outcome.httpStatus,
        error: outcome.error,
        nextAttemptAt: now + delay,
      });
      return;
    }
    const why = outcome.retryable
      ? `gave up after ${delivery.roundAttempts} attempts in ${now - delivery.roundStartedAt} ms; the next flush of the group tries again`
      : 'not retried: the receiver refused it';
    this.health.failed(receiver, uid, now, outcome.error, true);
    const written = this.record(channel, delivery, {
      status: DeliveryStatuses.GAVE_UP,
      attempt,
      httpStatus: outcome.httpStatus,
      error: `${outcome.error} (${why})`,
    });
    this.settle(channel, { refused: !outcome.retryable });
    return written;
  }

  private settle(channel: Channel, gaveUp: { refused: boolean } | undefined): void {
    const delivery = channel.delivery!;
    channel.delivery = undefined;
    channel.gaveUp = gaveUp && {
      id: delivery.id,
      attempts: delivery.attempts,
      refused: gaveUp.refused,
    };
    // After a give-up the next flush comes at its time, not at once.
    const reflush = channel.flushWhenSent && !gaveUp;
    channel.flushWhenSent = false;
    const group = channel.group;
    if (!group) {
      if (this.channels.get(channel.key) === channel) this.channels.delete(channel.key);
      return;
    }
    if (reflush && this.state === 'running') this.flush(channel, group);
    else this.cleanUp(group);
  }

  /** Drops resolved alerts no integration still has to report; a group left empty ends. */
  private cleanUp(group: Group): void {
    for (const [fp, alert] of group.alerts) {
      const owed = group.channels.some((c) => this.told.get(c.key)?.firing.has(fp));
      if (alert.status === 'resolved' && !owed) group.alerts.delete(fp);
    }
    if (group.alerts.size > 0 || group.channels.some((c) => c.delivery)) return;
    this.groups.delete(group.id);
    for (const channel of group.channels) {
      this.clearTimer(channel.tickTimer);
      channel.tickTimer = undefined;
      channel.group = undefined;
      if (this.channels.get(channel.key) === channel) this.channels.delete(channel.key);
      if (this.told.get(channel.key)?.firing.size === 0) this.told.delete(channel.key);
    }
  }

  private async record(
    channel: Channel,
    delivery: Delivery,
    row: Pick<DeliveryRecord, 'status' | 'attempt'> &
      Partial<Pick<DeliveryRecord, 'httpStatus' | 'error' | 'nextAttemptAt'>>,
  ): Promise<void> {
    await this.write({
      at: this.clock.now(),
      deliveryId: delivery.id,
      receiver: channel.integration.receiver,
      integration: channel.integration.uid,
      groupKey: channel.groupKey,
      alertStatus: delivery.alertStatus,
      fingerprints: delivery.fingerprints,
      payload: delivery.payload,
      httpStatus: undefined,
      error: '',
      nextAttemptAt: undefined,
      ...row,
    });
  }

  private async write(row: DeliveryRecord): Promise<void> {
    try {
      await this.log.record(row);
    } catch (error) {
      this.onError(error);
    }
  }

  private clearTimer(timer: Timer | undefined): void {
    if (timer !== undefined) this.clock.clearTimer(timer);
  }
}

const channelKey = (receiver: string, uid: string, groupKey: string): string =>
  `${receiver}\u0000${uid}\u0000${groupKey}`;

/** The same for the same news to the same integration of the same group after the same last delivery. */
function deliveryId(channel: Channel, told: Told, previousId: string): string {
  const identity = [channel.key, [...told.firing].sort(), [...told.resolved].sort(), previousId];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
}
