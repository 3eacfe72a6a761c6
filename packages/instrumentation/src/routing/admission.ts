/**
 * The checks before a provider call: the provider's token quota (QuotaGuard, with the
 * `quota_enforcement` action for an exhausted one), then the spend budgets (SpendGuard). Each
 * may keep the model, switch it (quota fallback to another provider's equivalent, downgrade to
 * the model's `downgrade_to` or the budget's named model) or refuse the call. A refusal is
 * returned, not thrown, so that the client records the incident span before throwing it.
 */
import {
  BudgetDecisions,
  GuardActions,
  QuotaActions,
  QuotaDecisions,
} from '@agentmeter/conventions';
import type { QuotaEnforcementConfig } from '@agentmeter/budgets';
import type { Decisions, Tenancy } from '../telemetry/call-span.js';
import type { GuardContext } from '@agentmeter/budgets';
import { BudgetBlockError, QuotaBlockError } from '@agentmeter/budgets';
import { RoutingError } from './errors.js';
import type { QuotaActionFn, RouteStrategy } from './guards.js';
import type { QuotaGuard, QuotaStatus, SpendDecision, SpendGuard } from '@agentmeter/budgets';
import type { ModelRoute, ModelTable } from './model-table.js';
import type { CostEstimator } from './cost-estimate.js';

/** What is fixed for every model tried within one attempt. */
export interface CallFacts {
  readonly category: string;
  readonly strategy: RouteStrategy;
  readonly tenancy: Tenancy | undefined;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export type Admission =
  | {
      readonly admitted: true;
      readonly route: ModelRoute;
      readonly decisions: Decisions;
      /** What the budgets were asked; the spend is recorded against it. */
      readonly budgetContext: GuardContext | undefined;
    }
  | {
      readonly admitted: false;
      readonly route: ModelRoute;
      readonly decisions: Decisions;
      /** RoutingError: a budget blocked without saying which (a SpendGuard without `status`). */
      readonly error: QuotaBlockError | BudgetBlockError | RoutingError;
    };

export interface AdmissionOptions {
  models: ModelTable;
  estimator: CostEstimator;
  quotas: QuotaGuard | undefined;
  quotaAction: QuotaActionFn;
  enforcement: QuotaEnforcementConfig;
  budgets: SpendGuard | undefined;
}

const NO_DECISIONS: Decisions = Object.freeze({});

export class AdmissionControl {
  readonly #o: AdmissionOptions;

  constructor(options: AdmissionOptions) {
    this.#o = options;
  }

  admit(route: ModelRoute, facts: CallFacts, now: number): Admission {
    const { quotas, budgets } = this.#o;
    if (quotas === undefined && budgets === undefined) {
      return { admitted: true, route, decisions: NO_DECISIONS, budgetContext: undefined };
    }
    const decisions: Decisions = {};
    const at = new Date(now);
    if (quotas !== undefined) {
      const quota = this.#quota(quotas, route, facts, at, decisions);
      if (quota instanceof QuotaBlockError)
        return { admitted: false, route, decisions, error: quota };
      route = quota;
    }
    if (budgets === undefined) {
      return { admitted: true, route, decisions, budgetContext: undefined };
    }
    let ctx = this.#context(route, facts, at);
    const decision = budgets.check(ctx);
    if (decision.id !== undefined) decisions.budgetId = decision.id;
    switch (decision.action) {
      case GuardActions.ALLOW:
        decisions.budget = BudgetDecisions.ALLOWED;
        break;
      case GuardActions.ALERT:
        decisions.budget = BudgetDecisions.ALERTED;
        break;
      case GuardActions.BLOCK:
        decisions.budget = BudgetDecisions.BLOCKED;
        return {
          admitted: false,
          route,
          decisions,
          error: budgetBlock(route, decision),
        };
      case GuardActions.DOWNGRADE: {
        // The budget's named model first, else the model's own `downgrade_to`; with neither
        // there is nothing cheaper to run, and an over-budget call is refused, not let through.
        const target = decision.downgradeTo ?? route.downgradeTo;
        if (target === undefined) {
          decisions.budget = BudgetDecisions.BLOCKED;
          return { admitted: false, route, decisions, error: budgetBlock(route, decision) };
        }
        const cheaper = this.#o.models.get(target);
        if (quotas !== undefined && cheaper.provider !== route.provider) {
          const status = quotas.check(cheaper.provider, facts.inputTokens + facts.outputTokens, at);
          if (status.exhausted) {
            decisions.quota = QuotaDecisions.BLOCKED;
            return {
              admitted: false,
              route: cheaper,
              decisions,
              error: this.#quotaBlock(cheaper, facts, status),
            };
          }
        }
        decisions.budget = BudgetDecisions.DOWNGRADED;
        route = cheaper;
        ctx = this.#context(route, facts, at);
        break;
      }
    }
    return { admitted: true, route, decisions, budgetContext: ctx };
  }

