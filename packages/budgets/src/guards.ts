/**
 * The guards' side of the seam with a caller (the router; any service that asks a budget or a
 * quota): what a guard is asked, what it answers. The BudgetEngine and QuotaTracker implement
 * them; tests may pass small in-memory guards.
 */
import type { GuardActionValue } from '@agentmeter/conventions';
import type { BudgetStatus } from './budgets.js';

/** What a spend guard is asked before a call. */
export interface GuardContext {
  provider: string;
  model: string;
  category: string;
  project?: string;
  agent?: string;
  workflow?: string;
  user?: string;
  /** Estimated cost of the call, integer nano-USD (0 when unknown). */
  estimatedCostNanos: number;
  /** Estimated tokens of the call (input + max output). */
  estimatedTokens: number;
  now: Date;
}

export type GuardAction = GuardActionValue;

export interface GuardDecision {
  action: GuardAction;
  /** For `downgrade`: the cheaper model to use instead. */
  downgradeTo?: string;
  /** Which budget or quota decided, for the span and the error. */
  id?: string;
  reason?: string;
}

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
