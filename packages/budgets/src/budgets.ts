/**
 * The budget engine: before a call, is spent + estimated within every budget whose scope
 * matches? After it, record the actual cost. Synchronous and allocation-light, since it runs on
 * every call: periods are computed once per budget and period, spend is a ledger map lookup.
 *
 * Threshold events fire once per budget, scope value and period, re-armed by the reset. When a
 * budget changes mid-period (`update`), the spend follows the counter, not the budget: a new
 * limit keeps the spend and re-evaluates the thresholds against it (those no longer crossed are
 * re-armed, newly crossed ones fire); a new period, time zone or scope reads the new window's
 * spend from the ledger, neither zero nor the old window's total.
 */
import { BudgetActions, GuardActions, usdToNanos } from '@agentmeter/conventions';
import {
  BudgetsConfigSchema,
  type BudgetAction,
  type BudgetConfig,
  type BudgetConfigInput,
} from './config.js';
import { assertCostNanos, spendCounter, type SpendCounter, type SpendLedger } from './ledger.js';
import { InMemoryLedger } from './memory-ledger.js';
import { periodLabel, periodWindow, type Period, type PeriodWindow } from './period.js';
import {
  compileMatch,
  describeScope,
  matchesValue,
  scopeValue,
  type SpendAttribution,
  type Scope,
  type ValueMatcher,
} from './scope.js';
import type { GuardAction, GuardContext, GuardDecision } from './guards.js';
import { formatUsd } from './usd.js';

/** Where a budget stands for one call: what `check` decided on, and what errors carry. */
export interface BudgetStatus {
  readonly budgetId: string;
  readonly scope: Scope;
  /** The call's value of the scope ('' for global). */
  readonly scopeValue: string;
  readonly action: BudgetAction;
  readonly period: Period;
  readonly timeZone: string;
  readonly periodStart: Date;
  readonly resetsAt: Date;
  readonly spentNanos: number;
  readonly estimatedNanos: number;
  readonly limitNanos: number;
}

export interface BudgetDecision extends GuardDecision {
  /** The deciding budget, for `block`, `downgrade` and `alert`. */
  status?: BudgetStatus;
}

export interface ThresholdEvent {
  readonly budgetId: string;
  readonly scope: Scope;
  /** Whose spend crossed: the value, '' for global, the `match` patterns joined by commas for a pooled budget. */
  readonly scopeValue: string;
  /** The fraction of the limit crossed (0.75 = 75 %). */
  readonly threshold: number;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly spentNanos: number;
  readonly limitNanos: number;
  readonly action: BudgetAction;
  readonly period: Period;
  readonly timeZone: string;
  readonly periodStart: Date;
  readonly resetsAt: Date;
  /** `2024-02-29`, `2020-W53`, `2024-02`. */
  readonly periodLabel: string;
}

export interface BudgetEngineOptions {
  budgets: readonly BudgetConfigInput[];
  /** Default: an InMemoryLedger (one process). */
  ledger?: SpendLedger;
  onThreshold?: (event: ThresholdEvent) => void;
  /** Errors thrown by `onThreshold` (default: `console.warn`); a callback never fails a call. */
  onError?: (error: unknown) => void;
}

interface CounterState {
  readonly counter: SpendCounter;
  /** How many of the budget's thresholds have fired this period. */
  emitted: number;
}

interface CompiledBudget {
  readonly config: BudgetConfig;
  readonly matcher: ValueMatcher | undefined;
  readonly limitNanos: number;
  readonly thresholdNanos: readonly number[];
  readonly rank: number;
  window: PeriodWindow | undefined;
  /** Counters of the current window, per scope value ('' for global and `match` budgets). */
  counters: Map<string, CounterState>;
}

const RANK: Record<GuardAction, number> = { allow: 0, alert: 1, downgrade: 2, block: 3 };
const ACTION_RANK: Record<BudgetAction, number> = { alert_only: 1, downgrade: 2, block: 3 };
const ALLOW: BudgetDecision = Object.freeze({ action: GuardActions.ALLOW });

export class BudgetEngine {
  private budgets: CompiledBudget[] = [];
  private readonly ledger: SpendLedger;
  private readonly onThreshold: ((event: ThresholdEvent) => void) | undefined;
  private readonly onError: (error: unknown) => void;

