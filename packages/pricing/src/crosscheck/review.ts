/**
 * Resolution of cross-check disagreements. The bundled catalog is compared first (raw), then
 * the shipped one (with `overrides/default.yaml`). A disagreement is resolved when the shipped
 * price comes from an override (we corrected the catalog, with evidence in the overrides file)
 * or when it is on the allow-list (the catalog is right, or the difference is one of surface).
 */
import type { AllowEntry } from './allowlist.js';
import type { Comparison, CrosscheckReport } from './litellm.js';

export type Verdict = 'override' | 'allow-list' | 'unresolved';

export interface ReviewedRow {
  readonly model: string;
  readonly provider: string;
  readonly catalogModel: string;
  readonly kind: string;
  readonly litellm: bigint;
  /** Our rate from the bundled catalog alone. */
  readonly bundled: bigint | undefined;
  /** Our rate as shipped (with the default overrides). */
  readonly shipped: bigint | undefined;
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly evidence?: string;
}

export interface Review {
  readonly rows: readonly ReviewedRow[];
  readonly unresolved: readonly ReviewedRow[];
  /** Allow-list entries that no longer match a disagreement; they must be removed. */
  readonly stale: readonly AllowEntry[];
}

const keyOf = (entry: { readonly model: string; readonly kind: string }): string =>
  `${entry.model}\u0000${entry.kind}`;

function byKey(report: CrosscheckReport): Map<string, Comparison> {
  return new Map(report.comparisons.map((comparison) => [keyOf(comparison), comparison]));
}

export function review(
  raw: CrosscheckReport,
  shipped: CrosscheckReport,
  allowlist: readonly AllowEntry[],
): Review {
  const bundled = byKey(raw);
  const current = byKey(shipped);
  const allowed = new Map(allowlist.map((entry) => [keyOf(entry), entry]));
  const keys = new Set(
    [...raw.comparisons, ...shipped.comparisons]
      .filter((comparison) => comparison.litellm !== comparison.ours)
      .map(keyOf),
  );
  const rows: ReviewedRow[] = [];
  const usedAllowances = new Set<string>();
  for (const key of keys) {
    const before = bundled.get(key);
    const after = current.get(key);
    const base = after ?? before;
    if (!base) continue;
    const allowance = allowed.get(key);
    let verdict: Verdict = 'unresolved';
    if (after?.priceSource === 'override') verdict = 'override';
    else if (allowance) verdict = 'allow-list';
    if (verdict === 'allow-list') usedAllowances.add(key);
    rows.push({
      model: base.model,
      provider: base.provider,
      catalogModel: base.catalogModel,
      kind: base.kind,
      litellm: base.litellm,
      bundled: before?.ours,
      shipped: after?.ours,
      verdict,
      ...(verdict === 'allow-list' && allowance
        ? {
            reason: allowance.reason,
            ...(allowance.evidence ? { evidence: allowance.evidence } : {}),
          }
        : {}),
    });
  }
  rows.sort((a, b) =>
    a.model === b.model ? a.kind.localeCompare(b.kind) : a.model.localeCompare(b.model),
  );
  return {
    rows,
    unresolved: rows.filter((row) => row.verdict === 'unresolved'),
    stale: allowlist.filter((entry) => !usedAllowances.has(keyOf(entry))),
  };
}
