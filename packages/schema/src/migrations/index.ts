/** The schema versions, oldest first: one file each, named by number. */
import { rollupLadder } from './0001-rollup-ladder.js';
import { budgetId } from './0002-budget-id.js';
import type { Migration } from './migration.js';

export type { Migration };
export { schemaV1 } from './0001-rollup-ladder.js';
export { schemaV2 } from './0002-budget-id.js';

export const MIGRATIONS: readonly Migration[] = [rollupLadder, budgetId];