  constructor(o: BudgetEngineOptions) {
    this.ledger = o.ledger ?? new InMemoryLedger();
    this.onThreshold = o.onThreshold;
    this.onError = o.onError ?? ((e) => console.warn('agentmeter: onThreshold failed:', e));
    this.update(o.budgets);
  }

  /**
   * Replaces the budgets. A budget keeps its id's counters and fired thresholds while its
   * scope, match, period and time zone stay; see the module comment for what a change does.
   */
  update(budgets: readonly BudgetConfigInput[]): void {
    const previous = new Map(this.budgets.map((b) => [b.config.id, b]));
    this.budgets = BudgetsConfigSchema.parse(budgets)
      .filter((c) => c.enabled)
      .map((config) => {
        const limitNanos = usdToNanos(config.limit_usd);
        const compiled: CompiledBudget = {
          config,
          matcher: config.match && compileMatch(config.match),
          limitNanos,
          thresholdNanos: config.thresholds.map((t) => Math.round(t * limitNanos)),
          rank: ACTION_RANK[config.action],
          window: undefined,
          counters: new Map(),
        };
        const old = previous.get(config.id);
        if (old && sameCounters(old, compiled)) {
          compiled.window = old.window;
          compiled.counters = old.counters;
          // New limit or thresholds: what fired and is still crossed stays fired, the rest re-arms.
          for (const state of compiled.counters.values()) {
            const spent = this.ledger.spent(state.counter);
            const crossed = compiled.thresholdNanos.filter((t) => spent >= t).length;
            state.emitted = Math.min(state.emitted, crossed);
          }
        }
        return compiled;
      });
  }

  /** The strictest answer of the budgets matching the call: block > downgrade > alert > allow. */
  check(ctx: GuardContext): BudgetDecision {
    const now = ctx.now.getTime();
    let decision = ALLOW;
    let rank = 0;
    for (const b of this.budgets) {
      const value = scopeValue(b.config.scope, ctx);
      if (value === undefined || (b.matcher && !matchesValue(b.matcher, value))) continue;
      const state = this.state(b, value, now);
      const spent = this.ledger.spent(state.counter);
      this.crossings(b, state, value, spent);
      if (b.rank <= rank) continue;
      if (spent < b.limitNanos && spent + ctx.estimatedCostNanos <= b.limitNanos) continue;
      const action = decide(b.config, ctx.model);
      if (RANK[action] <= rank) continue;
      rank = RANK[action];
      decision = this.decision(b, action, state.counter, value, spent, ctx);
    }
    return decision;
  }

  /** Records a completed call's actual cost (integer nano-USD), attributed to `ctx.now`. */
  record(ctx: GuardContext, actualCostNanos: number): void {
    assertCostNanos(actualCostNanos);
    const at = ctx.now.getTime();
    this.ledger.record({
      at,
      costNanos: actualCostNanos,
      model: ctx.model,
      project: ctx.project,
      agent: ctx.agent,
      workflow: ctx.workflow,
      user: ctx.user,
    });
    for (const b of this.budgets) {
      const value = scopeValue(b.config.scope, ctx);
      if (value === undefined || (b.matcher && !matchesValue(b.matcher, value))) continue;
      const state = this.state(b, value, at);
      this.crossings(b, state, value, this.ledger.spent(state.counter));
    }
  }

  /** Where every budget matching `call` stands at `now` (for status pages and reports). */
  statuses(call: SpendAttribution, now: Date): BudgetStatus[] {
    const out: BudgetStatus[] = [];
    for (const b of this.budgets) {
      const value = scopeValue(b.config.scope, call);
      if (value === undefined || (b.matcher && !matchesValue(b.matcher, value))) continue;
      const { counter } = this.state(b, value, now.getTime());
      out.push(status(b, counter, value, this.ledger.spent(counter), 0));
    }
    return out;
  }

  /**
   * Asks the ledger for the current counter of every budget that counts one pool (global and
   * `match` budgets), so that a fleet ledger loads them before the first call.
   */
  prime(now: Date): void {
    for (const b of this.budgets) {
      if (b.config.scope !== 'global' && !b.matcher) continue;
      this.ledger.spent(this.state(b, '', now.getTime()).counter);
    }
  }

