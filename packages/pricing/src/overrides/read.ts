/**
 * Reads and validates an overrides file (YAML, or JSON, which YAML parses too). A bad file is
 * refused with every problem listed, each with its path in the file.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { issuesToProblems } from '@agentmeter/conventions';
import { PricingError } from '../errors.js';
import { type Overrides, OverridesSchema } from './schema.js';

/** Validates an already-parsed overrides object; `label` names it in error messages. */
export function parseOverrides(input: unknown, label: string): Overrides {
  const result = OverridesSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new PricingError(
    'PRICING_OVERRIDES_INVALID',
    `${label} is invalid:`,
    issuesToProblems(result.error.issues, input),
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
