/**
 * Reads and validates a routing config (`models.yaml`). All YAML and zod work happens here,
 * once, at start; the router compiles the result into lookup tables and never parses again.
 */
import { RoutingConfigError } from './errors.js';
import { issuesToProblems, readConfigDocument } from '@agentmeter/conventions';
import { referenceProblems } from './references.js';
import { type RoutingConfig, RoutingConfigSchema } from './schema.js';

/**
 * Validates an already-parsed config object (e.g. a section of a larger file). Throws
 * RoutingConfigError listing every problem: shape and cross-references together.
 */
export function parseRoutingConfig(input: unknown, label = 'routing config'): RoutingConfig {
  const result = RoutingConfigSchema.safeParse(input);
  const problems = [
    ...(result.success ? [] : issuesToProblems(result.error.issues, input)),
    ...referenceProblems(input),
  ];
  if (result.success && problems.length === 0) return result.data;
  throw new RoutingConfigError(
    'ROUTING_CONFIG_INVALID',
    `${label} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
    problems,
  );
}

/** Reads, parses and validates a YAML (or JSON) routing config file. */
export function loadRoutingConfig(path: string): RoutingConfig {
  const document = readConfigDocument(path, 'routing config');
  if ('failure' in document) {
    throw new RoutingConfigError(
      'ROUTING_CONFIG_UNREADABLE',
      document.failure.message,
      document.failure.problems,
    );
  }
  return parseRoutingConfig(document.value, `routing config ${path}`);
}
