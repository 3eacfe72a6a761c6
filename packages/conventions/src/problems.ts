/**
 * Configuration problems as users read them: where in the file, what was expected, what was
 * found. zod's messages already say what was expected (and, for a wrong type, what it got);
 * the value found is added from the input for the issues whose message lacks it. Every config
 * reader (deployment, routing, price overrides) reports through this module.
 */
import type { z } from 'zod';

export interface Problem {
  /** Location in the file, e.g. `llm_routing_policies.docs.escalate_to.after_attempts`. */
  readonly path: string;
  readonly message: string;
}

/** `llm_routing_policies.docs.escalate_to` from its path segments; `[n]` for list indices. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

const MAX_FOUND_CHARS = 60;

/** Without `input`, problems carry zod's message only. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], input?: unknown): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, located at the key itself, so each can be found in the file.
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: 'unknown key (check its spelling and indentation)',
      }));
    }
    const path = formatPath(issue.path);
    if (issue.code === 'invalid_type') return [{ path, message: issue.message }];
    const found = valueAt(input, issue.path);
    return [
      { path, message: found === undefined ? issue.message : `${issue.message}, found ${found}` },
    ];
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): string | undefined {
  let value: unknown = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  if (value === undefined) return undefined;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_FOUND_CHARS ? `${text.slice(0, MAX_FOUND_CHARS)}…` : text;
}

/** A configuration that cannot be used; the message lists every problem with its path. */
export class ProblemsError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly problems: readonly Problem[] = [],
  ) {
    super(
      problems.length === 0
        ? message
        : `${message}\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`,
    );
  }
}
