/**
 * Reads and validates an overrides file (YAML, or JSON, which YAML parses too). A bad file is
 * refused with every problem listed, each with its path in the file.
 */
import { issuesToProblems, readConfigDocument } from '@agentmeter/conventions';
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
  const document = readConfigDocument(path, 'price overrides');
  if ('failure' in document) {
    throw new PricingError(
      'PRICING_OVERRIDES_UNREADABLE',
      document.failure.message,
      document.failure.problems,
    );
  }
  return parseOverrides(document.value, `price overrides ${path}`);
}
