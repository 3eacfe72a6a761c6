/**
 * The seam between the dispatcher and the contact points' integrations (a webhook, an
 * Alertmanager): the dispatcher decides *what* is notified *when*; an integration turns a
 * notification into its payload and performs one attempt of sending it.
 */
import type { AlertNotice, Labels } from '../model.js';

/**
 * Sent with every attempt: the delivery's id, the same on retries and after a restart, so that a
 * receiver can drop an attempt it already processed (draft-ietf-httpapi-idempotency-key-header).
 */
export const DELIVERY_ID_HEADER = 'Idempotency-Key';

export const USER_AGENT = 'agentmeter';

/** The headers every notification request carries, with Basic auth when both parts are set. */
export function notificationHeaders(
  deliveryId: string,
  basic: { user: string | undefined; password: string | undefined },
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    [DELIVERY_ID_HEADER]: deliveryId,
  };
  if (basic.user !== undefined && basic.password !== undefined) {
    headers['Authorization'] =
      `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}`;
  }
  return headers;
}

/** One notification of one aggregation group to one contact point. */
export interface Notification {
  /** The contact point's name (`receiver` in Grafana's payload). */
  readonly receiver: string;
  /** Alertmanager's group key: `<route key>:<group labels>`. */
  readonly groupKey: string;
  readonly groupLabels: Labels;
  /** What is reported, firing and resolved, in Alertmanager's order. */
  readonly alerts: readonly AlertNotice[];
  /** Where agentmeter's alerting API is reached (`externalURL` in Grafana's payload). */
  readonly externalURL: string;
}

/** The result of one attempt. */
export type SendOutcome =
  | { readonly ok: true; readonly httpStatus: number; readonly warning?: string }
  | {
      readonly ok: false;
      /** 5xx, 408, 429, timeouts and network errors are worth another attempt; other 4xx are not. */
      readonly retryable: boolean;
      readonly httpStatus: number | undefined;
      readonly error: string;
    };

/** What a receiver was told by a delivery: the fingerprints it reported firing and resolved. */
export interface Told {
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
}

export interface Integration {
  /** The contact point this integration belongs to. */
  readonly receiver: string;
  /** The receiver's `uid`: identifies the integration in the delivery log. */
  readonly uid: string;
  readonly type: 'webhook' | 'prometheus-alertmanager';
  /** False with `disableResolveMessage`. */
  readonly sendResolved: boolean;
  /**
   * How an unchanged firing group is sent again: a `reminder` after the route's
   * `repeat_interval`, leaving acknowledged alerts out; or a `keep-alive` every `everyMs` with
   * every firing alert, for a peer that resolves what it stops hearing about.
   */
  readonly repeat:
    { readonly kind: 'reminder' } | { readonly kind: 'keep-alive'; readonly everyMs: number };
  /** The payload of a notification, as stored in the delivery log and sent on every attempt. */
  render(notification: Notification): string;
  /** One attempt; `deliveryId` is sent along so that a receiver can drop a repeated attempt. */
  send(payload: string, deliveryId: string): Promise<SendOutcome>;
  /**
   * What a stored payload told the receiver, for a restart to know it; `fingerprints` are the
   * delivery's (every alert it accounts for, in order).
   */
  told(payload: string, fingerprints: readonly string[]): Told;
}
