/**
 * The rule file format (DESIGN.md "Alerting contract"): Prometheus rule groups whose rules name
 * what to measure over the rollups instead of PromQL. One zod schema per rule kind; they are
 * the single source of the file's types. Checks that span fields (one of `threshold` and
 * `thresholds`, their order, which fields a kind allows) are here too; zod runs them once the
 * fields themselves are valid.
 */
import { BudgetConfigSchema } from '@agentmeter/budgets';
import { z } from 'zod';
import { Severities, type Severity } from '../model.js';
import { parseDuration } from '../duration.js';
import { DIMENSIONS, METRIC_NAMES, METRICS, type MetricName } from './metrics.js';
import {
  BASELINES,
  DIRECTIONS,
  EXEC_ERR_STATES,
  NO_DATA_STATES,
  OPERATORS,
  SEVERITY_ORDER,
  type Operator,
} from './rule.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

const duration = z
  .string({ error: 'expected a duration such as 30s, 5m, 1h30m or 1d' })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 5m, 1h30m or 1d' });
      return z.NEVER;
    }
    return ms;
  });

/** Prometheus label names. */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const labelMap = z.record(z.string(), z.string()).superRefine((map, ctx) => {
  for (const key of Object.keys(map)) {
    if (!LABEL_NAME.test(key)) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(key)} is not a label name: letters, digits and _, not starting with a digit`,
      });
    }
  }
});

const dimensionList = DIMENSIONS.join(', ');
const dimension = z.enum(DIMENSIONS as [string, ...string[]], {
  error: `expected a rollup dimension (${dimensionList})`,
});

/** `{ provider: openai }` or `{ provider: [openai, anthropic] }`, keys rollup dimensions. */
const filter = z
  .record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]), {
    error: 'expected a map of rollup dimension to a value or a list of values',
  })
  .superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      // At the map, so that what was found is the key, not its value.
      if (!(DIMENSIONS as readonly string[]).includes(key)) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(key)} is not a rollup dimension; expected one of ${dimensionList}`,
        });
      }
    }
  })
  .transform((map) =>
    Object.fromEntries(Object.entries(map).map(([k, v]) => [k, typeof v === 'string' ? [v] : v])),
  );

const SEVERITY_NAMES = [Severities.INFO, Severities.WARNING, Severities.CRITICAL] as const;

const severityMap = z
  .object({ info: z.number(), warning: z.number(), critical: z.number() })
  .partial()
  .strict()
  .refine((m) => Object.keys(m).length > 0, {
    message: 'expected at least one of info, warning, critical',
  });

const common = {
  alert: z.string().min(1),
  for: duration.default(0),
  keep_firing_for: duration.default(0),
  labels: labelMap.default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  enabled: z.boolean().default(true),
  // No calls in a window is quiet traffic, not an incident (Grafana's NoData default is its
  // users' most common complaint); a failing query, though, must show.
  no_data_state: z.enum(NO_DATA_STATES).default('OK'),
  exec_err_state: z.enum(EXEC_ERR_STATES).default('Error'),
};

const measurement = {
  metric: z.enum(METRIC_NAMES),
  window: duration,
  where: filter.default({}),
  group_by: z.array(dimension).default([]),
  part: filter.optional(),
  min_requests: z.number().int().min(0).default(0),
};

const condition = {
  op: z.enum(OPERATORS),
  threshold: z.number().optional(),
  thresholds: severityMap.optional(),
};

type Ctx = z.core.$RefinementCtx;

interface ConditionInput {
  op: Operator;
  threshold?: number | undefined;
  thresholds?: Partial<Record<Severity, number>> | undefined;
  labels: Record<string, string>;
}

function checkCondition(r: ConditionInput, ctx: Ctx): void {
  if ((r.threshold === undefined) === (r.thresholds === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['threshold'],
      message: 'expected one of threshold (one bound) or thresholds ({warning, critical})',
    });
  }
  checkSeverityLabel(r.labels, r.thresholds !== undefined, ctx);
  if (!r.thresholds) return;
  if (r.op === '==' || r.op === '!=') {
    ctx.addIssue({
      code: 'custom',
      path: ['thresholds'],
      message: `severity bands need an ordering operator; with ${r.op} use threshold`,
    });
    return;
  }
  // A more severe bound must be harder to reach: above the milder one for > and >=, below for < and <=.
  const upward = r.op === '>' || r.op === '>=';
  const given = SEVERITY_ORDER.filter((s) => r.thresholds![s] !== undefined);
  for (let i = 1; i < given.length; i++) {
    const severe = r.thresholds[given[i - 1]!]!;
    const mild = r.thresholds[given[i]!]!;
    if (upward ? severe <= mild : severe >= mild) {
      ctx.addIssue({
        code: 'custom',
        path: ['thresholds', given[i - 1]!],
        message: `with op ${r.op}, ${given[i - 1]} must be ${upward ? 'above' : 'below'} ${given[i]} (${mild})`,
      });
    }
  }
}