  private state(b: CompiledBudget, value: string, now: number): CounterState {
    let w = b.window;
    if (!w || now >= w.end || now < w.start) {
      const current = periodWindow(b.config.period, b.config.time_zone, now);
      if (w && current.start < w.start) {
        // A call that started in an earlier period: count it there, fire nothing for a past period.
        const counter = spendCounter(b.config.scope, this.selector(b, value), current);
        return { counter, emitted: b.thresholdNanos.length };
      }
      // A new period: fresh counters, thresholds re-armed.
      b.window = w = current;
      b.counters = new Map();
    }
    const key = b.matcher ? '' : value;
    let state = b.counters.get(key);
    if (!state) {
      const counter = spendCounter(b.config.scope, this.selector(b, value), w);
      state = { counter, emitted: 0 };
      b.counters.set(key, state);
    }
    return state;
  }

  private selector(
    b: CompiledBudget,
    value: string,
  ): { value: string } | { match: ValueMatcher } | null {
    if (b.config.scope === 'global') return null;
    return b.matcher ? { match: b.matcher } : { value };
  }

  private crossings(b: CompiledBudget, s: CounterState, value: string, spent: number): void {
    while (s.emitted < b.thresholdNanos.length && spent >= b.thresholdNanos[s.emitted]!) {
      const threshold = b.config.thresholds[s.emitted]!;
      s.emitted++;
      if (this.onThreshold) this.emit(b, s.counter, value, spent, threshold);
    }
  }

  private emit(
    b: CompiledBudget,
    counter: SpendCounter,
    value: string,
    spent: number,
    threshold: number,
  ): void {
    const c = b.config;
    const event: ThresholdEvent = {
      budgetId: c.id,
      scope: c.scope,
      scopeValue: c.match ? c.match.join(',') : value,
      threshold,
      severity: threshold >= c.critical ? 'critical' : threshold >= c.warning ? 'warning' : 'info',
      spentNanos: spent,
      limitNanos: b.limitNanos,
      action: c.action,
      period: c.period,
      timeZone: c.time_zone,
      periodStart: new Date(counter.start),
      resetsAt: new Date(counter.end),
      periodLabel: periodLabel(c.period, c.time_zone, counter.start),
    };
    try {
      this.onThreshold?.(event);
    } catch (error) {
      this.onError(error);
    }
  }

  private decision(
    b: CompiledBudget,
    action: GuardAction,
    counter: SpendCounter,
    value: string,
    spent: number,
    ctx: GuardContext,
  ): BudgetDecision {
    const s = status(b, counter, value, spent, ctx.estimatedCostNanos);
    const over =
      `budget "${b.config.id}" (${describeScope(s.scope, value)}, ${s.period}): spent ` +
      `${formatUsd(spent)} + estimated ${formatUsd(s.estimatedNanos)} exceeds ${formatUsd(b.limitNanos)}`;
    if (action === GuardActions.DOWNGRADE) {
      return {
        action,
        id: b.config.id,
        downgradeTo: b.config.downgrade_to,
        reason: over,
        status: s,
      };
    }
    const reason =
      action === GuardActions.ALERT && b.config.action === BudgetActions.DOWNGRADE
        ? `${over}; already on its downgrade model ${ctx.model}`
        : over;
    return { action, id: b.config.id, reason, status: s };
  }
}

/** What an exceeded budget does to this call; a downgrade budget lets its cheaper model through. */
function decide(c: BudgetConfig, model: string): GuardAction {
  if (c.action === BudgetActions.BLOCK) return GuardActions.BLOCK;
  if (c.action === BudgetActions.DOWNGRADE && model !== c.downgrade_to)
    return GuardActions.DOWNGRADE;
  return GuardActions.ALERT;
}

function status(
  b: CompiledBudget,
  counter: SpendCounter,
  value: string,
  spent: number,
  estimated: number,
): BudgetStatus {
  const c = b.config;
  return {
    budgetId: c.id,
    scope: c.scope,
    scopeValue: value,
    action: c.action,
    period: c.period,
    timeZone: c.time_zone,
    periodStart: new Date(counter.start),
    resetsAt: new Date(counter.end),
    spentNanos: spent,
    estimatedNanos: estimated,
    limitNanos: b.limitNanos,
  };
}

function sameCounters(a: CompiledBudget, b: CompiledBudget): boolean {
  return (
    a.config.scope === b.config.scope &&
    a.matcher?.signature === b.matcher?.signature &&
    a.config.period === b.config.period &&
    a.config.time_zone === b.config.time_zone
  );
}
