export * from './rule.js';
export { METRICS, METRIC_NAMES, DIMENSIONS, type Dimension, type MetricName } from './metrics.js';
export { parseDuration } from '../duration.js';
export { RULE_SCHEMAS, RuleFileSchema, SQL_PARAMETERS } from './schema.js';
export {
  loadRuleFiles,
  parseRules,
  RuleFileError,
  type DisabledRule,
  type LoadedRules,
} from './load.js';
export { budgetStatus, type BudgetSpend } from './budget-status.js';
export { RuleEvaluator, type RuleEvaluatorOptions } from './evaluate.js';
export {
  defaultRuleDocument,
  defaultRules,
  mergeRulePacks,
  SEED_NEVER_FALLBACK_CATEGORIES,
  type DefaultRuleOptions,
} from './defaults.js';
