/**
 * Values the alerting service writes to its tables (`alert_instances.state`, `alert_history`'s
 * states and severity, `alert_deliveries.status`; docs/alerting.md), read by the dashboards and
 * the reports: spelled once here.
 */

/** Lifecycle of one alert instance (DESIGN.md "Alerting contract"). */
export const AlertStates = {
  INACTIVE: 'inactive',
  PENDING: 'pending',
  FIRING: 'firing',
  /** The condition cleared but `keep_firing_for` has not elapsed: still notified as firing. */
  RECOVERING: 'recovering',
  RESOLVED: 'resolved',
} as const;
export type AlertState = (typeof AlertStates)[keyof typeof AlertStates];

/** Severity label values (seed 001). */
export const Severities = { INFO: 'info', WARNING: 'warning', CRITICAL: 'critical' } as const;
export type Severity = (typeof Severities)[keyof typeof Severities];

/**
 * A delivery's rows: pending (before the first attempt) → failed (another attempt due) … →
 * sent | gave_up.
 */
export const DeliveryStatuses = {
  /** Recorded before the first attempt (and when a round starts again). */
  PENDING: 'pending',
  SENT: 'sent',
  /** An attempt failed and another is due at `nextAttemptAt`. */
  FAILED: 'failed',
  /** No more attempts in this round: a permanent error, or retries exhausted. */
  GAVE_UP: 'gave_up',
} as const;
export type DeliveryStatus = (typeof DeliveryStatuses)[keyof typeof DeliveryStatuses];
