/**
 * Whose spend a budget counts: a scope (global, or one tenancy dimension) and, optionally,
 * `match` patterns on that dimension's value. One definition for every ledger, so the
 * in-memory and the ClickHouse ledgers attribute a call to the same budgets.
 */

export const SCOPES = ['global', 'project', 'agent', 'model', 'workflow', 'user'] as const;
export type Scope = (typeof SCOPES)[number];

/** The scopes that name a dimension of the call (all but `global`). */
export const DIMENSION_SCOPES = ['project', 'agent', 'model', 'workflow', 'user'] as const;

/** Who a call is attributed to. An empty string counts as absent, as ClickHouse stores absent as ''. */
export interface SpendAttribution {
  /** The requested model (`gen_ai.request.model`, the rollups' `request_model`). */
  model: string;
  project?: string | undefined;
  agent?: string | undefined;
  workflow?: string | undefined;
  user?: string | undefined;
}

/** The call's value for `scope`: '' for global, undefined when the call has none. */
export function scopeValue(scope: Scope, a: SpendAttribution): string | undefined {
  if (scope === 'global') return '';
  const value = a[scope];
  return value ? value : undefined;
}

/** Compiled `match` patterns: exact values, and prefixes written with a trailing `*`. */
export interface ValueMatcher {
  readonly exact: ReadonlySet<string>;
  readonly prefixes: readonly string[];
  /** Canonical text of the patterns: part of a spend counter's identity. */
  readonly signature: string;
}

export function compileMatch(patterns: readonly string[]): ValueMatcher {
  const exact = new Set<string>();
  const prefixes = new Set<string>();
  for (const p of patterns) {
    if (p.endsWith('*')) prefixes.add(p.slice(0, -1));
    else exact.add(p);
  }
  const signature = [...[...exact].sort(), ...[...prefixes].sort().map((p) => `${p}*`)].join(
    '\u0001',
  );
  return { exact, prefixes: [...prefixes], signature };
}

export function matchesValue(m: ValueMatcher, value: string): boolean {
  if (m.exact.has(value)) return true;
  for (const p of m.prefixes) if (value.startsWith(p)) return true;
  return false;
}

/** `global`, `project=acme`: a scope and the call's value, for messages. */
export function describeScope(scope: Scope, value: string): string {
  return scope === 'global' ? 'global' : `${scope}=${value}`;
}
