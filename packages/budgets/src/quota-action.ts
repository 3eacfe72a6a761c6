/**
 * Seed 000's `quota_enforcement`, as a pure decision: what the router does when a provider's
 * token quota is (or is not) exhausted for a call of this category and strategy.
 *
 * In order: categories in `never_fallback_categories` always block (the router raises
 * QuotaBlockError and records a critical incident); best_first and progressive block when
 * their `*_block_on_exhaustion` is set; cheap_first downgrades only when
 * `cheap_first_allow_downgrade`; every other case follows `on_quota_exhaustion`: fall back to
 * another provider (`raise_incident`, recording a warning incident), block
 * (`require_override`) or downgrade (`downgrade`, never for cheap_first unless allowed).
 */
import {
  QuotaActions,
  QuotaExhaustionActions,
  type QuotaActionValue,
} from '@agentmeter/conventions';
import type { QuotaEnforcementConfig } from './config.js';

export type QuotaDecisionAction = QuotaActionValue;

export function quotaAction(
  enforcement: QuotaEnforcementConfig,
  category: string,
  strategy: string,
  exhausted: boolean,
): QuotaDecisionAction {
  if (!exhausted) return QuotaActions.ALLOW;
  if (enforcement.never_fallback_categories.includes(category)) return QuotaActions.BLOCK;
  if (strategy === 'best_first' && enforcement.best_first_block_on_exhaustion)
    return QuotaActions.BLOCK;
  if (strategy === 'progressive' && enforcement.progressive_block_on_exhaustion)
    return QuotaActions.BLOCK;
  const cheapFirst = strategy === 'cheap_first';
  if (cheapFirst && enforcement.cheap_first_allow_downgrade) return QuotaActions.DOWNGRADE;
  switch (enforcement.on_quota_exhaustion) {
    case QuotaExhaustionActions.REQUIRE_OVERRIDE:
      return QuotaActions.BLOCK;
    case QuotaExhaustionActions.DOWNGRADE:
      return cheapFirst ? QuotaActions.FALLBACK : QuotaActions.DOWNGRADE;
    case QuotaExhaustionActions.RAISE_INCIDENT:
      return QuotaActions.FALLBACK;
  }
}

/**
 * Severity of the quota incident an exhaustion raises (seed 000: critical for a category that
 * may not fall back, warning otherwise), or undefined when none is due: `raise_incident`
 * records every exhaustion, the other modes only the blocks.
 */
export function quotaIncidentSeverity(
  enforcement: QuotaEnforcementConfig,
  category: string,
  action: QuotaDecisionAction,
): 'critical' | 'warning' | undefined {
  if (action === QuotaActions.ALLOW) return undefined;
  if (enforcement.never_fallback_categories.includes(category)) return 'critical';
  if (
    action === QuotaActions.BLOCK ||
    enforcement.on_quota_exhaustion === QuotaExhaustionActions.RAISE_INCIDENT
  )
    return 'warning';
  return undefined;
}
