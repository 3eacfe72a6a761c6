/**
 * (provider, model) → the prices that can apply to it: the catalog schedule and the override
 * rules. Slow path, run once per pair and cached by the catalog.
 *
 * A known provider is searched only in its own catalog (plus genai-prices' fallback providers);
 * a model it does not list is unpriced, never priced at another host's rate. An unknown or
 * absent provider falls back, in order, to:
 *   1. the model's own provider as genai-prices infers it from the name (`gpt-` → openai,
 *      `claude` → anthropic, `gemini` → google, ...), priced at that provider's list price;
 *   2. every catalog provider and override-only provider that lists the model: priced if all
 *      of them agree on the price, otherwise unpriced as ambiguous (a Llama model has as many
 *      prices as hosts).
 */
import type { CatalogHit, CatalogIndex } from './catalog-index.js';
import { normaliseModelName } from './match.js';
import type { ModelRule, OverrideRules, ProviderMultiplier } from './overrides/rules.js';
import {
  canonicalProvider,
  type UnpricedReasons,
  type UnpricedReasonValue,
} from '@agentmeter/conventions';
import { type ProviderRoute, homeRoute } from './providers.js';
import { type CatalogSchedule, type RawSchedule, compileSchedule } from './schedule.js';

/** Why the catalog has no price for a call (`UnpricedReasons` in conventions says each). */
export type UnpricedReason = Exclude<
  UnpricedReasonValue,
  | typeof UnpricedReasons.NO_MODEL
  | typeof UnpricedReasons.NO_USAGE
  | typeof UnpricedReasons.NO_CATALOG
>;

export interface Found {
  readonly kind: 'found';
  /** Canonical provider name (route key). */
  readonly provider: string;
  readonly catalogProvider: string;
  readonly catalogModel: string;
  readonly catalog: CatalogSchedule | undefined;
  /** Explicit-price rules, sorted by date. */
  readonly explicit: readonly ModelRule[];
  readonly modelMultipliers: readonly ModelRule[];
  readonly providerMultipliers: readonly ProviderMultiplier[];
  /** Equal for two resolutions with the same catalog prices; compares hosts of one model. */
  readonly priceFingerprint: string;
}

export interface Missing {
  readonly kind: 'missing';
  readonly reason: UnpricedReason;
  readonly detail: string;
}

export type Resolution = Found | Missing;

const missing = (reason: UnpricedReason, detail: string): Missing => ({
  kind: 'missing',
  reason,
  detail,
});

export class Resolver {
  readonly #index: CatalogIndex;
  readonly #routes: ReadonlyMap<string, ProviderRoute>;
  readonly #rules: OverrideRules;
  /** Routes searched for a provider-less call: one per catalog provider, plus override-only providers. */
  readonly #scanRoutes: readonly ProviderRoute[];

  constructor(
    index: CatalogIndex,
    routes: ReadonlyMap<string, ProviderRoute>,
    rules: OverrideRules,
  ) {
    this.#index = index;
    this.#routes = routes;
    this.#rules = rules;
    const overrideOnly = [...new Set(routes.values())].filter(
      (route) => route.catalogId === undefined,
    );
    this.#scanRoutes = [...index.providerIds.map((id) => homeRoute(routes, id)), ...overrideOnly];
  }

  resolve(provider: string | undefined, model: string): Resolution {
    const name = normaliseModelName(model);
    if (name === '') return missing('unknown_model', 'the call has no model name');
    const route = provider ? this.#routes.get(canonicalProvider(provider)) : undefined;
    return route ? this.#resolveRoute(route, name) : this.#resolveUnknown(provider, name);
  }

  #findInCatalog(route: ProviderRoute, name: string): { hit?: CatalogHit; error?: string } {
    if (route.catalogId === undefined) return {};
    const prefix = route.modelPrefix;
    const lookup = this.#index.find(
      route.catalogId,
      prefix && !name.startsWith(prefix) ? prefix + name : name,
    );
    if (lookup.found) return { hit: lookup.hit };
    return lookup.error === undefined ? {} : { error: lookup.error };
  }

  #resolveRoute(route: ProviderRoute, name: string): Resolution {
    const { hit, error } = this.#findInCatalog(route, name);
    const catalogName = hit ? normaliseModelName(hit.model.id) : undefined;
    const rules = (this.#rules.models.get(route.key) ?? []).filter(
      (rule) => rule.matches(name) || (catalogName !== undefined && rule.matches(catalogName)),
    );
    const explicit = rules.filter((rule) => rule.price !== undefined);
    if (!hit && explicit.length === 0) {
      if (error !== undefined)
        return missing('catalog_error', `genai-prices failed on "${name}": ${error}`);
      const where = route.catalogId
        ? `genai-prices provider "${route.catalogId}"`
        : 'the overrides';
      return missing(
        'unknown_model',
        `"${name}" is not priced for provider "${route.key}" (searched ${where})`,
      );
    }
    let catalog: CatalogSchedule | undefined;
    if (hit) {
      const compiled = compileSchedule(hit.model.prices as RawSchedule);
      if (compiled.ok) catalog = compiled.schedule;
      else if (explicit.length === 0) {
        return missing(
          'catalog_error',
          `catalog entry "${hit.model.id}" is unusable: ${compiled.problems.join('; ')}`,
        );
      }
    }
    return {
      kind: 'found',
      provider: route.key,
      catalogProvider: hit?.providerId ?? route.key,
      catalogModel: hit?.model.id ?? name,
      catalog,
      explicit,
      modelMultipliers: rules.filter((rule) => rule.multiplier !== undefined),
      providerMultipliers: this.#rules.providers.get(route.key) ?? [],
      priceFingerprint:
        hit && explicit.length === 0
          ? JSON.stringify(hit.model.prices)
          : `override:${route.key}:${name}`,
    };
  }

  #resolveUnknown(provider: string | undefined, name: string): Resolution {
    const home = this.#index.findHome(name);
    if (home.found) return this.#resolveRoute(homeRoute(this.#routes, home.hit.providerId), name);

    const byPrice = new Map<string, Found>();
    for (const route of this.#scanRoutes) {
      const resolution = this.#resolveRoute(route, name);
      if (resolution.kind === 'found' && !byPrice.has(resolution.priceFingerprint)) {
        byPrice.set(resolution.priceFingerprint, resolution);
      }
    }
    const label = provider ? `unknown provider "${provider}"` : 'no provider';
    const candidates = [...byPrice.values()];
    const [only] = candidates;
    if (candidates.length === 1 && only) return only;
    if (candidates.length === 0)
      return missing(
        'unknown_model',
        `"${name}" (${label}) is not in the catalog or the overrides`,
      );
    const hosts = candidates
      .map((found) => found.provider)
      .slice(0, 6)
      .join(', ');
    return missing(
      'ambiguous_model',
      `"${name}" (${label}) has different prices at ${hosts}; set gen_ai.provider.name`,
    );
  }
}