/** The severity label is ours: evaluation sets it from the level a sample reached. */
function checkSeverityLabel(labels: Record<string, string>, bands: boolean, ctx: Ctx): void {
  const severity = labels.severity;
  if (severity === undefined) return;
  if (bands) {
    ctx.addIssue({
      code: 'custom',
      path: ['labels', 'severity'],
      message: 'the severity comes from thresholds here; remove this label',
    });
  } else if (!(SEVERITY_NAMES as readonly string[]).includes(severity)) {
    ctx.addIssue({
      code: 'custom',
      path: ['labels', 'severity'],
      message: `expected one of ${SEVERITY_NAMES.join(', ')}, found "${severity}"`,
    });
  }
}

interface MeasurementInput {
  metric: MetricName;
  window: number;
  group_by: string[];
  part?: Record<string, string[]> | undefined;
}

function checkMeasurement(r: MeasurementInput, ctx: Ctx): void {
  if (r.window < MINUTE || r.window % MINUTE !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['window'],
      message: 'expected whole minutes, at least 1m (the finest rollup is 1m)',
    });
  }
  if (r.part && !METRICS[r.metric].share) {
    ctx.addIssue({
      code: 'custom',
      path: ['part'],
      message: 'part is for share metrics (category_request_share, category_cost_share)',
    });
  }
  const seen = new Set<string>();
  r.group_by.forEach((d, i) => {
    if (seen.has(d)) {
      ctx.addIssue({ code: 'custom', path: ['group_by', i], message: `${d} is listed twice` });
    }
    seen.add(d);
  });
}

export const ThresholdRuleSchema = z
  .object({ kind: z.literal('threshold'), ...common, ...measurement, ...condition })
  .strict()
  .superRefine((r, ctx) => {
    checkMeasurement(r, ctx);
    checkCondition(r, ctx);
  });

const BASELINE_SHIFT_MS: Record<string, number> = {
  same_window_yesterday: DAY,
  same_window_last_week: 7 * DAY,
};

export const AnomalyRuleSchema = z
  .object({
    kind: z.literal('anomaly'),
    ...common,
    ...measurement,
    baseline: z.enum(BASELINES),
    // Each window adds its rows to the statement's scans: 24 keep it well under a second.
    trailing_windows: z.number().int().min(1).max(24).optional(),
    /** Seed 004: ±25 % warning, ±50 % critical. */
    change_percent: severityMap.default({ warning: 25, critical: 50 }),
    direction: z.enum(DIRECTIONS).default('both'),
  })
  .strict()
  .superRefine((r, ctx) => {
    checkMeasurement(r, ctx);
    checkSeverityLabel(r.labels, true, ctx);
    const trailing = r.baseline === 'trailing_mean';
    if (trailing !== (r.trailing_windows !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['trailing_windows'],
        message: trailing
          ? 'baseline trailing_mean needs trailing_windows (how many windows before this one)'
          : `trailing_windows is for baseline trailing_mean (this rule's is ${r.baseline})`,
      });
    }
    const shift = BASELINE_SHIFT_MS[r.baseline];
    if (shift !== undefined && r.window > shift) {
      ctx.addIssue({
        code: 'custom',
        path: ['window'],
        message: `a window longer than the baseline's shift overlaps it (${r.baseline})`,
      });
    }
    const given = SEVERITY_ORDER.filter((s) => r.change_percent[s] !== undefined);
    for (let i = 0; i < given.length; i++) {
      const percent = r.change_percent[given[i]!]!;
      const milder = i + 1 < given.length ? r.change_percent[given[i + 1]!]! : 0;
      if (percent <= milder) {
        ctx.addIssue({
          code: 'custom',
          path: ['change_percent', given[i]!],
          message:
            milder === 0
              ? 'expected a positive percent'
              : `expected more than ${given[i + 1]} (${milder})`,
        });
      }
    }
  });

