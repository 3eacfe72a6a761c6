/**
 * The bands and expectations the seeds give, as numbers the default alert rules, the dashboards'
 * thresholds and the reports' decision triggers share.
 */

/** Seed 000 "Category Distribution": expected share of calls per category (`<` bounds as given). */
export const EXPECTED_CATEGORY_SHARE: Readonly<Record<string, number>> = {
  security_auth_change: 0.05,
  external_feature_reuse_remote: 0.02,
  schema_contract_change_destructive: 0.03,
  external_feature_reuse_internal: 0.05,
  schema_contract_change_additive: 0.1,
  core_backend_high: 0.3,
  docs: 0.2,
  tests: 0.25,
};

/**
 * Seed 000 "Escalation Rates": below 5 % the primary is oversized, 10–30 % well tuned, above
 * 50 % upgrade the primary, above 80 % switch the category to best_first.
 */
export const ESCALATION_BANDS = {
  oversized: 0.05,
  healthyFrom: 0.1,
  healthyTo: 0.3,
  upgradePrimary: 0.5,
  switchToBestFirst: 0.8,
} as const;

/** Seed 000 "Cost Distribution": best_first share of spend, acceptable below 25 %, too much above 40 %. */
export const BEST_FIRST_SPEND_BANDS = { investigate: 0.25, tooBroad: 0.4 } as const;

/** Seed 004: health score below 70 is a warning, below 50 critical. */
export const HEALTH_SCORE_BANDS = { warning: 70, critical: 50 } as const;

/** Seed 004 / the default ProviderErrorRate rule: above 2.5 % a warning, above 5 % critical. */
export const ERROR_RATE_BANDS = { warning: 0.025, critical: 0.05 } as const;

/** Seed 000 "API Authentication": more than 10 rejections an hour is an immediate alert. */
export const AUTH_FAILURES_PER_HOUR_ALERT = 10;

/** The routing strategy whose share of spend seed 000 bounds. */
export const BEST_FIRST = 'best_first';
