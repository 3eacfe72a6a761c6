/**
 * OpenAI-compatible hosts by `gen_ai.provider.name` (the name the price catalog knows them
 * under): where their Chat Completions API lives. Used to default the HTTP client's base URL and
 * to name the provider of an `openai` SDK client from its base URL.
 */

const BASE_URLS: Readonly<Record<string, string>> = {
  openai: 'https://api.openai.com/v1',
  deepseek: 'https://api.deepseek.com/v1',
  groq: 'https://api.groq.com/openai/v1',
  together: 'https://api.together.xyz/v1',
  x_ai: 'https://api.x.ai/v1',
  mistral_ai: 'https://api.mistral.ai/v1',
  fireworks: 'https://api.fireworks.ai/inference/v1',
  perplexity: 'https://api.perplexity.ai',
  moonshot_ai: 'https://api.moonshot.ai/v1',
  alibaba: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
  cerebras: 'https://api.cerebras.ai/v1',
  openrouter: 'https://openrouter.ai/api/v1',
};

/** The documented base URL of a known OpenAI-compatible host, or undefined. */
export function defaultBaseURL(provider: string): string | undefined {
  return BASE_URLS[provider];
}

const BY_HOSTNAME: ReadonlyMap<string, string> = new Map(
  Object.entries(BASE_URLS).map(([name, url]) => [new URL(url).hostname, name]),
);

/** The provider whose API a base URL points at, when it is one of the known hosts. */
export function providerFromBaseURL(baseURL: string | undefined): string | undefined {
  if (!baseURL) return undefined;
  try {
    const { hostname } = new URL(baseURL);
    if (hostname.endsWith('.openai.azure.com')) return 'azure.ai.openai';
    return BY_HOSTNAME.get(hostname);
  } catch {
    return undefined;
  }
}
