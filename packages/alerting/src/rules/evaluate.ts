/**
 * Evaluation: one rule at one instant → its samples, with one query whatever the number of
 * series (an anomaly's baseline rides in the same statement). A failed query is an evaluation
 * error, never a throw; no rows is `samples: []` (NoData, which the state machine handles per
 * the rule's `no_data_state`). A series without a verdict (under `min_requests`, no baseline,
 * a cache not in use) is a sample with `breached: undefined`.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Evaluation, Labels, Sample, Severity } from '../model.js';
import { Severities } from '../model.js';
import { budgetStatus, scopeLabel, type BudgetSpend } from './budget-status.js';
import { METRICS } from './metrics.js';
import {
  runMetricQuery,
  shifted,
  windowEndingAt,
  type SeriesRow,
  type TimeWindow,
} from './query.js';
import type {
  AnomalyRule,
  BudgetRule,
  Condition,
  Direction,
  Level,
  Operator,
  Rule,
  SqlRule,
  ThresholdRule,
} from './rule.js';

const DAY = 86_400_000;

/** `==` and `!=` compare floats with this relative tolerance. */
const EPSILON = 1e-9;

/** A change within ±5 % of the baseline is flat (seed 004). */
const FLAT_PERCENT = 5;

export interface RuleEvaluatorOptions {
  /** A `@clickhouse/client` client (server or embedded), or anything with its `query`. */
  client: Pick<ClickHouseClient, 'query'>;
  /** Default `agentmeter`. */
  database?: string;
}

export class RuleEvaluator {
  private readonly client: Pick<ClickHouseClient, 'query'>;
  private readonly database: string;

  constructor(o: RuleEvaluatorOptions) {
    this.client = o.client;
    this.database = o.database ?? 'agentmeter';
  }

