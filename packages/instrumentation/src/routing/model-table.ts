/**
 * The `models` table joined to the provider clients, with each model's fallbacks resolved once:
 * the hot path looks a model up once and reads everything it needs from one object.
 */
import type { RoutingConfig } from '../config/schema.js';
import type { ProviderClient } from '../types.js';
import { RoutingError } from './errors.js';

export type FallbackKind = 'default' | 'context_window' | 'content_policy' | 'quota';

export interface ModelRoute {
  readonly model: string;
  readonly provider: string;
  readonly client: ProviderClient;
  readonly downgradeTo: string | undefined;
  readonly fallbacks: Readonly<Record<FallbackKind, readonly string[]>>;
}

const NONE: readonly string[] = Object.freeze([]);

export class ModelTable {
  readonly #routes = new Map<string, ModelRoute>();

  constructor(config: RoutingConfig, clients: ReadonlyMap<string, ProviderClient>) {
    const missing = new Map<string, string[]>();
    for (const [model, entry] of Object.entries(config.models)) {
      const client = clients.get(entry.provider);
      if (client === undefined) {
        missing.set(entry.provider, [...(missing.get(entry.provider) ?? []), model]);
        continue;
      }
      const f = config.fallbacks;
      this.#routes.set(model, {
        model,
        provider: entry.provider,
        client,
        downgradeTo: entry.downgrade_to,
        fallbacks: {
          default: f.default[model] ?? NONE,
          context_window: f.context_window[model] ?? NONE,
          content_policy: f.content_policy[model] ?? NONE,
          quota: f.quota[model] ?? NONE,
        },
      });
    }
    if (missing.size > 0) {
      const needs = [...missing].map(
        ([provider, models]) => `"${provider}" (for ${models.join(', ')})`,
      );
      throw new RoutingError(
        'ROUTING_UNKNOWN_PROVIDER',
        `the routing config names providers without a client: ${needs.join('; ')}; pass a ProviderClient named after each in \`providers\` (given: ${[...clients.keys()].join(', ') || 'none'})`,
      );
    }
  }

  /** The route of a model the config lists; throws for one it does not (a config the checks did not see). */
  get(model: string): ModelRoute {
    const route = this.#routes.get(model);
    if (route === undefined) {
      throw new RoutingError(
        'ROUTING_INVALID_OPTIONS',
        `model "${model}" is not listed under \`models\` in the routing config; load the config with loadRoutingConfig or parseRoutingConfig`,
      );
    }
    return route;
  }
}
