export type RoutingErrorCode =
  /** The category has no policy and no complexity level applies. */
  | 'ROUTING_NO_ROUTE'
  /** The policy (or complexity level) has no model for the role asked. */
  | 'ROUTING_UNKNOWN_ROLE'
  /** The config names a provider no client was given for. */
  | 'ROUTING_UNKNOWN_PROVIDER'
  /** Every candidate model's provider is cooling down after repeated failures. */
  | 'ROUTING_NO_AVAILABLE_PROVIDER'
  /** The RoutingClient options or the call's arguments are inconsistent. */
  | 'ROUTING_INVALID_OPTIONS';

/** A call the router cannot route; the message says what to change. */
export class RoutingError extends Error {
  override readonly name = 'RoutingError';

  constructor(
    readonly code: RoutingErrorCode,
    message: string,
  ) {
    super(message);
  }
}
