/**
 * The cost of a span priced from the catalog: the one rule used at ingest (for spans that arrive
 * without a cost) and by `agentmeter reprice` (for stored spans).
 */
import type { PriceCatalog } from '@agentmeter/pricing';
import {
  CostSource,
  UnpricedReasons,
  type CostSourceValue,
  type UnpricedReasonValue,
} from '@agentmeter/conventions';

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
  /**
   * The call cost nothing whatever its tokens say: a response-cache hit (no provider was
   * called) or a failed call (providers do not bill a refused request). Only then is a call
   * without usage priced at $0 rather than `unpriced`.
   */
  free: boolean;
}

/** Integer nano-USD per cost column, and the source and version to stamp. */
export interface SpanCost {
  total: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  source: CostSourceValue;
  /** Why the span is unpriced; empty when it is priced. */
  unpricedReason: UnpricedReasonValue | '';
  priceVersion: string;
}

export function catalogCost(
  catalog: Pick<PriceCatalog, 'priceCall'> | undefined,
  u: SpanUsage,
): SpanCost {
  const hasUsage = u.inputTokens + u.outputTokens > 0;
  if (!hasUsage && u.free) return zeroCost(CostSource.CATALOG, '');
  if (!hasUsage) return zeroCost(CostSource.UNPRICED, UnpricedReasons.NO_USAGE);
  // The model that served the call is priced, else the requested one.
  const model = u.responseModel || u.requestModel;
  if (!model) return zeroCost(CostSource.UNPRICED, UnpricedReasons.NO_MODEL);
  if (!catalog) return zeroCost(CostSource.UNPRICED, UnpricedReasons.NO_CATALOG);
  const priced = catalog.priceCall({
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
  });
  if (!priced.priced) return zeroCost(CostSource.UNPRICED, priced.reason);
  const p = priced.parts;
  return {
    total: priced.costNanos,
    // A per-request fee has no column of its own; it is part of what the input costs.
    input: p.input + p.request,
    output: p.output,
    cacheRead: p.cacheRead,
    cacheWrite: p.cacheWrite,
    source: CostSource.CATALOG,
    unpricedReason: '',
    priceVersion: priced.priceVersion,
  };
}

function zeroCost(source: CostSourceValue, unpricedReason: UnpricedReasonValue | ''): SpanCost {
  return {
    total: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    source,
    unpricedReason,
    priceVersion: '',
  };
}
