/**
 * The dispatcher on a manual clock, with real HTTP receivers on 127.0.0.1 and the in-memory
 * delivery log: timers, routing, grouping, retries, give-ups and health.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@agentmeter/test-kit';
import { parseNotificationConfig } from '../src/notify/config.js';
import { NotificationDispatcher, type DispatcherOptions } from '../src/notify/dispatcher.js';
import type { GrafanaWebhookBody } from '../src/notify/grafana-payload.js';
import type { HealthChange } from '../src/notify/health.js';
import { firing, resolved } from './notify/notices.js';
import { RecordingReceiver } from './notify/receiver.js';
import { WatchedLog } from './notify/watched-log.js';

const S = 1_000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

const receivers: RecordingReceiver[] = [];
const dispatchers: NotificationDispatcher[] = [];
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

interface Setup {
  clock: ManualClock;
  log: WatchedLog;
  dispatcher: NotificationDispatcher;
  health: HealthChange[];
}

async function receiver(clock: ManualClock): Promise<RecordingReceiver> {
  const r = await RecordingReceiver.start(() => clock.now());
  receivers.push(r);
  return r;
}

/** A dispatcher over one notification file (as parsed YAML), started. */
async function dispatcherFor(
  content: Record<string, unknown>,
  clock: ManualClock,
  options: Partial<DispatcherOptions> = {},
): Promise<Setup> {
  const config = parseNotificationConfig([
    { file: 'notify.yaml', content: { apiVersion: 1, ...content } },
  ]);
  const log = new WatchedLog();
  const health: HealthChange[] = [];
  const dispatcher = new NotificationDispatcher({
    config,
    log,
    clock,
    random: () => 0.5,
    onHealthChange: (change) => health.push(change),
    ...options,
  });
  dispatchers.push(dispatcher);
  await dispatcher.start();
  return { clock, log, dispatcher, health };
}

const webhook = (
  name: string,
  url: string,
  settings: Record<string, unknown> = {},
  extra = {},
) => ({
  name,
  receivers: [{ uid: `${name}-1`, type: 'webhook', settings: { url, ...settings }, ...extra }],
});

const bodies = (r: RecordingReceiver) => r.bodies<GrafanaWebhookBody>();
const reported = (body: GrafanaWebhookBody) =>
  body.alerts.map((a) => `${a.labels['provider']}:${a.status}`);

