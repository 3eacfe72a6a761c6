import { ProblemsError } from '@agentmeter/conventions';

export type RoutingConfigErrorCode =
  /** The file could not be read or is not valid YAML. */
  | 'ROUTING_CONFIG_UNREADABLE'
  /** The file parsed but failed validation; `problems` lists every issue. */
  | 'ROUTING_CONFIG_INVALID';

/** A routing configuration that cannot be used; the message lists what to fix, and where. */
export class RoutingConfigError extends ProblemsError<RoutingConfigErrorCode> {
  override readonly name = 'RoutingConfigError';
}
