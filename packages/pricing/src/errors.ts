/** One problem found in a configuration file: where, and what is wrong. */
export interface Problem {
  /** Location in the file, e.g. `models[2].prices.input_mtok` or `line 4, column 3`. */
  readonly path: string;
  readonly message: string;
}

export type PricingErrorCode =
  /** The overrides file could not be read or parsed. */
  | 'PRICING_OVERRIDES_UNREADABLE'
  /** The overrides file parsed but failed validation; `problems` lists every issue. */
  | 'PRICING_OVERRIDES_INVALID'
  /** The cross-check allow-list failed validation. */
  | 'PRICING_ALLOWLIST_INVALID';

/** A configuration error that stops the catalog from loading; the message says what to fix. */
export class PricingError extends Error {
  override readonly name = 'PricingError';

  constructor(
    readonly code: PricingErrorCode,
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
