/** One cross-check run over the vendored LiteLLM snapshot; shared by the script and the test. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPricing } from '../load.js';
import { readAllowlist } from './allowlist.js';
import { type CrosscheckReport, crosscheck } from './litellm.js';
import { type Review, review } from './review.js';

const packageFile = (path: string): string =>
  fileURLToPath(new URL(`../../${path}`, import.meta.url));

export const LITELLM_SNAPSHOT = packageFile('crosscheck/litellm-prices.json');
export const ALLOWLIST = packageFile('crosscheck/litellm-allowlist.yaml');
/** The snapshot's sync date: prices are compared as they stood then. */
export const SNAPSHOT_AT = Date.parse('2026-07-24T00:00:00Z');

export interface CrosscheckRun {
  readonly raw: CrosscheckReport;
  readonly shipped: CrosscheckReport;
  readonly outcome: Review;
}

export async function runCrosscheck(
  snapshot = LITELLM_SNAPSHOT,
  allowlist = ALLOWLIST,
): Promise<CrosscheckRun> {
  const litellm = JSON.parse(readFileSync(snapshot, 'utf8')) as Readonly<Record<string, unknown>>;
  const raw = crosscheck(await loadPricing({ defaultOverrides: false }), litellm, SNAPSHOT_AT);
  const shipped = crosscheck(await loadPricing(), litellm, SNAPSHOT_AT);
  return { raw, shipped, outcome: review(raw, shipped, readAllowlist(allowlist)) };
}
