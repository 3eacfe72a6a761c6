/**
 * The delivery log on the real ClickHouse engine (chdb, schema v4), and a dispatcher restarted
 * from it: a pending delivery is resumed, nothing recorded sent is sent again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openStore, type Store } from '@agentmeter/store';
import { DEFAULT_RETENTION } from '@agentmeter/schema';
import { ManualClock } from '@agentmeter/test-kit';
import { ClickHouseDeliveryLog } from '../src/notify/clickhouse-delivery-log.js';
import { parseNotificationConfig } from '../src/notify/config.js';
import type { DeliveryRecord } from '../src/notify/delivery-log.js';
import { NotificationDispatcher } from '../src/notify/dispatcher.js';
import type { GrafanaWebhookBody } from '../src/notify/grafana-payload.js';
import { firing, resolved } from './notify/notices.js';
import { RecordingReceiver } from './notify/receiver.js';
import { WatchedLog } from './notify/watched-log.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-notify-ch-'));
let store: Store;
beforeAll(async () => {
  store = openStore({ dataPath: dir });
  await migrate(store.client, { database: 'agentmeter', retention: DEFAULT_RETENTION });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ClickHouseDeliveryLog', () => {
  it('stores every field of an attempt and reads back open deliveries and what was last sent', async () => {
    // Rows within the table's 90-day TTL: around now.
    const t = Date.now();
    const log = new ClickHouseDeliveryLog({ client: store.client });
    const row = (over: Partial<DeliveryRecord>): DeliveryRecord => ({
      at: t,
      deliveryId: 'd1',
      receiver: 'log-test',
      integration: 'hook',
      groupKey: '{}:{alertname="A"}',
      status: 'pending',
      alertStatus: 'firing',
      fingerprints: ['aaaa000000000001', 'aaaa000000000002'],
      attempt: 0,
      httpStatus: undefined,
      error: '',
      nextAttemptAt: t,
      payload: '{"receiver":"log-test"}',
      ...over,
    });
    const rows = [
      row({}),
      row({
        at: t + 1,
        status: 'failed',
        attempt: 1,
        httpStatus: 503,
        error: 'HTTP 503',
        nextAttemptAt: t + 501,
      }),
      row({ deliveryId: 'd2', groupKey: '{}:{alertname="B"}', at: t + 2 }),
      row({
        deliveryId: 'd2',
        groupKey: '{}:{alertname="B"}',
        at: t + 2,
        status: 'sent',
        attempt: 1,
        httpStatus: 200,
        nextAttemptAt: undefined,
      }),
      row({
        deliveryId: 'd0',
        at: t - 10,
        status: 'sent',
        attempt: 1,
        httpStatus: 204,
        nextAttemptAt: undefined,
      }),
      row({
        deliveryId: 'd3',
        at: t + 3,
        status: 'gave_up',
        attempt: 1,
        httpStatus: 400,
        alertStatus: 'resolved',
      }),
      row({ deliveryId: 'old', at: t - 3_600_000 }),
    ];
    for (const r of rows) await log.record(r);
    const mine = (list: DeliveryRecord[]) => list.filter((r) => r.receiver === 'log-test');
    expect(mine(await log.pending(t - 60_000))).toEqual([rows[1]]);
    expect(
      mine(await log.pending(t - 7_200_000))
        .map((r) => r.deliveryId)
        .sort(),
    ).toEqual(['d1', 'old']);
    expect(mine(await log.lastSent(t - 60_000)).sort((a, b) => a.at - b.at)).toEqual([
      rows[4],
      rows[3],
    ]);
  });
});

describe('a dispatcher restarted from the ClickHouse delivery log', () => {
  it('resumes a pending delivery, sends nothing again that was sent, and knows what each receiver was told', async () => {
    const clock = new ManualClock(Date.now());
    const [costs, errors] = [
      await RecordingReceiver.start(() => clock.now()),
      await RecordingReceiver.start(() => clock.now()),
    ];
    const config = parseNotificationConfig([
      {
        file: 'notify.yaml',
        content: {
          apiVersion: 1,
          contactPoints: [
            {
              name: 'costs',
              receivers: [{ uid: 'costs-hook', type: 'webhook', settings: { url: costs.url } }],
            },
            {
              name: 'errors',
              receivers: [{ uid: 'errors-hook', type: 'webhook', settings: { url: errors.url } }],
            },
          ],
          policies: [
            {
              receiver: 'costs',
              group_wait: '30s',
              group_interval: '5m',
              routes: [
                { receiver: 'errors', object_matchers: [['alertname', '=', 'LLMErrorRate']] },
              ],
            },
          ],
        },
      },
    ]);
    const clickhouse = new ClickHouseDeliveryLog({ client: store.client });
    const dispatcher = (log: WatchedLog) =>
      new NotificationDispatcher({ config, log, clock, random: () => 0.5 });

    const T0 = clock.now();
    const cost = firing({ alertname: 'HighCost', provider: 'openai' }, T0);
    const error = firing({ alertname: 'LLMErrorRate', provider: 'openai' }, T0);

    // First run: the cost alert is delivered, the error alert's receiver answers 503 and a retry is due.
    errors.answerWith(503);
    const log1 = new WatchedLog(clickhouse);
    const first = dispatcher(log1);
    await first.start();
    first.push([cost, error]);
    clock.advance(30_000);
    await log1.until(
      (rows) => rows.some((r) => r.status === 'sent') && rows.some((r) => r.status === 'failed'),
    );
    await first.stop();
    const failed = log1.rows.find((r) => r.status === 'failed')!;
    expect(failed).toMatchObject({
      receiver: 'errors',
      attempt: 1,
      httpStatus: 503,
      nextAttemptAt: T0 + 30_500,
    });

    // Second run: the evaluator pushes the firing alerts again, as at every evaluation.
    const log2 = new WatchedLog(clickhouse);
    const second = dispatcher(log2);
    await second.start();
    second.push([cost, error]);
    expect(log2.rows).toEqual([]);
    clock.advance(500);
    await log2.count('sent', 1);
    expect(log2.rows.map((r) => [r.deliveryId, r.status, r.attempt])).toEqual([
      [failed.deliveryId, 'sent', 2],
    ]);
    expect(errors.requests.map((r) => [r.status, r.headers['idempotency-key']])).toEqual([
      [503, failed.deliveryId],
      [200, failed.deliveryId],
    ]);
    // The cost alert was sent before the restart: not again, even past repeat flushes.
    clock.advance(10 * 60_000);
    expect(costs.requests).toHaveLength(1);

    // Its resolve is news to the cost receiver, which was told it fires.
    second.push([resolved(cost, clock.now())]);
    clock.advance(5 * 60_000);
    await log2.count('sent', 2);
    expect(costs.bodies<GrafanaWebhookBody>().map((b) => b.status)).toEqual(['firing', 'resolved']);
    await second.stop();

    // Third run: an evaluator re-pushing a recently resolved instance sends no second resolve.
    const log3 = new WatchedLog(clickhouse);
    const third = dispatcher(log3);
    await third.start();
    third.push([resolved(cost, clock.now())]);
    clock.advance(60 * 60_000);
    await third.stop();
    expect(log3.rows).toEqual([]);
    expect(costs.requests).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
    await costs.close();
    await errors.close();
  });
});
