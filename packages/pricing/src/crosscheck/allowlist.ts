/**
 * The cross-check allow-list: disagreements with LiteLLM that we keep on purpose, each with
 * the reason (and evidence where known). YAML, validated like the overrides file.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { PricingError } from '../errors.js';
import { issuesToProblems } from '@agentmeter/conventions';
import { KIND_NAMES } from './litellm.js';

const AllowlistSchema = z.array(
  z
    .object({
      /** LiteLLM model key. */
      model: z.string().min(1),
      kind: z.string().refine((kind) => KIND_NAMES.has(kind), {
        message: `expected one of ${[...KIND_NAMES].join(', ')}`,
      }),
      /** Why our price stands: whose figure is wrong, or why both are right. */
      reason: z.string().min(20),
      /** Provider price page or other source. */
      evidence: z.string().optional(),
    })
    .strict(),
);

export type AllowEntry = z.infer<typeof AllowlistSchema>[number];

export function readAllowlist(path: string): AllowEntry[] {
  let input: unknown;
  try {
    input = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PricingError(
      'PRICING_ALLOWLIST_INVALID',
      `cannot read cross-check allow-list ${path}: ${(error as Error).message}`,
    );
  }
  const result = AllowlistSchema.safeParse(input ?? []);
  if (result.success) return result.data;
  throw new PricingError(
    'PRICING_ALLOWLIST_INVALID',
    `cross-check allow-list ${path} is invalid:`,
    issuesToProblems(result.error.issues),
  );
}