  /** The route to call under the provider quota, or the error that refuses the call. */
  #quota(
    quotas: QuotaGuard,
    route: ModelRoute,
    facts: CallFacts,
    at: Date,
    decisions: Decisions,
  ): ModelRoute | QuotaBlockError {
    const tokens = facts.inputTokens + facts.outputTokens;
    const status = quotas.check(route.provider, tokens, at);
    if (!status.exhausted) {
      decisions.quota = QuotaDecisions.ALLOWED;
      return route;
    }
    const action = this.#action(facts);
    if (action === QuotaActions.ALLOW) {
      decisions.quota = QuotaDecisions.ALLOWED;
      return route;
    }
    if (action === QuotaActions.FALLBACK) {
      for (const model of route.fallbacks.quota) {
        const candidate = this.#o.models.get(model);
        if (!quotas.check(candidate.provider, tokens, at).exhausted) {
          decisions.quota = QuotaDecisions.FALLBACK;
          return candidate;
        }
      }
    } else if (action === QuotaActions.DOWNGRADE && route.downgradeTo !== undefined) {
      const cheaper = this.#o.models.get(route.downgradeTo);
      // quota_enforcement allowed running the cheaper model on this provider's exhausted quota
      // (the seed's cheap_first_allow_downgrade); another provider's quota must have room.
      if (
        cheaper.provider === route.provider ||
        !quotas.check(cheaper.provider, tokens, at).exhausted
      ) {
        decisions.quota = QuotaDecisions.DOWNGRADED;
        return cheaper;
      }
    }
    decisions.quota = QuotaDecisions.BLOCKED;
    return this.#quotaBlock(route, facts, status);
  }

  #quotaBlock(route: ModelRoute, facts: CallFacts, status: QuotaStatus): QuotaBlockError {
    return new QuotaBlockError({
      provider: route.provider,
      category: facts.category,
      strategy: facts.strategy,
      used: status.used,
      limit: status.limit,
      resetsAt: status.resetsAt,
      neverFallback: this.#o.enforcement.never_fallback_categories.includes(facts.category),
    });
  }

  #action(facts: CallFacts): ReturnType<QuotaActionFn> {
    return this.#o.quotaAction(this.#o.enforcement, facts.category, facts.strategy, true);
  }

  #context(route: ModelRoute, facts: CallFacts, at: Date): GuardContext {
    const t = facts.tenancy;
    return {
      provider: route.provider,
      model: route.model,
      category: facts.category,
      project: t?.project,
      agent: t?.agent,
      workflow: t?.workflow,
      user: t?.user,
      estimatedCostNanos: this.#o.estimator.estimate(
        route.provider,
        route.model,
        facts.inputTokens,
        facts.outputTokens,
        at.getTime(),
      ),
      estimatedTokens: facts.inputTokens + facts.outputTokens,
      now: at,
    };
  }
}

/** The error refusing an over-budget call; a guard that blocks without a status fails closed. */
function budgetBlock(route: ModelRoute, decision: SpendDecision): BudgetBlockError | RoutingError {
  if (decision.status !== undefined) return new BudgetBlockError(decision.status, route.model);
  return new RoutingError(
    'ROUTING_INVALID_OPTIONS',
    `budget ${decision.id ?? '(unnamed)'} refused a call to ${route.model} (${decision.reason ?? decision.action}) without the budget's status; a SpendGuard's block and downgrade decisions must carry \`status\` (BudgetEngine's do)`,
  );
}
