import type { Problem } from './problems.js';

export type RoutingConfigErrorCode =
  /** The file could not be read or is not valid YAML. */
  | 'ROUTING_CONFIG_UNREADABLE'
  /** The file parsed but failed validation; `problems` lists every issue. */
  | 'ROUTING_CONFIG_INVALID';

/** A routing configuration that cannot be used; the message lists what to fix, and where. */
export class RoutingConfigError extends Error {
  override readonly name = 'RoutingConfigError';

  constructor(
    readonly code: RoutingConfigErrorCode,
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
