/** Threshold steps and notes more than one dashboard shows. */
import type { Step } from '../panels.js';
import {
  BEST_FIRST_SPEND_BANDS,
  ERROR_RATE_BANDS,
  ESCALATION_BANDS,
  HEALTH_SCORE_BANDS,
} from '@agentmeter/conventions';

export const GRAIN =
  'From the rollup that fits the range (1m up to 6 h, 1h up to 8 days, else 1d; UTC buckets).';

export const USER_GRAIN =
  'From the per-user rollups (hourly up to 8 days, else daily; UTC buckets): users are kept per project, so of the filters only the project applies.';

export const ERROR_RATE_STEPS: readonly Step[] = [
  [null, 'green'],
  [ERROR_RATE_BANDS.warning, 'orange'],
  [ERROR_RATE_BANDS.critical, 'red'],
];

/** Budget percent spent: the budget rules' default warning and critical (80 %, 100 %). */
export const BUDGET_STEPS: readonly Step[] = [
  [null, 'green'],
  [80, 'orange'],
  [100, 'red'],
];

/** Seed 000: < 5 % oversized primary, 10–30 % healthy, > 50 % upgrade it, > 80 % best_first. */
export const ESCALATION_STEPS: readonly Step[] = [
  [null, 'blue'],
  [ESCALATION_BANDS.oversized, 'yellow'],
  [ESCALATION_BANDS.healthyFrom, 'green'],
  [ESCALATION_BANDS.healthyTo, 'yellow'],
  [ESCALATION_BANDS.upgradePrimary, 'orange'],
  [ESCALATION_BANDS.switchToBestFirst, 'red'],
];

/** Seed 000: best_first below 25 % of spend acceptable, 25–40 % investigate, above 40 % too broad. */
export const BEST_FIRST_STEPS: readonly Step[] = [
  [null, 'green'],
  [BEST_FIRST_SPEND_BANDS.investigate, 'orange'],
  [BEST_FIRST_SPEND_BANDS.tooBroad, 'red'],
];

/** Seed 004: below 50 critical, below 70 warning. */
export const HEALTH_STEPS: readonly Step[] = [
  [null, 'red'],
  [HEALTH_SCORE_BANDS.critical, 'orange'],
  [HEALTH_SCORE_BANDS.warning, 'green'],
];
