import { ProblemsError, type Problem } from '@agentmeter/conventions';

export type { Problem };

export type PricingErrorCode =
  /** The overrides file could not be read or parsed. */
  | 'PRICING_OVERRIDES_UNREADABLE'
  /** The overrides file parsed but failed validation; `problems` lists every issue. */
  | 'PRICING_OVERRIDES_INVALID'
  /** The cross-check allow-list failed validation. */
  | 'PRICING_ALLOWLIST_INVALID';

/** A configuration error that stops the catalog from loading; the message says what to fix. */
export class PricingError extends ProblemsError<PricingErrorCode> {
  override readonly name = 'PricingError';
}
