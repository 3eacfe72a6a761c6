/**
 * The alerting vocabulary shared by its parts: evaluation (rules → samples), the state machine
 * (samples → instance states), notification (instance states → deliveries). Each part depends
 * on these types only, never on another part's internals (Prometheus' rules manager and
 * Alertmanager keep the same seams).
 */

export type Labels = Readonly<Record<string, string>>;

export { AlertStates, Severities, type AlertState, type Severity } from '@agentmeter/conventions';
import type { Severity } from '@agentmeter/conventions';

/** One series of one evaluation: the group's labels and the measured value. */
export interface Sample {
  /** `group_by` columns and their values (the rule's own labels are added later). */
  readonly labels: Labels;
  readonly value: number;
  /** Set when the rule's condition holds for this series, with the severity it reached. */
  readonly breached: Severity | undefined;
  /**
   * No verdict this time (volume under `min_requests`, a feature not in use, no baseline yet, too
   * early in a budget period): the series' instances keep their state.
   */
  readonly noVerdict?: boolean;
  /** Extra values shown in notifications (`values` in Grafana's payload), e.g. the baseline. */
  readonly values?: Readonly<Record<string, number>>;
}

/** What one evaluation of one rule found. */
export type Evaluation =
  | { readonly ok: true; readonly samples: readonly Sample[] }
  | { readonly ok: false; readonly error: string };

/**
 * One alert instance as notification sees it: sent at every evaluation for every instance that
 * is firing (or recovering), and once more when it resolves, like Prometheus sends to
 * Alertmanager. Grouping, waiting, repeating and de-duplication are notification's job.
 */
export interface AlertNotice {
  readonly fingerprint: string;
  readonly status: 'firing' | 'resolved';
  /** All labels: `alertname`, the rule's labels, the series' labels, `severity`. */
  readonly labels: Labels;
  readonly annotations: Labels;
  /** Epoch ms: when the instance started firing. */
  readonly startsAt: number;
  /** Epoch ms when resolved; undefined while firing. */
  readonly endsAt: number | undefined;
  readonly value: number;
  readonly values: Readonly<Record<string, number>>;
  /** Acknowledged alerts are not repeated; they still resolve. */
  readonly acknowledged: boolean;
  /** Link back to the rule in the API. */
  readonly generatorURL: string;
}

/** Where notification hands over what it decided to send. */
export interface NotificationSink {
  /** The current notices of one evaluation round (firing ones, and those resolved since the last). */
  push(notices: readonly AlertNotice[]): void;
}
