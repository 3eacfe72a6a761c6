/**
 * Reads and validates an overrides file (YAML, or JSON, which YAML parses too). A bad file is
 * refused with every problem listed, each with its path in the file.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { PricingError, type Problem } from '../errors.js';
import { type Overrides, OverridesSchema } from './schema.js';

/** `models[2].prices.input_mtok` from zod's `['models', 2, 'prices', 'input_mtok']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

export function issuesToProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  return issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Validates an already-parsed overrides object; `label` names it in error messages. */
export function parseOverrides(input: unknown, label: string): Overrides {
  const result = OverridesSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new PricingError(
    'PRICING_OVERRIDES_INVALID',
    `${label} is invalid:`,
    issuesToProblems(result.error.issues),
  );
}

/** Reads, parses and validates an overrides file. */
export function readOverridesFile(path: string): Overrides {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PricingError(
      'PRICING_OVERRIDES_UNREADABLE',
      `cannot read price overrides ${path}: ${(error as Error).message}`,
    );
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new PricingError(
      'PRICING_OVERRIDES_UNREADABLE',
      `price overrides ${path} is not valid YAML or JSON:`,
      document.errors.map((error) => ({
        path: error.linePos
          ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}`
          : '(file)',
        message: error.message.split('\n')[0] ?? error.message,
      })),
    );
  }
  return parseOverrides(document.toJS(), `price overrides ${path}`);
}
