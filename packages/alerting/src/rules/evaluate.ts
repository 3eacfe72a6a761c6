/**
 * Evaluation: a batch of rules at one instant (Prometheus evaluates a group at one timestamp) →
 * each rule's samples, with few statements: threshold and anomaly rules through `measure.ts`
 * (per window length one statement of sums and one of quantiles, whatever the number of rules
 * or series), every budget rule in one spend statement, each SQL rule its own. A failed
 * statement is an evaluation error of the rules that read it, never a throw; no rows is
 * `samples: []` (NoData, which the state machine handles per the rule's `no_data_state`). A
 * series without a verdict (under `min_requests`, no baseline, a cache not in use) is a sample
 * with `breached: undefined`.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Evaluation, Labels, Sample, Severity } from '../model.js';
import { Severities } from '../model.js';
import { budgetSpends, scopeLabel, type BudgetSpend } from './budget-status.js';
import { measureAll, type MeasureSpec, type SeriesRow } from './measure.js';
import { METRICS } from './metrics.js';
import { shifted, windowEndingAt, type TimeWindow } from './query.js';
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

type Measured = ThresholdRule | AnomalyRule;

export class RuleEvaluator {
  private readonly client: Pick<ClickHouseClient, 'query'>;
  private readonly database: string;

  constructor(o: RuleEvaluatorOptions) {
    this.client = o.client;
    this.database = o.database ?? 'agentmeter';
  }

  evaluate(rule: Rule, nowMs: number): Promise<Evaluation> {
    return this.evaluateAll([rule], nowMs).then((e) => e[0]!);
  }

  /** Each rule's evaluation, in the order of `rules`. Never throws. */
  async evaluateAll(rules: readonly Rule[], nowMs: number): Promise<Evaluation[]> {
    const out: Evaluation[] = [];
    const byKind = { measured: [] as number[], budget: [] as number[], sql: [] as number[] };
    rules.forEach((rule, i) => {
      const kind = rule.kind === 'threshold' || rule.kind === 'anomaly' ? 'measured' : rule.kind;
      byKind[kind].push(i);
    });
    const of = <R extends Rule>(indexes: readonly number[]) => indexes.map((i) => rules[i] as R);
    // Each part answers for its own rules, whatever happens to it.
    const part = async (indexes: readonly number[], run: () => Promise<Evaluation[]>) => {
      let found: Evaluation[];
      try {
        found = await run();
      } catch (error) {
        found = indexes.map(() => failed(error));
      }
      indexes.forEach((i, k) => (out[i] = found[k]!));
    };
    await Promise.all([
      part(byKind.measured, () => this.measured(of<Measured>(byKind.measured), nowMs)),
      part(byKind.budget, () => this.budgets(of<BudgetRule>(byKind.budget), nowMs)),
      part(byKind.sql, () =>
        Promise.all(of<SqlRule>(byKind.sql).map((rule) => this.sql(rule, nowMs))),
      ),
    ]);
    return out;
  }

  private async measured(rules: readonly Measured[], nowMs: number): Promise<Evaluation[]> {
    if (rules.length === 0) return [];
    const specs = rules.map((rule): MeasureSpec => {
      const current = windowEndingAt(nowMs, rule.windowMs);
      const windows =
        rule.kind === 'anomaly' ? [current, ...baselineWindows(rule, current)] : [current];
      return {
        metric: rule.metric,
        where: rule.where,
        groupBy: rule.groupBy,
        part: rule.part,
        windows,
        elapsedMs: nowMs - current.start,
      };
    });
    const found = await measureAll(this.client, this.database, specs);
    return rules.map((rule, k) => {
      const rows = found[k]!;
      if (rows instanceof Error) return failed(rows);
      return settle(() =>
        rule.kind === 'threshold'
          ? threshold(rule, rows)
          : anomaly(rule, rows, specs[k]!.windows.length - 1),
      );
    });
  }

  private async budgets(rules: readonly BudgetRule[], nowMs: number): Promise<Evaluation[]> {
    if (rules.length === 0) return [];
    let spends: BudgetSpend[][];
    try {
      spends = await budgetSpends(
        this.client,
        rules.map((rule) => rule.budget),
        nowMs,
        this.database,
      );
    } catch (error) {
      return rules.map(() => failed(error));
    }
    return rules.map((rule, k) => settle(() => budget(rule, spends[k]!)));
  }

  private async sql(rule: SqlRule, nowMs: number): Promise<Evaluation> {
    try {
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
      return settle(() => sqlSamples(rule, rows));
    } catch (error) {
      return failed(error);
    }
  }
}

function settle(samples: () => Sample[]): Evaluation {
  try {
    return { ok: true, samples: samples() };
  } catch (error) {
    return failed(error);
  }
}

function failed(error: unknown): Evaluation {
  return { ok: false, error: error instanceof Error ? error.message : String(error) };
}

function threshold(rule: ThresholdRule, rows: readonly SeriesRow[]): Sample[] {
  return rows.flatMap((row): Sample[] => {
    if (row.value === null) return [];
    const values = { requests: row.requests };
    const verdict = row.requests >= rule.minRequests && row.inUse;
    const breached = verdict ? reached(rule.condition, row.value) : undefined;
    return [{ labels: row.labels, value: row.value, breached, ...noVerdict(verdict), values }];
  });
}

/** `baselines`: how many windows after the current one (`w` 0) the rows hold. */
function anomaly(rule: AnomalyRule, rows: readonly SeriesRow[], baselines: number): Sample[] {
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
    const past = Array.from({ length: baselines }, (_, i) => byWindow.get(i + 1));
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

function budget(rule: BudgetRule, spends: readonly BudgetSpend[]): Sample[] {
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

function sqlSamples(rule: SqlRule, rows: readonly Record<string, unknown>[]): Sample[] {
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
