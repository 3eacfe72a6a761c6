/**
 * The price catalog: the one cost function of agentmeter, used by the instrumentation for
 * every routed call and by the ingester for spans that arrive without a cost.
 *
 * Hot path: one Map lookup per (provider, model), then integer arithmetic. Model resolution
 * is cached (bounded, first-in first-out), and every unpriced call is counted per pair so that
 * missing prices are reported, never silently priced at zero.
 */
import { ONE, type Ratio } from './decimal.js';
import { computeCost } from './cost.js';
import { toNanos } from './nanos.js';
import type { Found, Resolution, Resolver, UnpricedReason } from './resolver.js';
import { inForce, selectPrice } from './schedule.js';
import { type Counts, type TokenUsage, countsOf, countsProblem } from './usage.js';

export interface PriceCallInput {
  /** `gen_ai.provider.name` (or a deprecated `gen_ai.system` value, or a genai-prices id); absent when unknown. */
  readonly provider?: string | undefined;
  /** The model that served the call: `gen_ai.response.model`, else `gen_ai.request.model`. */
  readonly model: string;
  /** When the call was made, epoch milliseconds or a Date; selects the price in force then. */
  readonly timestamp: number | Date;
  readonly usage: TokenUsage;
}

/** Integer nano-USD per part; the parts always sum to `costNanos`. */
export interface CostParts {
  /** Uncached input (every modality). */
  readonly input: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  /** Output, reasoning included. */
  readonly output: number;
  /** Per-request fees (a few providers charge one per call). */
  readonly request: number;
}

export interface PricedCall {
  readonly priced: true;
  /** Total cost, integer nano-USD (1e-9 USD), rounded half to even once per call. */
  readonly costNanos: number;
  readonly parts: CostParts;
  /** Identifies the catalog that priced the call; stamp it as `agentmeter.cost.price_version`. */
  readonly priceVersion: string;
  /** `override` when an override file's price or multiplier was applied. */
  readonly priceSource: 'catalog' | 'override';
  /** Canonical provider name the call was priced under (e.g. `gcp.vertex_ai`). */
  readonly provider: string;
  /** genai-prices provider id (or override provider) and model id that held the price. */
  readonly catalogProvider: string;
  readonly catalogModel: string;
}

export interface UnpricedCall {
  readonly priced: false;
  readonly reason: UnpricedReason;
  /** What was missing, for logs and reports. */
  readonly detail: string;
  readonly priceVersion: string;
}

export type PriceResult = PricedCall | UnpricedCall;

/** A (provider, model) pair that calls could not be priced for, with how many calls. */
export interface UnpricedModel {
  readonly provider: string;
  readonly model: string;
  /** The reason of the latest unpriced call. */
  readonly reason: UnpricedReason;
  readonly count: number;
}

export interface CatalogLimits {
  /** Distinct (provider, model) resolutions kept; the oldest is evicted past this. */
  readonly maxCachedModels: number;
  /** Distinct unpriced pairs counted; further pairs are counted under provider and model `*`. */
  readonly maxUnpricedPairs: number;
}

const OVERFLOW_KEY = '*\u0000*';

function toEpochMs(timestamp: number | Date): number {
  return typeof timestamp === 'number' ? timestamp : timestamp.getTime();
}

export class PriceCatalog {
  readonly priceVersion: string;
  readonly #resolver: Resolver;
  readonly #limits: CatalogLimits;
  readonly #resolutions = new Map<string, Resolution>();
  readonly #unpriced = new Map<
    string,
    { provider: string; model: string; reason: UnpricedReason; count: number }
  >();

  constructor(resolver: Resolver, priceVersion: string, limits: CatalogLimits) {
    this.#resolver = resolver;
    this.priceVersion = priceVersion;
    this.#limits = limits;
  }

  /** Prices one call. Never throws for bad input: a call that cannot be priced says why. */
  priceCall(call: PriceCallInput): PriceResult {
    const provider = call.provider ?? '';
    const key = `${provider}\u0000${call.model}`;
    let resolution = this.#resolutions.get(key);
    if (resolution === undefined) {
      resolution = this.#resolver.resolve(call.provider, call.model);
      if (this.#resolutions.size >= this.#limits.maxCachedModels) {
        const oldest = this.#resolutions.keys().next();
        if (!oldest.done) this.#resolutions.delete(oldest.value);
      }
      this.#resolutions.set(key, resolution);
    }
    if (resolution.kind === 'missing')
      return this.#unpricedCall(key, call, resolution.reason, resolution.detail);

    const atMs = toEpochMs(call.timestamp);
    if (!Number.isFinite(atMs))
      return this.#unpricedCall(key, call, 'invalid_usage', 'the timestamp is not a valid time');
    const counts = countsOf(call.usage);
    const problem = countsProblem(counts);
    if (problem !== undefined) return this.#unpricedCall(key, call, 'invalid_usage', problem);
    return this.#price(key, call, resolution, atMs, counts);
  }

  /** Every (provider, model) pair with unpriced calls since the catalog was loaded. */
  unpricedModels(): UnpricedModel[] {
    return [...this.#unpriced.values()].map((entry) => ({ ...entry }));
  }

  #price(
    key: string,
    call: PriceCallInput,
    found: Found,
    atMs: number,
    counts: Counts,
  ): PriceResult {
    const explicit = inForce(found.explicit, atMs);
    let multiplier: Ratio = ONE;
    let price = explicit?.price;
    if (price === undefined) {
      if (found.catalog === undefined) {
        return this.#unpricedCall(
          key,
          call,
          'no_price_at_time',
          `the overrides for "${found.catalogModel}" are not in force yet`,
        );
      }
      price = selectPrice(found.catalog, atMs);
      multiplier =
        inForce(found.modelMultipliers, atMs)?.multiplier ??
        inForce(found.providerMultipliers, atMs)?.multiplier ??
        ONE;
    }
    const cost = computeCost(price, counts);
    if (!cost.ok) return this.#unpricedCall(key, call, cost.reason, cost.detail);
    const nanos = toNanos(cost.pico, multiplier);
    if (nanos === undefined)
      return this.#unpricedCall(
        key,
        call,
        'invalid_usage',
        'the cost exceeds 9 million USD (after its multiplier)',
      );
    const [input = 0, cacheRead = 0, cacheWrite = 0, output = 0, request = 0] = nanos.parts;
    return {
      priced: true,
      costNanos: nanos.total,
      parts: { input, cacheRead, cacheWrite, output, request },
      priceVersion: this.priceVersion,
      priceSource: explicit !== undefined || multiplier !== ONE ? 'override' : 'catalog',
      provider: found.provider,
      catalogProvider: found.catalogProvider,
      catalogModel: found.catalogModel,
    };
  }

  #unpricedCall(
    key: string,
    call: PriceCallInput,
    reason: UnpricedReason,
    detail: string,
  ): UnpricedCall {
    let entry = this.#unpriced.get(key);
    if (entry === undefined) {
      if (this.#unpriced.size >= this.#limits.maxUnpricedPairs) {
        entry = this.#unpriced.get(OVERFLOW_KEY) ?? { provider: '*', model: '*', reason, count: 0 };
        this.#unpriced.set(OVERFLOW_KEY, entry);
      } else {
        entry = { provider: call.provider ?? '', model: call.model, reason, count: 0 };
        this.#unpriced.set(key, entry);
      }
    }
    entry.reason = reason;
    entry.count += 1;
    return { priced: false, reason, detail, priceVersion: this.priceVersion };
  }
}