describe('timers', () => {
  it('notifies a new group after group_wait, a change at the next group_interval, an unchanged group after repeat_interval', async () => {
    const clock = new ManualClock();
    const hook = await receiver(clock);
    const { log, dispatcher } = await dispatcherFor(
      {
        contactPoints: [webhook('team', hook.url)],
        policies: [
          { receiver: 'team', group_wait: '30s', group_interval: '5m', repeat_interval: '1h' },
        ],
      },
      clock,
    );
    const T0 = clock.now();
    const a = firing({ alertname: 'HighCost', provider: 'openai' }, T0);
    dispatcher.push([a]);
    clock.advance(30 * S - 1);
    expect(log.rows).toHaveLength(0);
    clock.advance(1);
    expect(log.rows).toMatchObject([{ status: 'pending', at: T0 + 30 * S, attempt: 0 }]);
    await log.count('sent', 1);
    expect(hook.requests.map((r) => r.at)).toEqual([T0 + 30 * S]);
    expect(reported(bodies(hook)[0]!)).toEqual(['openai:firing']);

    // A second alert of the group waits for the next flush, group_interval after the first.
    clock.advance(30 * S);
    const b = firing({ alertname: 'HighCost', provider: 'anthropic' }, clock.now());
    dispatcher.push([a, b]);
    clock.advance(4 * MIN + 30 * S - 1);
    expect(log.rows).toHaveLength(2);
    clock.advance(1);
    await log.count('sent', 2);
    expect(hook.requests[1]!.at).toBe(T0 + 5 * MIN + 30 * S);
    expect(reported(bodies(hook)[1]!)).toEqual(['anthropic:firing', 'openai:firing']);

    // Unchanged: a reminder once repeat_interval has passed since the last notification.
    clock.advance(HOUR - 1);
    expect(log.rows).toHaveLength(4);
    clock.advance(1);
    await log.count('sent', 3);
    expect(hook.requests[2]!.at).toBe(T0 + HOUR + 5 * MIN + 30 * S);
    expect(bodies(hook)[2]!.title).toBe('[FIRING:2] HighCost ');

    // Acknowledged alerts are left out of reminders...
    dispatcher.push([{ ...a, acknowledged: true }, b]);
    clock.advance(HOUR);
    await log.count('sent', 4);
    expect(reported(bodies(hook)[3]!)).toEqual(['anthropic:firing']);
    // ...but their resolve is sent, at the next flush.
    dispatcher.push([resolved({ ...a, acknowledged: true }, clock.now())]);
    clock.advance(5 * MIN);
    await log.count('sent', 5);
    expect(hook.requests[4]!.at).toBe(T0 + 2 * HOUR + 10 * MIN + 30 * S);
    expect(reported(bodies(hook)[4]!)).toEqual(['anthropic:firing', 'openai:resolved']);
    expect(bodies(hook)[4]!.alerts[1]!.endsAt).not.toBe('0001-01-01T00:00:00Z');

    // Every notification was one delivery, sent once under its own id.
    const keys = hook.requests.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(5);
    expect(keys).toEqual(log.rows.filter((r) => r.status === 'sent').map((r) => r.deliveryId));
    await dispatcher.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('sends at once an alert older than group_wait, and with group_wait 0', async () => {
    const clock = new ManualClock();
    const hook = await receiver(clock);
    const { log, dispatcher } = await dispatcherFor(
      {
        contactPoints: [webhook('team', hook.url)],
        policies: [
          {
            receiver: 'team',
            routes: [{ object_matchers: [['now', '=', 'yes']], group_wait: '0s' }],
          },
        ],
      },
      clock,
    );
    dispatcher.push([firing({ alertname: 'Old' }, clock.now() - 31 * S)]);
    dispatcher.push([firing({ alertname: 'New', now: 'yes' }, clock.now())]);
    dispatcher.push([firing({ alertname: 'Waits' }, clock.now())]);
    expect(log.rows.map((r) => r.groupKey)).toEqual([
      '{}:{alertname="Old"}',
      '{}/{now="yes"}:{alertname="New"}',
    ]);
    await log.count('sent', 2);
  });

  it('sends no resolve with disableResolveMessage, and a resolved group ends', async () => {
    const clock = new ManualClock();
    const hook = await receiver(clock);
    const { log, dispatcher } = await dispatcherFor(
      {
        contactPoints: [webhook('team', hook.url, {}, { disableResolveMessage: true })],
        policies: [{ receiver: 'team', group_wait: '0s', group_interval: '1m' }],
      },
      clock,
    );
    const a = firing({ alertname: 'HighCost' }, clock.now());
    dispatcher.push([a]);
    await log.count('sent', 1);
    dispatcher.push([resolved(a, clock.now())]);
    clock.advance(MIN);
    expect(log.rows).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
    // The alert fires again: a new group, a new notification.
    dispatcher.push([firing({ alertname: 'HighCost' }, clock.now())]);
    await log.count('sent', 2);
    expect(hook.requests).toHaveLength(2);
  });

  it('holds a change that comes during a delivery until that delivery is sent, then sends it at once', async () => {
    const clock = new ManualClock();
    const hook = await receiver(clock);
    const { log, dispatcher } = await dispatcherFor(
      {
        contactPoints: [webhook('team', hook.url)],
        policies: [{ receiver: 'team', group_wait: '0s', group_interval: '5s' }],
      },
      clock,
    );
    const T0 = clock.now();
    hook.answerWith(503);
    const a = firing({ alertname: 'HighCost', provider: 'openai' }, T0);
    dispatcher.push([a]);
    await log.count('failed', 1);
    dispatcher.push([a, firing({ alertname: 'HighCost', provider: 'anthropic' }, T0)]);
    // The retry (at +500 ms) is under way when the flush at +5 s comes; the flush waits for it.
    clock.advance(5 * S);
    await log.count('sent', 2);
    expect(log.rows.map((r) => [r.status, r.at - T0])).toEqual([
      ['pending', 0],
      ['failed', 0],
      ['sent', 5 * S],
      ['pending', 5 * S],
      ['sent', 5 * S],
    ]);
    expect(bodies(hook).map(reported)).toEqual([
      ['openai:firing'],
      ['openai:firing'],
      ['anthropic:firing', 'openai:firing'],
    ]);
  });
});

describe('routing and grouping', () => {
  it('routes by matchers to the first matching route, and further with continue', async () => {
    const clock = new ManualClock();
    const [fallback, team, pager] = [
      await receiver(clock),
      await receiver(clock),
      await receiver(clock),
    ];
    const { log, dispatcher } = await dispatcherFor(
      {
        contactPoints: [
          webhook('default', fallback.url),
          webhook('team', team.url),
          webhook('pager', pager.url),
        ],
        policies: [
          {
            receiver: 'default',
            group_wait: '0s',
            routes: [
              { receiver: 'team', object_matchers: [['team', '=', 'llm']], continue: true },
              { receiver: 'pager', object_matchers: [['severity', '=~', 'critical|page']] },
              { receiver: 'team', object_matchers: [['severity', '=~', 'critical']] },
            ],
          },
        ],
      },
      clock,
    );
    dispatcher.push([
      firing({ alertname: 'A', team: 'llm', severity: 'critical' }, clock.now()),
      firing({ alertname: 'B', severity: 'warning' }, clock.now()),
      firing({ alertname: 'C', team: 'llm' }, clock.now()),
    ]);
    await log.count('sent', 4);
    const keys = (r: RecordingReceiver) =>
      bodies(r)
        .map((b) => `${b.receiver} ${b.groupKey}`)
        .sort();
    expect(keys(team)).toEqual([
      'team {}/{team="llm"}:{alertname="A"}',
      'team {}/{team="llm"}:{alertname="C"}',
    ]);
    expect(keys(pager)).toEqual(['pager {}/{severity=~"critical|page"}:{alertname="A"}']);
    expect(keys(fallback)).toEqual(['default {}:{alertname="B"}']);
  });

  it("groups alerts by group_by into one notification, and each alert alone with '...'", async () => {
    const clock = new ManualClock();
    const [grouped, single] = [await receiver(clock), await receiver(clock)];
    const { log, dispatcher } = await dispatcherFor(
      {
        contactPoints: [webhook('grouped', grouped.url), webhook('single', single.url)],
        policies: [
          {
            receiver: 'grouped',
            group_wait: '0s',
            routes: [
              { receiver: 'single', object_matchers: [['each', '=', 'yes']], group_by: ['...'] },
            ],
          },
        ],
      },
      clock,
    );
    const alerts = (extra: Record<string, string>) =>
      ['openai', 'anthropic'].map((provider) =>
        firing({ alertname: 'HighCost', provider, ...extra }, clock.now()),
      );
    dispatcher.push([...alerts({}), ...alerts({ each: 'yes' })]);
    await log.count('sent', 3);
    expect(bodies(grouped).map(reported)).toEqual([['anthropic:firing', 'openai:firing']]);
    expect(bodies(grouped)[0]!.groupLabels).toEqual({ alertname: 'HighCost' });
    expect(bodies(single).map(reported).sort()).toEqual([['anthropic:firing'], ['openai:firing']]);
    expect(
      bodies(single)
        .map((b) => b.groupLabels['provider'])
        .sort(),
    ).toEqual(['anthropic', 'openai']);
  });
});

describe('retries and give-ups', () => {
  it('retries a receiver failing 3 times (503) with full-jitter backoff; it gets the notification once', async () => {
    const clock = new ManualClock();
    const hook = await receiver(clock);
    const jitter = [0.25, 0.5, 0.999];
    const { log, dispatcher, health } = await dispatcherFor(
      {
        contactPoints: [webhook('team', hook.url)],
        policies: [{ receiver: 'team', group_wait: '0s' }],
      },
      clock,
      { random: () => jitter.shift()! },
    );
    hook.answerWith(503, 503, 503);
    const T0 = clock.now();
    dispatcher.push([firing({ alertname: 'HighCost' }, T0)]);
    for (let retry = 1; retry <= 3; retry++) {
      await log.count('failed', retry);
      const failed = log.rows.at(-1)!;
      const delay = failed.nextAttemptAt! - failed.at;
      // Full jitter: uniform in [0, 1 s × 2^(retry-1)).
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(1_000 * 2 ** (retry - 1));
      clock.advance(delay);
    }
    await log.count('sent', 1);
    expect(log.rows.map((r) => [r.status, r.attempt, r.httpStatus, r.at - T0])).toEqual([
      ['pending', 0, undefined, 0],
      ['failed', 1, 503, 0],
      ['failed', 2, 503, 250],
      ['failed', 3, 503, 1250],
      ['sent', 4, 200, 1250 + 3996],
    ]);
    expect(hook.requests.map((r) => [r.status, r.at - T0])).toEqual([
      [503, 0],
      [503, 250],
      [503, 1250],
      [200, 5246],
    ]);
    // One delivery: every attempt carries its id, and only one was accepted.
    expect(new Set(hook.requests.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set([log.rows[0]!.deliveryId]),
    );
    // Three failures in a row made it unhealthy; the success healed it.
    expect(health).toMatchObject([
      {
        receiver: 'team',
        integration: 'team-1',
        healthy: false,
        failures: 3,
        since: T0,
        lastError: 'HTTP 503',
      },
      { receiver: 'team', integration: 'team-1', healthy: true },
    ]);
    expect(dispatcher.unhealthy()).toEqual([]);
    // Nothing more for the unchanged group until its reminder.
    clock.advance(HOUR);
    expect(log.rows).toHaveLength(5);
  });

  it('records a permanent 400 and does not retry it, not even at the next flush; the next change goes out', async () => {
    const clock = new ManualClock();
    const hook = await receiver(clock);
    const { log, dispatcher, health } = await dispatcherFor(
      {
        contactPoints: [webhook('team', hook.url)],
        policies: [{ receiver: 'team', group_wait: '0s' }],
      },
      clock,
    );
    hook.answerWith({ status: 400, body: 'unknown field' });
    const a = firing({ alertname: 'HighCost', provider: 'openai' }, clock.now());
    dispatcher.push([a]);
    await log.count('gave_up', 1);
    expect(log.rows.at(-1)).toMatchObject({
      status: 'gave_up',
      attempt: 1,
      httpStatus: 400,
      error: 'HTTP 400: unknown field (not retried: the receiver refused it)',
      nextAttemptAt: undefined,
    });
    expect(dispatcher.unhealthy()).toMatchObject([
      { receiver: 'team', lastError: 'HTTP 400: unknown field' },
    ]);
    expect(health).toMatchObject([{ healthy: false, failures: 1 }]);
    clock.advance(5 * MIN);
    expect(log.rows).toHaveLength(2);
    dispatcher.push([a, firing({ alertname: 'HighCost', provider: 'anthropic' }, clock.now())]);
    clock.advance(5 * MIN);
    await log.count('sent', 1);
    expect(bodies(hook).map(reported)).toEqual([
      ['openai:firing'],
      ['anthropic:firing', 'openai:firing'],
    ]);
    expect(dispatcher.unhealthy()).toEqual([]);
  });

  it('gives up after maxAttempts, reports the integration unhealthy, and tries again at the next flush', async () => {
    const clock = new ManualClock();
    const hook = await receiver(clock);
    const { log, dispatcher, health } = await dispatcherFor(
      {
        contactPoints: [webhook('team', hook.url)],
        policies: [{ receiver: 'team', group_wait: '0s', group_interval: '1m' }],
      },
      clock,
      { random: () => 0, retry: { maxAttempts: 3 }, failuresBeforeUnhealthy: 5 },
    );
    hook.answerWith(500, 500, 500);
    const T0 = clock.now();
    dispatcher.push([firing({ alertname: 'HighCost' }, T0)]);
    await log.count('failed', 1);
    clock.advance(0);
    await log.count('failed', 2);
    clock.advance(0);
    await log.count('gave_up', 1);
    expect(log.rows.at(-1)!.error).toBe(
      'HTTP 500 (gave up after 3 attempts in 0 ms; the next flush of the group tries again)',
    );
    expect(dispatcher.unhealthy()).toEqual([
      { receiver: 'team', integration: 'team-1', since: T0, lastError: 'HTTP 500', failures: 3 },
    ]);
    clock.advance(MIN);
    await log.count('sent', 1);
    expect(log.statuses()).toEqual(['pending', 'failed', 'failed', 'gave_up', 'pending', 'sent']);
    expect(log.rows.map((r) => r.attempt)).toEqual([0, 1, 2, 3, 3, 4]);
    expect(new Set(log.rows.map((r) => r.deliveryId)).size).toBe(1);
    expect(health.map((h) => h.healthy)).toEqual([false, true]);
  });

  it('stops retrying a round once the next retry would start later than maxAge', async () => {
    const clock = new ManualClock();
    const hook = await receiver(clock);
    const { log, dispatcher } = await dispatcherFor(
      {
        contactPoints: [webhook('team', hook.url)],
        policies: [{ receiver: 'team', group_wait: '0s' }],
      },
      clock,
      { random: () => 0.9, retry: { maxAgeMs: 2_000 } },
    );
    hook.answerWith(503, 503, 503);
    dispatcher.push([firing({ alertname: 'HighCost' }, clock.now())]);
    await log.count('failed', 1);
    clock.advance(900);
    // The third attempt would start at 900 + 1800 ms, past 2 s.
    await log.count('gave_up', 1);
    expect(log.rows.at(-1)!.error).toBe(
      'HTTP 503 (gave up after 2 attempts in 900 ms; the next flush of the group tries again)',
    );
    await dispatcher.stop();
  });
});

describe('test notifications', () => {
  it("sends Grafana's test alert once to every integration of a contact point, outside the log", async () => {
    const clock = new ManualClock();
    const [hook, am] = [await receiver(clock), await receiver(clock)];
    const { log, dispatcher } = await dispatcherFor(
      {
        contactPoints: [
          {
            name: 'team',
            receivers: [
              { uid: 'hook', type: 'webhook', settings: { url: hook.url } },
              { uid: 'am', type: 'prometheus-alertmanager', settings: { url: am.url } },
            ],
          },
        ],
        policies: [{ receiver: 'team' }],
      },
      clock,
    );
    am.answerWith(503);
    expect(await dispatcher.testSend('team')).toEqual({
      ok: false,
      detail: `hook (webhook): sent (HTTP 200); am (prometheus-alertmanager): ${am.url}: HTTP 503`,
    });
    expect(bodies(hook)[0]).toMatchObject({
      status: 'firing',
      alerts: [
        { labels: { alertname: 'TestAlert' }, annotations: { summary: 'Notification test' } },
      ],
    });
    expect(am.requests[0]!.path).toBe('/api/v2/alerts');
    expect(await dispatcher.testSend('nobody')).toEqual({
      ok: false,
      detail: 'no contact point is named nobody',
    });
    expect(log.rows).toHaveLength(0);
    expect(dispatcher.unhealthy()).toEqual([]);
  });
});
