/**
 * Model lookup in the bundled genai-prices catalog. genai-prices' own matcher is used, so its
 * aliases, dated-snapshot normalisation (`-20250514` → `-2025-05-14`) and fallback providers
 * (Azure → OpenAI, Google → Anthropic on Vertex) apply unchanged. Only the matched model is
 * taken from it; prices are computed by this package. Lookups are slow-path: callers cache them.
 */
import { type ModelInfo, type Provider, calcPrice } from '@pydantic/genai-prices';

export interface CatalogHit {
  /** The provider searched (for a fallback, the provider asked for, not the model's owner). */
  readonly providerId: string;
  readonly model: ModelInfo;
}

export type Lookup =
  | { readonly found: true; readonly hit: CatalogHit }
  | { readonly found: false; readonly error?: string };

const NOT_FOUND: Lookup = { found: false };
/** Any valid instant: only the matched model is read, not its price at this time. */
const LOOKUP_TIME = new Date(0);

function lookup(model: string, providerId: string | undefined): Lookup {
  try {
    const result = calcPrice({}, model, {
      ...(providerId ? { providerId } : {}),
      timestamp: LOOKUP_TIME,
    });
    return result
      ? { found: true, hit: { providerId: result.provider.id, model: result.model } }
      : NOT_FOUND;
  } catch (error) {
    return { found: false, error: (error as Error).message };
  }
}

export class CatalogIndex {
  readonly providerIds: readonly string[];

  constructor(providers: readonly Provider[]) {
    this.providerIds = providers.map((provider) => provider.id);
  }

  /** The model within one provider's catalog (and its fallback providers). */
  find(providerId: string, model: string): Lookup {
    return lookup(model, providerId);
  }

  /** genai-prices' inference of the model's own provider from its name (`gpt-` → openai, `claude` → anthropic). */
  findHome(model: string): Lookup {
    return lookup(model, undefined);
  }
}
