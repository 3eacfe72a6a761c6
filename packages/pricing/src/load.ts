/**
 * Builds the catalog: bundled genai-prices data, the shipped corrections in
 * `overrides/default.yaml`, then the user's overrides file. Loading is the only async step;
 * pricing a call is synchronous.
 */
import { fileURLToPath } from 'node:url';
import { waitForUpdate } from '@pydantic/genai-prices';
import { PriceCatalog } from './catalog.js';
import { CatalogIndex } from './catalog-index.js';
import { parseOverrides, readOverridesFile } from './overrides/read.js';
import { compileOverrides, overrideProviderNames } from './overrides/rules.js';
import type { Overrides } from './overrides/schema.js';
import { buildRouteTable } from './providers.js';
import { Resolver } from './resolver.js';
import { genaiPricesVersion, priceVersionOf } from './version.js';

export interface PricingOptions {
  /** A YAML or JSON overrides file (see README); it takes precedence over everything else. */
  readonly overridesFile?: string;
  /** Overrides given as an object (e.g. a section of a larger config); applied after the file. */
  readonly overrides?: unknown;
  /** Apply the shipped corrections of `overrides/default.yaml`. Default true. */
  readonly defaultOverrides?: boolean;
  /** Distinct (provider, model) lookups cached. Default 10,000. */
  readonly maxCachedModels?: number;
  /** Distinct unpriced pairs counted individually. Default 1,000. */
  readonly maxUnpricedPairs?: number;
}

/** The shipped corrections, next to `src/` and `dist/`. */
export const DEFAULT_OVERRIDES_FILE = fileURLToPath(
  new URL('../overrides/default.yaml', import.meta.url),
);

/** Loads the catalog; throws PricingError when an overrides file is unreadable or invalid. */
export async function loadPricing(options: PricingOptions = {}): Promise<PriceCatalog> {
  const files: Overrides[] = [];
  if (options.defaultOverrides ?? true) files.push(readOverridesFile(DEFAULT_OVERRIDES_FILE));
  if (options.overridesFile !== undefined) files.push(readOverridesFile(options.overridesFile));
  if (options.overrides !== undefined)
    files.push(parseOverrides(options.overrides, 'inline price overrides'));

  // We never call genai-prices' updatePrices, so this is the bundled data of the pinned release.
  const providers = (await waitForUpdate()) ?? [];
  const index = new CatalogIndex(providers);
  const routes = buildRouteTable(index.providerIds, overrideProviderNames(files));
  const rules = compileOverrides(files, routes);
  return new PriceCatalog(
    new Resolver(index, routes, rules),
    priceVersionOf(genaiPricesVersion(), rules.fingerprint),
    {
      maxCachedModels: options.maxCachedModels ?? 10_000,
      maxUnpricedPairs: options.maxUnpricedPairs ?? 1_000,
    },
  );
}
