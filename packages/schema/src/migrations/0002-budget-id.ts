/**
 * Schema version 2: `llm_spans.budget_id`, the budget that decided a call (the one that blocked,
 * downgraded or alerted it), read from `agentmeter.budget.id`. The statements are derived from
 * the columns marked `since: 2`: each is added in place, after the column it follows in the
 * table. In a cluster the Distributed table gets it too: it does not follow its local table's
 * ALTERs.
 */
import { SPAN_COLUMNS } from '../columns.js';
import { Naming, Tables, type SchemaOptions } from '../tables.js';
import type { Migration } from './migration.js';

/** `ALTER TABLE … ADD COLUMN` for every `llm_spans` column that schema version `version` added. */
export function addedSpanColumns(version: number, o: SchemaOptions): string[] {
  const n = new Naming(o);
  const tables = [n.storage(Tables.SPANS), ...(o.cluster ? [n.public(Tables.SPANS)] : [])];
  const out: string[] = [];
  SPAN_COLUMNS.forEach((c, i) => {
    if (c.since !== version) return;
    const after = SPAN_COLUMNS[i - 1]!.name;
    for (const table of tables) {
      out.push(
        `ALTER TABLE ${table}${n.onCluster} ADD COLUMN IF NOT EXISTS ${c.name} ${c.ddl} AFTER ${after}`,
      );
    }
  });
  return out;
}

export const schemaV2 = (o: SchemaOptions): string[] => addedSpanColumns(2, o);

export const budgetId: Migration = {
  version: 2,
  name: 'llm_spans.budget_id',
  statements: schemaV2,
};
