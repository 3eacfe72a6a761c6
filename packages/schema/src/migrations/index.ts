/** The schema versions, oldest first: one file each, named by number. */
import { rollupLadder } from './0001-rollup-ladder.js';
import { budgetId } from './0002-budget-id.js';
import { unpricedReason } from './0003-unpriced-reason.js';
import { alerting } from './0004-alerting.js';
import { userRollups } from './0005-user-rollups.js';
import { readPaths } from './0006-read-paths.js';
import { minuteTimeOrder } from './0007-minute-time-order.js';
import type { Migration } from './migration.js';

export type { Migration };
export { schemaV1 } from './0001-rollup-ladder.js';
export { schemaV2 } from './0002-budget-id.js';
export { schemaV3 } from './0003-unpriced-reason.js';
export { schemaV4, ALERTING_RETENTION_DAYS } from './0004-alerting.js';
export { schemaV5 } from './0005-user-rollups.js';
export { schemaV6, MODEL_PROJECTION } from './0006-read-paths.js';
export { schemaV7, TIME_ORDER_PROJECTION } from './0007-minute-time-order.js';

export const MIGRATIONS: readonly Migration[] = [
  rollupLadder,
  budgetId,
  unpricedReason,
  alerting,
  userRollups,
  readPaths,
  minuteTimeOrder,
];
