export {
  PERIODS,
  isTimeZone,
  nextReset,
  periodLabel,
  periodStart,
  periodWindow,
  type Period,
  type PeriodWindow,
} from './period.js';
export {
  SCOPES,
  compileMatch,
  matchesValue,
  type Scope,
  type SpendAttribution,
  type ValueMatcher,
} from './scope.js';
export * from './config.js';
export {
  inScope,
  spendCounter,
  type SpendCounter,
  type SpendLedger,
  type SpendRecord,
} from './ledger.js';
export { InMemoryLedger, type InMemoryLedgerOptions } from './memory-ledger.js';
export { ClickHouseLedger, type ClickHouseLedgerOptions } from './clickhouse-ledger.js';
export {
  BudgetEngine,
  type BudgetDecision,
  type BudgetEngineOptions,
  type BudgetStatus,
  type ThresholdEvent,
} from './budgets.js';
export {
  QuotaTracker,
  type QuotaCheck,
  type QuotaTrackerOptions,
  type QuotaWarningEvent,
} from './quota.js';
export { quotaAction, quotaIncidentSeverity, type QuotaDecisionAction } from './quota-action.js';
export { BudgetBlockError, QuotaBlockError, type QuotaBlockDetail } from './errors.js';
export type {
  GuardAction,
  GuardContext,
  GuardDecision,
  QuotaGuard,
  QuotaStatus,
  SpendDecision,
  SpendGuard,
} from './guards.js';
export {
  ROLLUP_COLUMN,
  spendStatement,
  type SpendGroup,
  type SpendStatement,
} from './clickhouse-spend-sql.js';
