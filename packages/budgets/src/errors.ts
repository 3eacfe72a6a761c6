/**
 * The errors a refused call raises. Their `code`s are what span recording classifies
 * (`describeError` in telemetry/call-span.ts: quota, budget); their messages say what to do next.
 */
import type { BudgetStatus } from './budgets.js';
import { describeScope } from './scope.js';
import { formatUsd } from './usd.js';

export class BudgetBlockError extends Error {
  override readonly name = 'BudgetBlockError';
  readonly code = 'BUDGET_BLOCKED';

  constructor(
    readonly status: BudgetStatus,
    /** The model the refused call asked for. */
    readonly model?: string,
  ) {
    const s = status;
    super(
      `budget "${s.budgetId}" (${describeScope(s.scope, s.scopeValue)}, ${s.period} in ${s.timeZone}) ` +
        `refuses ${model ? `a call to ${model}` : 'the call'}: spent ${formatUsd(s.spentNanos)} + estimated ` +
        `${formatUsd(s.estimatedNanos)} exceeds its ${formatUsd(s.limitNanos)} limit for the period since ` +
        `${s.periodStart.toISOString()}. Wait for the reset at ${s.resetsAt.toISOString()}, raise limit_usd, ` +
        'or give the budget action: downgrade with downgrade_to a cheaper model.',
    );
  }
}

export interface QuotaBlockDetail {
  readonly provider: string;
  readonly category: string;
  readonly strategy?: string;
  /** Tokens used in the quota's period, and its limit. */
  readonly used: number;
  readonly limit: number;
  readonly resetsAt?: Date;
  /** The category is in `quota_enforcement.never_fallback_categories`. */
  readonly neverFallback: boolean;
}

export class QuotaBlockError extends Error {
  override readonly name = 'QuotaBlockError';
  readonly code = 'QUOTA_BLOCKED';

  constructor(readonly detail: QuotaBlockDetail) {
    const d = detail;
    const why = d.neverFallback
      ? `category "${d.category}" is in quota_enforcement.never_fallback_categories`
      : `quota_enforcement blocks category "${d.category}"${d.strategy ? ` (${d.strategy})` : ''} on exhaustion`;
    const unblock = d.neverFallback
      ? `, or remove "${d.category}" from never_fallback_categories to let it run elsewhere`
      : ', or allow a fallback or downgrade in quota_enforcement';
    super(
      `the ${d.provider} token quota is exhausted (${d.used} of ${d.limit} tokens this period) and ${why}. ` +
        `Wait for the reset${d.resetsAt ? ` at ${d.resetsAt.toISOString()}` : ''}, raise quotas.${d.provider}.tokens${unblock}.`,
    );
  }
}