const percentList = z
  .array(z.number().positive().max(1000))
  .min(1)
  .transform((t) => [...new Set(t)].sort((a, b) => a - b));

/**
 * A budget rule embeds a budget in the format of the routing config's `budgets` (the same
 * schema). Without `thresholds_percent`, the budget's own `thresholds` are used when it sets
 * them, else 50/80/95/100 %.
 */
export const BudgetRuleSchema = z.preprocess(
  inheritBudgetThresholds,
  z
    .object({
      kind: z.literal('budget'),
      ...common,
      budget: BudgetConfigSchema,
      thresholds_percent: percentList.default([50, 80, 95, 100]),
      forecast: z.boolean().default(false),
      forecast_min_elapsed_percent: z.number().min(0).max(100).default(10),
    })
    .strict()
    .superRefine((r, ctx) => checkSeverityLabel(r.labels, !r.forecast, ctx)),
);

function inheritBudgetThresholds(input: unknown): unknown {
  if (!isObject(input) || input.thresholds_percent !== undefined || input.forecast === true) {
    return input;
  }
  const budget = input.budget;
  if (!isObject(budget) || !Array.isArray(budget.thresholds)) return input;
  const fractions = budget.thresholds;
  if (!fractions.every((t) => typeof t === 'number')) return input;
  return { ...input, thresholds_percent: fractions.map((t) => Math.round(t * 1e6) / 1e4) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parameters a SQL rule may use, with the only type each is bound as. */
export const SQL_PARAMETERS: Readonly<Record<string, string>> = {
  now: 'DateTime64(3)',
  window_start: 'DateTime64(3)',
  database: 'Identifier',
};

const PARAMETER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^}]*?)\s*\}/g;
const LEADING_NOISE = /^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/|\()*/;

export const SqlRuleSchema = z
  .object({
    kind: z.literal('sql'),
    ...common,
    query: z.string().min(1),
    window: duration.optional(),
    ...condition,
  })
  .strict()
  .superRefine((r, ctx) => {
    checkCondition(r, ctx);
    const query = r.query.replace(/;\s*$/, '');
    if (!/^(SELECT|WITH)\b/i.test(query.replace(LEADING_NOISE, '')) || query.includes(';')) {
      ctx.addIssue({
        code: 'custom',
        path: ['query'],
        message: 'expected one SELECT (or WITH … SELECT) statement',
      });
    }
    for (const [, name, type] of query.matchAll(PARAMETER)) {
      const expected = SQL_PARAMETERS[name!];
      if (expected === undefined || expected !== type) {
        ctx.addIssue({
          code: 'custom',
          path: ['query'],
          message:
            expected === undefined
              ? `unknown parameter {${name}:${type}}; the bound ones are ${describeParameters()}`
              : `parameter ${name} is bound as ${expected}, found {${name}:${type}}`,
        });
      } else if (name === 'window_start' && r.window === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['window'],
          message: 'the query uses {window_start:DateTime64(3)}: set window',
        });
      }
    }
  });

function describeParameters(): string {
  return Object.entries(SQL_PARAMETERS)
    .map(([name, type]) => `{${name}:${type}}`)
    .join(', ');
}

/** `- alert: <name>` and `enabled: false` alone: turns off the default rule of that name. */
export const DisableRuleSchema = z
  .object({ alert: z.string().min(1), enabled: z.literal(false) })
  .strict();

export const RULE_SCHEMAS = {
  threshold: ThresholdRuleSchema,
  budget: BudgetRuleSchema,
  anomaly: AnomalyRuleSchema,
  sql: SqlRuleSchema,
} as const;

export type RuleInput = {
  [K in keyof typeof RULE_SCHEMAS]: z.output<(typeof RULE_SCHEMAS)[K]>;
}[keyof typeof RULE_SCHEMAS];

/** A rule group; its rules are checked one by one, each with its kind's schema. */
export const RuleGroupSchema = z
  .object({
    name: z.string().min(1),
    interval: duration.default(60_000).refine((ms) => ms >= 1_000, {
      message: 'expected at least 1s',
    }),
    rules: z.array(z.record(z.string(), z.unknown(), { error: 'expected a rule (a map)' })),
  })
  .strict();

export type RuleGroup = z.output<typeof RuleGroupSchema>;

/** The file; its groups are checked one by one, so a problem in one hides none in another. */
export const RuleFileSchema = z
  .object({
    groups: z.array(z.record(z.string(), z.unknown(), { error: 'expected a rule group (a map)' })),
  })
  .strict();
