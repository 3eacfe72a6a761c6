/**
 * A rule as evaluation sees it, whatever file or API it came from: durations in ms, defaults
 * applied, names resolved. `schema.ts` is the file format; `load.ts` turns one into the other.
 */
import type { BudgetConfig } from '@agentmeter/budgets';
import { Severities, type Labels, type Severity } from '../model.js';
import type { Dimension, MetricName } from './metrics.js';

export const RULE_KINDS = ['threshold', 'budget', 'anomaly', 'sql'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const OPERATORS = ['>', '<', '>=', '<=', '==', '!='] as const;
export type Operator = (typeof OPERATORS)[number];

/** What an instance does when the query returns no rows (Grafana's names). */
export const NO_DATA_STATES = ['NoData', 'Alerting', 'OK', 'KeepLast'] as const;
export type NoDataState = (typeof NO_DATA_STATES)[number];

/** What an instance does when the evaluation fails (Grafana's names). */
export const EXEC_ERR_STATES = ['Error', 'Alerting', 'OK', 'KeepLast'] as const;
export type ExecErrState = (typeof EXEC_ERR_STATES)[number];

export const BASELINES = [
  'same_window_yesterday',
  'same_window_last_week',
  'trailing_mean',
] as const;

export const DIRECTIONS = ['up', 'down', 'both'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Most severe first: the order a rule's levels are checked in. */
export const SEVERITY_ORDER: readonly Severity[] = [
  Severities.CRITICAL,
  Severities.WARNING,
  Severities.INFO,
];

/** One severity's bound; a rule's levels are ordered most severe first. */
export interface Level {
  readonly severity: Severity;
  readonly threshold: number;
}

/** `value <op> threshold`, checked for each level until one holds. */
export interface Condition {
  readonly op: Operator;
  readonly levels: readonly Level[];
}

/** Dimension = any of the values. */
export type Filter = Readonly<Partial<Record<Dimension, readonly string[]>>>;

interface RuleBase {
  /** `<group>/<alert>`: stable across restarts and reloads. */
  readonly id: string;
  readonly group: string;
  /** The file it was read from (`default rules` for the default pack). */
  readonly source: string;
  /** The `alertname` label. */
  readonly name: string;
  readonly intervalMs: number;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  /** The rule's labels; never `severity`, which each sample's `breached` carries. */
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly enabled: boolean;
  readonly noDataState: NoDataState;
  readonly execErrState: ExecErrState;
}

/** A metric over a window of the rollups, one series per `groupBy` value set. */
export interface Measurement {
  readonly metric: MetricName;
  readonly windowMs: number;
  readonly where: Filter;
  readonly groupBy: readonly Dimension[];
  /** Share metrics: what is counted, within the scope `where` selects. */
  readonly part: Filter | undefined;
  /** Series with fewer requests in the window get no verdict (0: none). */
  readonly minRequests: number;
}

export interface ThresholdRule extends RuleBase, Measurement {
  readonly kind: 'threshold';
  readonly condition: Condition;
}

export type Baseline =
  | { readonly kind: 'same_window_yesterday' | 'same_window_last_week' }
  | { readonly kind: 'trailing_mean'; readonly windows: number };

export interface AnomalyRule extends RuleBase, Measurement {
  readonly kind: 'anomaly';
  readonly baseline: Baseline;
  /** Relative change (percent of the baseline) per severity, most severe first. */
  readonly levels: readonly Level[];
  readonly direction: Direction;
}

export interface BudgetRule extends RuleBase {
  readonly kind: 'budget';
  readonly budget: BudgetConfig;
  /** Alert on the projection to the period's end instead of the spend so far. */
  readonly forecast: boolean;
  /** Percent of the limit spent; the highest crossed sets the severity by the budget's `warning` and `critical`. */
  readonly thresholdsPercent: readonly number[];
  /** No forecast verdict before this share of the period has passed. */
  readonly forecastMinElapsedPercent: number;
  /** Severity of a forecast breach. */
  readonly severity: Severity;
}

export interface SqlRule extends RuleBase {
  readonly kind: 'sql';
  /** A SELECT returning a numeric `value` column; every other column is a label. */
  readonly query: string;
  /** Binds `{window_start:DateTime64(3)}` = now − window, when set. */
  readonly windowMs: number | undefined;
  readonly condition: Condition;
}

export type Rule = ThresholdRule | AnomalyRule | BudgetRule | SqlRule;
