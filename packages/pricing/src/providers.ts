/**
 * Provider names → where their prices live. Callers pass any spelling `canonicalProvider`
 * (`@agentmeter/conventions`) knows, or a genai-prices provider id; each resolves to a route
 * whose `key` is the stored name, used in override files and reports.
 */
import { canonicalProvider } from '@agentmeter/conventions';

export interface ProviderRoute {
  /** Canonical name, e.g. `gcp.vertex_ai`; override rules are keyed by it. */
  readonly key: string;
  /** genai-prices provider id holding the prices; absent for providers only overrides define. */
  readonly catalogId?: string;
  /** Prefix of this provider's model ids inside `catalogId`, tried first. */
  readonly modelPrefix?: string;
}

/**
 * Where each provider's prices live, keyed by its stored name (`canonicalProvider`, the one
 * table of spellings ingest uses too). Order matters only in that the first route naming a
 * catalog id is that catalog's home route.
 */
const ROUTES: readonly ProviderRoute[] = [
  { key: 'openai', catalogId: 'openai' },
  { key: 'anthropic', catalogId: 'anthropic' },
  // The Gemini Developer API and Vertex AI share genai-prices' `google` catalog but are kept
  // apart so that a Vertex-only price can be overridden without touching the Gemini API.
  { key: 'gcp.gemini', catalogId: 'google' },
  { key: 'gcp.vertex_ai', catalogId: 'google' },
  { key: 'gcp.gen_ai', catalogId: 'google' },
  { key: 'aws.bedrock', catalogId: 'aws' },
  { key: 'azure.ai.openai', catalogId: 'azure' },
  { key: 'azure.ai.inference', catalogId: 'azure' },
  { key: 'x_ai', catalogId: 'x-ai' },
  { key: 'mistral_ai', catalogId: 'mistral' },
  { key: 'deepseek', catalogId: 'deepseek' },
  { key: 'groq', catalogId: 'groq' },
  { key: 'cohere', catalogId: 'cohere' },
  { key: 'perplexity', catalogId: 'perplexity' },
  { key: 'moonshot_ai', catalogId: 'moonshotai' },
  { key: 'together', catalogId: 'together' },
  { key: 'fireworks', catalogId: 'fireworks' },
  // genai-prices has no DashScope provider. Alibaba's own Qwen models are priced from
  // OpenRouter's `qwen/…` entries, which OpenRouter serves from Alibaba at its list price.
  { key: 'alibaba', catalogId: 'openrouter', modelPrefix: 'qwen/' },
  { key: 'zhipuai', catalogId: 'zhipuai' },
  { key: 'zai', catalogId: 'zai' },
];

/**
 * Builds the lookup table, keyed by stored provider name: the routes above, every other
 * genai-prices provider id under its own name, and every provider only the override files declare.
 */
export function buildRouteTable(
  catalogIds: readonly string[],
  overrideProviders: readonly string[],
): Map<string, ProviderRoute> {
  const table = new Map<string, ProviderRoute>();
  for (const route of ROUTES) table.set(route.key, route);
  for (const id of catalogIds) {
    const name = canonicalProvider(id);
    if (!table.has(name)) table.set(name, { key: name, catalogId: id });
  }
  for (const name of overrideProviders.map(canonicalProvider)) {
    if (!table.has(name)) table.set(name, { key: name });
  }
  return table;
}

/** The route a provider-less call uses for a catalog: the first route naming it without a model prefix. */
export function homeRoute(
  table: ReadonlyMap<string, ProviderRoute>,
  catalogId: string,
): ProviderRoute {
  for (const route of table.values())
    if (route.catalogId === catalogId && route.modelPrefix === undefined) return route;
  return { key: catalogId, catalogId };
}
