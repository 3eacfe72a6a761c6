/**
 * The pre-call estimate that quotas and budgets are checked against, before the provider says
 * what a call really used.
 *
 * Tokens: input ≈ characters of the messages / 4 (the usual English average for BPE
 * tokenizers; code and other languages run higher, so treat it as a rough figure), output =
 * the call's maxTokens, or `cost_estimate.default_output_tokens` when it sets none: the most
 * the call may produce, so the estimate errs high.
 *
 * Cost: those tokens at the model's catalog rates, read by pricing a 1,000 + 1,000 token
 * probe call and kept per model for an hour (prices change by start date, rarely within one).
 * The probe keeps the hot path to a Map lookup and two multiplications, and means an unpriced
 * model adds one probe per hour to the catalog's unpriced count rather than one per call.
 * Long-context tiers and cache discounts are ignored; an unpriced model is estimated at 0.
 */
import type { PriceCatalog } from '@agentmeter/pricing';
import type { ChatMessage } from '../types.js';

const CHARS_PER_TOKEN = 4;
const PROBE_TOKENS = 1_000;
const RATES_TTL_MS = 3_600_000;

interface Rates {
  /** nano-USD per PROBE_TOKENS tokens. */
  readonly input: number;
  readonly output: number;
  /** Per-request fee, nano-USD. */
  readonly request: number;
  readonly until: number;
}

export function estimateInputTokens(messages: readonly ChatMessage[]): number {
  let chars = 0;
  for (const message of messages) chars += message.content.length;
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

export class CostEstimator {
  readonly #catalog: PriceCatalog | undefined;
  readonly #rates = new Map<string, Map<string, Rates>>();

  constructor(catalog: PriceCatalog | undefined) {
    this.#catalog = catalog;
  }

  /** Estimated cost in integer nano-USD (0 without a catalog or for an unpriced model). */
  estimate(
    provider: string,
    model: string,
    inputTokens: number,
    outputTokens: number,
    now: number,
  ): number {
    const rates = this.#ratesOf(provider, model, now);
    if (rates === undefined) return 0;
    return Math.round(
      (inputTokens * rates.input + outputTokens * rates.output) / PROBE_TOKENS + rates.request,
    );
  }

  #ratesOf(provider: string, model: string, now: number): Rates | undefined {
    if (this.#catalog === undefined) return undefined;
    let byModel = this.#rates.get(provider);
    if (byModel === undefined) {
      byModel = new Map();
      this.#rates.set(provider, byModel);
    }
    let rates = byModel.get(model);
    if (rates === undefined || now >= rates.until) {
      const probe = this.#catalog.priceCall({
        provider,
        model,
        timestamp: now,
        usage: { inputTokens: PROBE_TOKENS, outputTokens: PROBE_TOKENS },
      });
      rates = probe.priced
        ? {
            input: probe.parts.input,
            output: probe.parts.output,
            request: probe.parts.request,
            until: now + RATES_TTL_MS,
          }
        : { input: 0, output: 0, request: 0, until: now + RATES_TTL_MS };
      byModel.set(model, rates);
    }
    return rates;
  }
}
