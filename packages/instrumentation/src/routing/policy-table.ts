/**
 * Seed 000's model selection, compiled once from the config: category → role → the primary and
 * escalation models, each a prebuilt Selection, so choosing a model on the hot path is two Map
 * lookups and a comparison, with no allocation.
 *
 * Attempts are numbered from 1. `escalate_to.after_attempts: N` means the first N attempts use
 * the primary and attempt N + 1 onwards the escalation model: seed 000's
 * `attempt_num >= after_attempts` with its 0-based attempt index.
 */
import { PRIMARY_SUFFIX, type RoutingConfig, type Strategy } from '../config/schema.js';
import { RoutingError } from './errors.js';
import type { RouteStrategy } from './guards.js';

/** Why a call runs on the escalation model (`agentmeter.routing.escalation_reason`). */
export const ESCALATION_REASON = 'escalation_threshold_reached';

export interface Selection {
  readonly model: string;
  readonly strategy: RouteStrategy;
  readonly escalated: boolean;
  readonly escalatedFrom?: string;
  readonly escalationReason?: string;
}

interface RoleRoute {
  readonly primary: Selection;
  /** Absent: this role never escalates (best_first, or no `escalate_to.<role>`). */
  readonly escalated?: Selection;
  readonly afterAttempts: number;
}

export class PolicyTable {
  readonly #policies = new Map<string, Map<string, RoleRoute>>();
  readonly #complexity = new Map<string, Map<string, Selection>>();
  readonly #defaultComplexity: string | undefined;

  constructor(config: RoutingConfig) {
    for (const [category, policy] of Object.entries(config.llm_routing_policies)) {
      const roles = new Map<string, RoleRoute>();
      for (const [key, value] of Object.entries(policy)) {
        if (!key.endsWith(PRIMARY_SUFFIX) || typeof value !== 'string') continue;
        const role = key.slice(0, -PRIMARY_SUFFIX.length);
        roles.set(role, roleRoute(policy.strategy, value, policy.escalate_to, role));
      }
      this.#policies.set(category, roles);
    }
    for (const [level, roles] of Object.entries(config.complexity_models)) {
      const selections = new Map<string, Selection>();
      for (const [role, model] of Object.entries(roles)) {
        selections.set(role, Object.freeze({ model, strategy: 'complexity', escalated: false }));
      }
      this.#complexity.set(level, selections);
    }
    this.#defaultComplexity = config.default_complexity;
  }

  /** The model for a call; throws RoutingError when the config has no route for it. */
  select(category: string, role: string, attempt: number, complexity?: string): Selection {
    const policy = this.#policies.get(category);
    if (policy !== undefined) {
      const route = policy.get(role);
      if (route === undefined) {
        throw new RoutingError(
          'ROUTING_UNKNOWN_ROLE',
          `policy "${category}" has no model for role "${role}"; add \`${role}${PRIMARY_SUFFIX}\` to it (roles: ${[...policy.keys()].join(', ')})`,
        );
      }
      return route.escalated !== undefined && attempt > route.afterAttempts
        ? route.escalated
        : route.primary;
    }
    return this.#byComplexity(category, role, complexity ?? this.#defaultComplexity);
  }

  #byComplexity(category: string, role: string, level: string | undefined): Selection {
    if (level === undefined) {
      throw new RoutingError(
        'ROUTING_NO_ROUTE',
        `category "${category}" has no routing policy and the call names no complexity; add it to \`llm_routing_policies\` or set \`default_complexity\``,
      );
    }
    const roles = this.#complexity.get(level);
    if (roles === undefined) {
      throw new RoutingError(
        'ROUTING_NO_ROUTE',
        `category "${category}" has no routing policy and complexity "${level}" is not in \`complexity_models\` (levels: ${[...this.#complexity.keys()].join(', ') || 'none'})`,
      );
    }
    const selection = roles.get(role);
    if (selection === undefined) {
      throw new RoutingError(
        'ROUTING_UNKNOWN_ROLE',
        `\`complexity_models.${level}\` has no model for role "${role}" (roles: ${[...roles.keys()].join(', ')})`,
      );
    }
    return selection;
  }
}

function roleRoute(
  strategy: Strategy,
  primary: string,
  escalation: RoutingConfig['llm_routing_policies'][string]['escalate_to'],
  role: string,
): RoleRoute {
  const primarySelection: Selection = Object.freeze({ model: primary, strategy, escalated: false });
  const target = escalation?.[role];
  // best_first never escalates, whatever the file says (the config check refuses it too).
  if (strategy === 'best_first' || escalation === undefined || typeof target !== 'string') {
    return { primary: primarySelection, afterAttempts: Number.POSITIVE_INFINITY };
  }
  return {
    primary: primarySelection,
    escalated: Object.freeze({
      model: target,
      strategy,
      escalated: true,
      escalatedFrom: primary,
      escalationReason: ESCALATION_REASON,
    }),
    afterAttempts: escalation.after_attempts,
  };
}
