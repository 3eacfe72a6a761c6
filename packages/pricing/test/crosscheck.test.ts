/**
 * The LiteLLM cross-check: every disagreement must be fixed by overrides/default.yaml or kept
 * on purpose in crosscheck/litellm-allowlist.yaml with a reason, and the committed report must
 * be current.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAllowlist } from '../src/crosscheck/allowlist.js';
import { renderCrosscheck } from '../src/crosscheck/markdown.js';
import { review } from '../src/crosscheck/review.js';
import { ALLOWLIST, type CrosscheckRun, runCrosscheck } from '../src/crosscheck/run.js';

const REPORT = fileURLToPath(new URL('../../../docs/pricing-crosscheck.md', import.meta.url));
const COMMAND = 'node packages/pricing/scripts/crosscheck-litellm.mjs';

let run: CrosscheckRun;
beforeAll(async () => {
  run = await runCrosscheck();
});

describe('LiteLLM cross-check', () => {
  it('compares the models both catalogs know', () => {
    expect(run.shipped.models).toBeGreaterThan(150);
    expect(run.shipped.comparisons.length).toBeGreaterThan(500);
  });

  it('leaves no disagreement unresolved and no allow-list entry stale', () => {
    expect(run.outcome.unresolved.map((row) => `${row.model} ${row.kind}`)).toEqual([]);
    expect(run.outcome.stale.map((entry) => `${entry.model} ${entry.kind}`)).toEqual([]);
  });

  it('fails when an allow-list entry is missing', () => {
    const [first, ...rest] = readAllowlist(ALLOWLIST);
    const outcome = review(run.raw, run.shipped, rest);
    expect(outcome.unresolved.map((row) => `${row.model} ${row.kind}`)).toEqual([
      `${first?.model} ${first?.kind}`,
    ]);
  });

  it('fails when the shipped corrections are missing', () => {
    const outcome = review(run.raw, run.raw, readAllowlist(ALLOWLIST));
    expect(outcome.unresolved.length).toBeGreaterThan(0);
  });

  it('matches the committed report (regenerate with the script)', () => {
    expect(readFileSync(REPORT, 'utf8')).toBe(
      renderCrosscheck(run.raw, run.shipped, run.outcome, COMMAND),
    );
  });
});
