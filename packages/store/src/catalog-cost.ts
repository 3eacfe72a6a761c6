/**
 * The cost of a span priced from the catalog: the one rule used at ingest (for spans that arrive
 * without a cost) and by `agentmeter reprice` (for stored spans).
 */
import type { PriceCatalog } from '@agentmeter/pricing';
import { CostSource, type CostSourceValue } from '@agentmeter/conventions';

/** What prices a span: provider, models, start time and semconv token counts. */
export interface SpanUsage {
  provider: string;
  requestModel: string;
  responseModel: string;
  /** Span start, epoch milliseconds: selects the price in force then. */
  timestampMs: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  reasoningTokens: number;
}

/** Integer nano-USD per cost column, and the source and version to stamp. */
export interface SpanCost {
  total: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  source: CostSourceValue;
  priceVersion: string;
}

export function catalogCost(
  catalog: Pick<PriceCatalog, 'priceCall'> | undefined,
  u: SpanUsage,
): SpanCost {
  // A call without usage (a cache hit, a failure before usage) is free, not unpriced; the model
  // that served the call is priced, else the requested one.
  const billable = u.inputTokens + u.outputTokens > 0;
  const model = u.responseModel || u.requestModel;
  const priced =
    billable && model && catalog
      ? catalog.priceCall({
          provider: u.provider || undefined,
          model,
          timestamp: u.timestampMs,
          usage: {
            inputTokens: u.inputTokens,
            outputTokens: u.outputTokens,
            cacheReadTokens: u.cacheReadTokens,
            cacheWriteTokens: u.cacheWriteTokens,
            cacheWrite1hTokens: u.cacheWrite1hTokens,
            reasoningTokens: u.reasoningTokens,
          },
        })
      : undefined;
  if (priced?.priced) {
    const p = priced.parts;
    return {
      total: priced.costNanos,
      // A per-request fee has no column of its own; it is part of what the input costs.
      input: p.input + p.request,
      output: p.output,
      cacheRead: p.cacheRead,
      cacheWrite: p.cacheWrite,
      source: CostSource.CATALOG,
      priceVersion: priced.priceVersion,
    };
  }
  return {
    total: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    source: billable ? CostSource.UNPRICED : CostSource.CATALOG,
    priceVersion: '',
  };
}
