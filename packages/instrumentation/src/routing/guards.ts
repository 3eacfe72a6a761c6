/**
 * What the router needs from the budget and quota modules, as minimal structural interfaces:
 * the BudgetEngine and QuotaTracker satisfy them without importing the router, and tests can
 * pass small in-memory guards.
 */
import type { BudgetStatus } from '../budget/budgets.js';
import type { QuotaEnforcementConfig } from '../budget/config.js';
import type { Strategy } from '../config/schema.js';
import type { GuardContext, GuardDecision } from '../types.js';

/** `complexity` is the legacy fallback for a category without a policy. */
export type RouteStrategy = Strategy | 'complexity';

/** A budget decision; a `block` carries the deciding budget's status for the BudgetBlockError. */
export interface SpendDecision extends GuardDecision {
  readonly status?: BudgetStatus;
}

export interface SpendGuard {
  check(ctx: GuardContext): SpendDecision;
  record(ctx: GuardContext, costNanos: number): void;
}

export interface QuotaStatus {
  exhausted: boolean;
  used: number;
  limit: number;
  resetsAt?: Date;
}

export interface QuotaGuard {
  /** Would `tokens` more exhaust the provider's quota of the period holding `now`? */
  check(provider: string, tokens: number, now: Date): QuotaStatus;
  record(provider: string, tokens: number, now: Date): void;
}

export type QuotaAction = 'allow' | 'block' | 'fallback' | 'downgrade';

/** The `quota_enforcement` decision for an exhausted (or not) provider quota (default: the budget module's `quotaAction`). */
export type QuotaActionFn = (
  enforcement: QuotaEnforcementConfig,
  category: string,
  strategy: RouteStrategy,
  exhausted: boolean,
) => QuotaAction;
