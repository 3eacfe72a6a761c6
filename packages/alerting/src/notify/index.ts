/** The notification side of `@agentmeter/alerting`: contact points, policies, deliveries. */
export {
  DEFAULT_GROUP_BY,
  DEFAULT_POLICY_TIMERS,
  GROUP_BY_ALL,
  loadNotificationConfig,
  NotificationConfigError,
  parseNotificationConfig,
  type AlertmanagerSettings,
  type ContactPointConfig,
  type LoadOptions,
  type NotificationConfig,
  type NotificationConfigErrorCode,
  type PolicyConfig,
  type ReceiverConfig,
  type RouteConfig,
  type WebhookSettings,
} from './config.js';
export { NotificationDispatcher, type DispatcherOptions } from './dispatcher.js';
export {
  DeliveryStatuses,
  InMemoryDeliveryLog,
  type DeliveryLog,
  type DeliveryRecord,
  type DeliveryStatus,
} from './delivery-log.js';
export {
  ClickHouseDeliveryLog,
  type ClickHouseDeliveryLogOptions,
} from './clickhouse-delivery-log.js';
export type { HealthChange, IntegrationHealth } from './health.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
export { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-send.js';
export { DEFAULT_ALERTMANAGER_RESEND_MS } from './alertmanager.js';
export {
  grafanaWebhookBody,
  type GrafanaAlert,
  type GrafanaWebhookBody,
} from './grafana-payload.js';
export { DEFAULT_SIGNATURE_HEADER, hmacSignature } from './hmac.js';
export { DELIVERY_ID_HEADER } from './integration.js';
