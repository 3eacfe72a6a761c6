/**
 * Provider names → where their prices live. Callers pass `gen_ai.provider.name` values
 * (semconv well-known names and their deprecated `gen_ai.system` spellings) or genai-prices
 * provider ids; each resolves to a route whose `key` is the canonical name used in override
 * files and reports. Names are compared trimmed and lower-cased.
 */

export interface ProviderRoute {
  /** Canonical name, e.g. `gcp.vertex_ai`; override rules are keyed by it. */
  readonly key: string;
  /** genai-prices provider id holding the prices; absent for providers only overrides define. */
  readonly catalogId?: string;
  /** Prefix of this provider's model ids inside `catalogId`, tried first. */
  readonly modelPrefix?: string;
}

interface RouteSpec extends ProviderRoute {
  readonly aliases: readonly string[];
}

/** Order matters only in that the first route naming a catalog id is that catalog's home route. */
const ROUTES: readonly RouteSpec[] = [
  { key: 'openai', catalogId: 'openai', aliases: [] },
  { key: 'anthropic', catalogId: 'anthropic', aliases: [] },
  // The Gemini Developer API and Vertex AI share genai-prices' `google` catalog but are kept
  // apart so that a Vertex-only price can be overridden without touching the Gemini API.
  {
    key: 'gcp.gemini',
    catalogId: 'google',
    aliases: ['gemini', 'google', 'gcp.gen_ai', 'google_ai_studio'],
  },
  {
    key: 'gcp.vertex_ai',
    catalogId: 'google',
    aliases: ['vertex_ai', 'vertex', 'vertexai', 'google_vertex_ai'],
  },
  {
    key: 'aws.bedrock',
    catalogId: 'aws',
    aliases: ['bedrock', 'aws-bedrock', 'aws_bedrock', 'aws', 'amazon_bedrock'],
  },
  {
    key: 'azure.ai.openai',
    catalogId: 'azure',
    aliases: ['az.ai.openai', 'azure', 'azure_openai', 'azure-openai'],
  },
  { key: 'azure.ai.inference', catalogId: 'azure', aliases: ['az.ai.inference', 'azure_ai'] },
  { key: 'x_ai', catalogId: 'x-ai', aliases: ['xai', 'x-ai', 'grok'] },
  { key: 'mistral_ai', catalogId: 'mistral', aliases: ['mistral', 'mistralai'] },
  { key: 'deepseek', catalogId: 'deepseek', aliases: [] },
  { key: 'groq', catalogId: 'groq', aliases: [] },
  { key: 'cohere', catalogId: 'cohere', aliases: [] },
  { key: 'perplexity', catalogId: 'perplexity', aliases: [] },
  { key: 'moonshot_ai', catalogId: 'moonshotai', aliases: ['moonshot', 'moonshotai', 'kimi'] },
  { key: 'together', catalogId: 'together', aliases: ['together_ai', 'together-ai', 'togetherai'] },
  {
    key: 'fireworks',
    catalogId: 'fireworks',
    aliases: ['fireworks_ai', 'fireworks-ai', 'fireworksai'],
  },
  // genai-prices has no DashScope provider. Alibaba's own Qwen models are priced from
  // OpenRouter's `qwen/…` entries, which OpenRouter serves from Alibaba at its list price.
  {
    key: 'alibaba',
    catalogId: 'openrouter',
    modelPrefix: 'qwen/',
    aliases: ['qwen', 'dashscope', 'alibaba_cloud', 'aliyun'],
  },
  { key: 'zhipuai', catalogId: 'zhipuai', aliases: ['zhipu', 'bigmodel'] },
  { key: 'zai', catalogId: 'zai', aliases: ['z_ai', 'z.ai'] },
];

export function normaliseProviderName(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * Builds the lookup table: every alias and key above, every other genai-prices provider id
 * under its own name, and every provider name that only the override files declare.
 */
export function buildRouteTable(
  catalogIds: readonly string[],
  overrideProviders: readonly string[],
): Map<string, ProviderRoute> {
  const table = new Map<string, ProviderRoute>();
  for (const { aliases, ...route } of ROUTES) {
    for (const name of [route.key, ...aliases]) table.set(name, route);
  }
  for (const id of catalogIds) {
    if (!table.has(id)) table.set(id, { key: id, catalogId: id });
  }
  for (const name of overrideProviders.map(normaliseProviderName)) {
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
