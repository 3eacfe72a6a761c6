/**
 * Configuration of budgets, provider token quotas and quota enforcement: the `budgets`,
 * `quotas` and `quota_enforcement` sections of `models.yaml` (seed 000's and seed 003's
 * vocabulary, snake_case as the file). These zod schemas are the single source of the types.
 */
import {
  BudgetActions,
  QuotaExhaustionActions,
  type BudgetActionValue,
  type QuotaExhaustionActionValue,
} from '@agentmeter/conventions';
import { z } from 'zod';
import { PERIODS, isTimeZone } from './period.js';
import { SCOPES } from './scope.js';

const timeZone = z
  .string()
  .refine(isTimeZone, { message: 'expected an IANA time zone such as UTC or Europe/Berlin' });

/** Fractions of the limit, e.g. 0.8 = 80 %. Above 1 alerts on overspend (1.5 = 150 %). */
const fraction = z.number().positive().max(10);

export const BUDGET_ACTIONS = Object.values(BudgetActions) as [
  BudgetActionValue,
  ...BudgetActionValue[],
];
export type BudgetAction = (typeof BUDGET_ACTIONS)[number];

export const BudgetConfigSchema = z
  .object({
    /** Unique; named in spans (`agentmeter.budget.id`), alerts and errors. */
    id: z.string().min(1),
    scope: z.enum(SCOPES),
    /**
     * Values of the scope this budget counts together: exact names, or prefixes ending in `*`
     * (`gpt-4*`). Without `match`, a non-global budget applies to each value on its own
     * (every user gets the limit).
     */
    match: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .transform((m) => (typeof m === 'string' ? [m] : m))
      .optional(),
    period: z.enum(PERIODS),
    limit_usd: z.number().positive(),
    /** Fractions of the limit at which a threshold event fires, once per period each. */
    thresholds: z
      .array(fraction)
      .min(1)
      .default([0.5, 0.75, 0.9, 1.0])
      .transform((t) => [...new Set(t)].sort((a, b) => a - b)),
    /** Threshold events at or above this fraction have severity `warning`... */
    warning: fraction.default(0.8),
    /** ...and at or above this one `critical`. */
    critical: fraction.default(1.0),
    action: z.enum(BUDGET_ACTIONS).default(BudgetActions.ALERT_ONLY),
    /** The cheaper model a `downgrade` budget switches to once the limit is reached. */
    downgrade_to: z.string().min(1).optional(),
    /** Periods start at local midnight in this zone (default UTC). */
    time_zone: timeZone.default('UTC'),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.action === BudgetActions.DOWNGRADE && !b.downgrade_to) {
      ctx.addIssue({
        code: 'custom',
        path: ['downgrade_to'],
        message: 'action: downgrade needs downgrade_to (the cheaper model to switch to)',
      });
    }
    if (b.action !== BudgetActions.DOWNGRADE && b.downgrade_to) {
      ctx.addIssue({
        code: 'custom',
        path: ['downgrade_to'],
        message: `downgrade_to is used only with action: downgrade (this budget's action is ${b.action})`,
      });
    }
    if (b.scope === 'global' && b.match) {
      ctx.addIssue({
        code: 'custom',
        path: ['match'],
        message:
          'a global budget counts every call; use a project, agent, model, workflow or user scope to match values',
      });
    }
    if (b.critical < b.warning) {
      ctx.addIssue({
        code: 'custom',
        path: ['critical'],
        message: `critical (${b.critical}) must be at least warning (${b.warning})`,
      });
    }
  });

export const BudgetsConfigSchema = z.array(BudgetConfigSchema).superRefine((budgets, ctx) => {
  const seen = new Set<string>();
  budgets.forEach((b, i) => {
    if (seen.has(b.id)) {
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate budget id "${b.id}"` });
    }
    seen.add(b.id);
  });
});

export type BudgetConfig = z.output<typeof BudgetConfigSchema>;
export type BudgetConfigInput = z.input<typeof BudgetConfigSchema>;

/** Seed 001's default budget: $500 a month, alerts at 80 % and 95 % and when exceeded; never blocks. */
export const DEFAULT_BUDGET: BudgetConfigInput = {
  id: 'default-monthly',
  scope: 'global',
  period: 'monthly',
  limit_usd: 500,
  thresholds: [0.8, 0.95, 1.0],
  action: BudgetActions.ALERT_ONLY,
};

export const QuotaConfigSchema = z
  .object({
    /** Tokens (input + output, GenAI semconv meaning) the provider allows per period. */
    tokens: z.number().int().positive(),
    period: z.enum(PERIODS),
    /** Fraction of the quota at which a warning fires, once per period. */
    warn_at: z.number().positive().max(1).default(0.8),
    time_zone: timeZone.default('UTC'),
  })
  .strict();

/** Per provider (`gen_ai.provider.name`): `quotas: { anthropic: { tokens: 5000000, period: weekly } }`. */
export const QuotasConfigSchema = z.record(z.string().min(1), QuotaConfigSchema);

export type QuotaConfig = z.output<typeof QuotaConfigSchema>;
export type QuotasConfig = z.output<typeof QuotasConfigSchema>;
export type QuotasConfigInput = z.input<typeof QuotasConfigSchema>;

/**
 * Seed 000's `quota_enforcement`. `on_quota_exhaustion` decides the calls the per-strategy keys
 * leave open: `raise_incident` (seed default) falls back to another provider and records an
 * incident, `require_override` blocks until someone raises the quota, `downgrade` switches to
 * the cheaper model.
 */
export const QuotaEnforcementConfigSchema = z
  .object({
    best_first_block_on_exhaustion: z.boolean().default(true),
    progressive_block_on_exhaustion: z.boolean().default(true),
    cheap_first_allow_downgrade: z.boolean().default(false),
    on_quota_exhaustion: z
      .enum(
        Object.values(QuotaExhaustionActions) as [
          QuotaExhaustionActionValue,
          ...QuotaExhaustionActionValue[],
        ],
      )
      .default(QuotaExhaustionActions.RAISE_INCIDENT),
    /** Categories that never run elsewhere: exhaustion raises QuotaBlockError. */
    never_fallback_categories: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type QuotaEnforcementConfig = z.output<typeof QuotaEnforcementConfigSchema>;
export type QuotaEnforcementConfigInput = z.input<typeof QuotaEnforcementConfigSchema>;
