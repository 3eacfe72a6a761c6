// Cross-checks our prices against LiteLLM's and writes docs/pricing-crosscheck.md.
// Usage (after `npx tsc -b packages/pricing`): node packages/pricing/scripts/crosscheck-litellm.mjs [litellm.json]
// Exits 1 when a disagreement is neither overridden nor allow-listed, or an allow-list entry is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrosscheck } from '../dist/crosscheck/markdown.js';
import { LITELLM_SNAPSHOT, runCrosscheck } from '../dist/crosscheck/run.js';

const output = join(import.meta.dirname, '../../../docs/pricing-crosscheck.md');
const { raw, shipped, outcome } = await runCrosscheck(process.argv[2] ?? LITELLM_SNAPSHOT);
writeFileSync(
  output,
  renderCrosscheck(raw, shipped, outcome, 'node packages/pricing/scripts/crosscheck-litellm.mjs'),
);

const count = (verdict) => outcome.rows.filter((row) => row.verdict === verdict).length;
console.log(
  `models cross-checked: ${shipped.models}; comparisons: ${shipped.comparisons.length}; ` +
    `disagreements: ${outcome.rows.length} (override ${count('override')}, allow-list ${count('allow-list')}, unresolved ${count('unresolved')}); ` +
    `stale allow-list entries: ${outcome.stale.length}`,
);
console.log(`wrote ${output}`);
for (const row of outcome.unresolved)
  console.log(`unresolved: ${row.model} ${row.kind} litellm=${row.litellm} ours=${row.shipped}`);
for (const entry of outcome.stale)
  console.log(`stale allow-list entry: ${entry.model} ${entry.kind}`);
if (outcome.unresolved.length > 0 || outcome.stale.length > 0) process.exitCode = 1;
