/**
 * The routing configuration (`models.yaml`): seed 000's vocabulary (`llm_routing_policies`,
 * `strategy`, `<role>_primary`, `escalate_to.after_attempts`, `quota_enforcement`,
 * `complexity_models`) plus what executing it needs (a model → provider table, fallbacks,
 * retries, cooldowns). This schema is the single source of the config types.
 */
import { z } from 'zod';
import {
  BudgetsConfigSchema,
  QuotaEnforcementConfigSchema,
  QuotasConfigSchema,
} from '@agentmeter/budgets';

const modelId = z.string().min(1);
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** Error kinds of `ProviderError` a retry may be spent on. */
export const RETRYABLE_KINDS = ['rate_limit', 'timeout', 'network', 'server'] as const;

export const STRATEGIES = ['best_first', 'progressive', 'cheap_first'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Suffix that names a role in a policy: `builder_primary` defines the role `builder`. */
export const PRIMARY_SUFFIX = '_primary';

const ModelEntrySchema = z
  .object({
    /** `gen_ai.provider.name` of the client that serves the model (a key of `providers`). */
    provider: z.string().min(1),
    /** The cheaper model a budget or quota `downgrade` switches to. */
    downgrade_to: modelId.optional(),
  })
  .strict();

const EscalationSchema = z
  .object({
    /** The first `after_attempts` attempts use the primary; later attempts use the role's model here. */
    after_attempts: nonNegativeInt,
  })
  // The other keys are role names → model; checked in `references.ts` (a typed catchall
  // would clash with `after_attempts` in the inferred type).
  .catchall(z.unknown());

const PolicySchema = z
  .object({
    strategy: z.enum(STRATEGIES),
    description: z.string().optional(),
    escalate_to: EscalationSchema.optional(),
  })
  // Roles are open-ended (`builder_primary`, `auditor_primary`, `planner_primary`, ...); the
  // other keys are checked in `references.ts`.
  .catchall(z.unknown());

const DetectionRuleSchema = z
  .object({
    category: z.string().min(1),
    /** The description contains any of these (case-insensitive substring, as seed 000)... */
    keywords: z.array(z.string().min(1)).optional(),
    /** ...and, when given, also any of these (e.g. `schema` + `drop` = destructive). */
    and_keywords: z.array(z.string().min(1)).optional(),
    /** A changed file's path contains any of these (case-insensitive substring). */
    files: z.array(z.string().min(1)).optional(),
    /** `any` (default): one changed file matching is enough; `all`: every changed file must match. */
    files_match: z.enum(['any', 'all']).default('any'),
  })
  .strict();

const RoleModelsSchema = z.record(z.string().min(1), modelId);

const FallbackMapSchema = z.record(modelId, z.array(modelId).min(1));

/** The shape of the file; `referenceProblems` adds the cross-references (see `parse.ts`). */
export const RoutingConfigSchema = z
  .object({
    models: z.record(modelId, ModelEntrySchema),
    llm_routing_policies: z.record(z.string().min(1), PolicySchema).default({}),
    /** Legacy routing for categories without a policy: complexity level → role → model. */
    complexity_models: z.record(z.string().min(1), RoleModelsSchema).default({}),
    /** The level used when a call names none. */
    default_complexity: z.string().min(1).optional(),
    category_detection: z
      .object({
        /** Ordered: the first matching rule wins, so put high-risk categories first. */
        rules: z.array(DetectionRuleSchema).default([]),
        /** Category of a call no rule matched (seed 000 uses `core_backend_high`). */
        default_category: z.string().min(1).default('uncategorized'),
      })
      .strict()
      .prefault({}),
    /** Seed 000's keys; the budget module owns their schema and their meaning (`quotaAction`). */
    quota_enforcement: QuotaEnforcementConfigSchema.prefault({}),
    /** LiteLLM-style fallbacks: model → models to try instead, in order. */
    fallbacks: z
      .object({
        /** After retries are exhausted, or while the model's provider cools down. */
        default: FallbackMapSchema.default({}),
        /** On a context-window error (LiteLLM `context_window_fallbacks`). */
        context_window: FallbackMapSchema.default({}),
        /** On a content-policy refusal (LiteLLM `content_policy_fallbacks`). */
        content_policy: FallbackMapSchema.default({}),
        /** The equivalent model at another provider when `quota_enforcement` allows a fallback. */
        quota: FallbackMapSchema.default({}),
        /** Fallbacks taken per call at most (LiteLLM `ROUTER_MAX_FALLBACKS`). */
        max_fallbacks: nonNegativeInt.default(5),
      })
      .strict()
      .prefault({}),
    retry: z
      .object({
        /** Retries after the first try (LiteLLM `DEFAULT_MAX_RETRIES`). */
        num_retries: nonNegativeInt.default(2),
        retry_on: z.array(z.enum(RETRYABLE_KINDS)).default([...RETRYABLE_KINDS]),
        /** Exponential backoff when the provider sent no Retry-After: initial × 2^retry, capped. */
        initial_backoff_ms: nonNegativeInt.default(500),
        max_backoff_ms: nonNegativeInt.default(8_000),
        /** A Retry-After longer than this is cut to this. */
        max_retry_after_ms: nonNegativeInt.default(30_000),
      })
      .strict()
      .prefault({}),
    cooldown: z
      .object({
        /** Failures of a provider tolerated per window; one more cools it down (LiteLLM default 3). */
        allowed_fails: nonNegativeInt.default(3),
        window_seconds: positiveInt.default(60),
        /** LiteLLM `DEFAULT_COOLDOWN_TIME_SECONDS`. */
        cooldown_seconds: z.number().positive().default(5),
      })
      .strict()
      .prefault({}),
    cost_estimate: z
      .object({
        /** Output tokens assumed by the pre-call quota/budget estimate when a call sets no maxTokens. */
        default_output_tokens: nonNegativeInt.default(1_024),
      })
      .strict()
      .prefault({}),
    /** Budgets enforced by the client when no `budgets` guard is passed (see budget/config.ts). */
    budgets: BudgetsConfigSchema.optional(),
    /** Provider token quotas enforced when no `quotas` guard is passed. */
    quotas: QuotasConfigSchema.optional(),
  })
  .strict();

export type RoutingConfig = z.output<typeof RoutingConfigSchema>;
export type RoutingConfigInput = z.input<typeof RoutingConfigSchema>;
export type RoutingPolicy = z.output<typeof PolicySchema>;
export type DetectionRule = z.output<typeof DetectionRuleSchema>;