  async evaluate(rule: Rule, nowMs: number): Promise<Evaluation> {
    try {
      const samples = await this.samples(rule, nowMs);
      return { ok: true, samples };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private samples(rule: Rule, nowMs: number): Promise<Sample[]> {
    switch (rule.kind) {
      case 'threshold':
        return this.threshold(rule, nowMs);
      case 'anomaly':
        return this.anomaly(rule, nowMs);
      case 'budget':
        return this.budget(rule, nowMs);
      case 'sql':
        return this.sql(rule, nowMs);
    }
  }

  private async threshold(rule: ThresholdRule, nowMs: number): Promise<Sample[]> {
    const window = windowEndingAt(nowMs, rule.windowMs);
    const rows = await this.measure(rule, [window], nowMs - window.start);
    return rows.flatMap((row): Sample[] => {
      if (row.value === null) return [];
      const values = { requests: row.requests };
      const verdict = row.requests >= rule.minRequests && row.inUse;
      const breached = verdict ? reached(rule.condition, row.value) : undefined;
      return [{ labels: row.labels, value: row.value, breached, ...noVerdict(verdict), values }];
    });
  }

  private async anomaly(rule: AnomalyRule, nowMs: number): Promise<Sample[]> {
    const current = windowEndingAt(nowMs, rule.windowMs);
    const baselines = baselineWindows(rule, current);
    const rows = await this.measure(rule, [current, ...baselines], nowMs - current.start);
    const metric = METRICS[rule.metric];
    const series = new Map<string, { labels: Labels; byWindow: Map<number, SeriesRow> }>();
    for (const row of rows) {
      const key = JSON.stringify(rule.groupBy.map((d) => row.labels[d]));
      let s = series.get(key);
      if (!s) series.set(key, (s = { labels: row.labels, byWindow: new Map() }));
      s.byWindow.set(row.w, row);
    }
    const samples: Sample[] = [];
    for (const { labels, byWindow } of series.values()) {
      const now = byWindow.get(0);
      // A sum absent from a window was 0 there; a ratio had no value.
      const absent = metric.perRequest ? null : 0;
      const value = now ? now.value : absent;
      if (value === null) continue;
      const requests = now?.requests ?? 0;
      const past = baselines.map((_, i) => byWindow.get(i + 1));
      const pastValues = past
        .map((r) => (r ? r.value : absent))
        .filter((v): v is number => v !== null);
      const baseline = pastValues.length > 0 ? mean(pastValues) : undefined;
      const baselineRequests = mean(past.map((r) => r?.requests ?? 0));
      const change =
        baseline === undefined || baseline === 0
          ? undefined
          : ((value - baseline) / Math.abs(baseline)) * 100;
      const verdict =
        change !== undefined &&
        requests >= rule.minRequests &&
        baselineRequests >= rule.minRequests &&
        (now ? now.inUse : metric.inUse === undefined);
      const values: Record<string, number> = { requests, baseline_requests: baselineRequests };
      if (baseline !== undefined) values.baseline = baseline;
      if (change !== undefined) values.change_percent = change;
      samples.push({
        labels: { ...labels, trend: trend(value, baseline) },
        value,
        breached: verdict ? changeReached(rule.levels, rule.direction, change) : undefined,
        ...noVerdict(verdict),
        values,
      });
    }
    return samples;
  }

  private async budget(rule: BudgetRule, nowMs: number): Promise<Sample[]> {
    const spends = await budgetStatus(this.client, [rule.budget], nowMs, this.database);
    return spends.map((s) => {
      const labels: Record<string, string> = { budget_id: s.budgetId };
      if (s.scope !== 'global' && rule.budget.match === undefined) {
        labels[scopeLabel(s.scope)] = s.scopeValue;
      }
      const values = budgetValues(s);
      if (rule.forecast) {
        const verdict = s.elapsedPercent >= rule.forecastMinElapsedPercent;
        const breached = verdict && s.forecastUsd > s.limitUsd ? rule.severity : undefined;
        return { labels, value: s.forecastUsd, breached, ...noVerdict(verdict), values };
      }
      const crossed = rule.thresholdsPercent.filter((t) => s.percent >= t).at(-1);
      if (crossed !== undefined) values.threshold_percent = crossed;
      const breached = crossed === undefined ? undefined : budgetSeverity(rule, crossed);
      return { labels, value: s.percent, breached, values };
    });
  }

  private async sql(rule: SqlRule, nowMs: number): Promise<Sample[]> {
    const params: Record<string, unknown> = {
      now: dateTime64(nowMs),
      database: this.database,
    };
    if (rule.windowMs !== undefined) params.window_start = dateTime64(nowMs - rule.windowMs);
    // A subquery under readonly = 1: the statement cannot write, and table functions that
    // reach files or the network are refused.
    const rs = await this.client.query({
      query: `SELECT * FROM (\n${rule.query}\n) SETTINGS readonly = 1`,
      query_params: params,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, unknown>>();
    if (rows.length > 0 && !('value' in rows[0]!)) {
      throw new Error(
        `the query returned no value column (columns: ${Object.keys(rows[0]!).join(', ')})`,
      );
    }
    return rows.flatMap((row): Sample[] => {
      const { value: raw, ...rest } = row;
      const value = raw === null ? NaN : Number(raw);
      if (!Number.isFinite(value)) return [];
      const labels = Object.fromEntries(
        Object.entries(rest).map(([k, v]) => [k, v === null ? '' : String(v)]),
      );
      return [{ labels, value, breached: reached(rule.condition, value) }];
    });
  }

  private measure(
    rule: ThresholdRule | AnomalyRule,
    windows: readonly TimeWindow[],
    elapsedMs: number,
  ): Promise<SeriesRow[]> {
    return runMetricQuery(this.client, this.database, {
      metric: rule.metric,
      where: rule.where,
      groupBy: rule.groupBy,
      part: rule.part,
      windows,
      elapsedMs,
    });
  }
}

/** The most severe level whose bound the value passes. */
export function reached(c: Condition, value: number): Severity | undefined {
  return c.levels.find((l) => compare(c.op, value, l.threshold))?.severity;
}

function compare(op: Operator, a: number, b: number): boolean {
  const equal = Math.abs(a - b) <= EPSILON * Math.max(1, Math.abs(a), Math.abs(b));
  switch (op) {
    case '>':
      return a > b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    case '==':
      return equal;
    case '!=':
      return !equal;
  }
}

function baselineWindows(rule: AnomalyRule, current: TimeWindow): TimeWindow[] {
  switch (rule.baseline.kind) {
    case 'same_window_yesterday':
      return [shifted(current, DAY)];
    case 'same_window_last_week':
      return [shifted(current, 7 * DAY)];
    case 'trailing_mean': {
      const n = rule.baseline.windows;
      return Array.from({ length: n }, (_, k) => shifted(current, (k + 1) * rule.windowMs));
    }
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Up, down or flat (within ±5 %) against the baseline; from 0, any rise is up. */
function trend(value: number, baseline: number | undefined): string {
  if (baseline === undefined) return 'flat';
  if (baseline === 0) return value > 0 ? 'up' : value < 0 ? 'down' : 'flat';
  const change = ((value - baseline) / Math.abs(baseline)) * 100;
  if (change > FLAT_PERCENT) return 'up';
  if (change < -FLAT_PERCENT) return 'down';
  return 'flat';
}

function changeReached(
  levels: readonly Level[],
  direction: Direction,
  change: number | undefined,
): Severity | undefined {
  if (change === undefined) return undefined;
  const size = direction === 'up' ? change : direction === 'down' ? -change : Math.abs(change);
  return levels.find((l) => size > l.threshold)?.severity;
}

function budgetSeverity(rule: BudgetRule, percent: number): Severity {
  if (percent >= rule.budget.critical * 100) return Severities.CRITICAL;
  if (percent >= rule.budget.warning * 100) return Severities.WARNING;
  return Severities.INFO;
}

function budgetValues(s: BudgetSpend): Record<string, number> {
  return {
    percent: s.percent,
    limit_usd: s.limitUsd,
    spent_usd: s.spentUsd,
    forecast_usd: s.forecastUsd,
    resets_at: s.resetsAt,
  };
}

/** `1700000000.123`: epoch seconds with milliseconds, as a DateTime64(3) parameter parses them. */
function dateTime64(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Marks a sample without a verdict (its instances keep their state); nothing when there is one. */
function noVerdict(verdict: boolean): { noVerdict?: true } {
  return verdict ? {} : { noVerdict: true };
}
