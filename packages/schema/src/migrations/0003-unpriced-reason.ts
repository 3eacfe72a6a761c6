/**
 * Schema version 3: `llm_spans.unpriced_reason`, why a span is `unpriced` (`no_model`,
 * `no_usage`, `unknown_model`, …; empty when priced), so a dashboard can group the calls
 * missing from the cost by what to fix. Rows stored before it read as empty; `agentmeter
 * reprice` fills it for the days it reprices.
 */
import type { SchemaOptions } from '../tables.js';
import { addedSpanColumns } from './0002-budget-id.js';
import type { Migration } from './migration.js';

export const schemaV3 = (o: SchemaOptions): string[] => addedSpanColumns(3, o);

export const unpricedReason: Migration = {
  version: 3,
  name: 'llm_spans.unpriced_reason',
  statements: schemaV3,
};
