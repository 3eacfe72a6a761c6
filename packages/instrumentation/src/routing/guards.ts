/**
 * The router's side of the guard seam: its strategies and the quota-action hook. The guard
 * interfaces themselves (SpendGuard, QuotaGuard) live in `@agentmeter/budgets`.
 */
import type { QuotaDecisionAction, QuotaEnforcementConfig } from '@agentmeter/budgets';
import type { Strategy } from '../config/schema.js';

/** `complexity` is the legacy fallback for a category without a policy. */
export type RouteStrategy = Strategy | 'complexity';

/** What `quota_enforcement` says to do about a provider quota (the budgets module's decision). */
export type QuotaAction = QuotaDecisionAction;

/** The `quota_enforcement` decision for an exhausted (or not) provider quota (default: the budget module's `quotaAction`). */
export type QuotaActionFn = (
  enforcement: QuotaEnforcementConfig,
  category: string,
  strategy: RouteStrategy,
  exhausted: boolean,
) => QuotaAction;
