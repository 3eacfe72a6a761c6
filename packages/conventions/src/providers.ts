/**
 * Provider names, spelled once for ingest and pricing: the `gen_ai.provider.name` well-known
 * values of the GenAI semconv registry (and a few providers it does not list yet), each with
 * the spellings emitters send for it: deprecated `gen_ai.system` values, OpenInference's
 * `llm.provider` / `llm.system`, LiteLLM's and genai-prices' provider ids, and the Vercel AI
 * SDK's `<provider>.<api>` ids (`openai.chat`, `google.vertex.chat`), whose API part is dropped.
 * One provider then lands in one rollup row whoever emitted its calls.
 */

interface ProviderSpec {
  /** The name stored in `llm_spans.provider`. */
  readonly name: string;
  readonly aliases: readonly string[];
}

export const PROVIDERS: readonly ProviderSpec[] = [
  { name: 'openai', aliases: [] },
  { name: 'anthropic', aliases: [] },
  {
    name: 'gcp.gemini',
    aliases: [
      'gemini',
      'google',
      'google.generative-ai',
      'google_ai_studio',
      'googleai',
      'google_genai',
    ],
  },
  {
    name: 'gcp.vertex_ai',
    aliases: [
      'vertex_ai',
      'vertex',
      'vertexai',
      'google_vertex_ai',
      'google.vertex',
      'vertex.anthropic',
      'vertex_ai_beta',
      'google_vertexai',
      'google-cloud',
      'google-vertex',
    ],
  },
  { name: 'gcp.gen_ai', aliases: [] },
  {
    name: 'aws.bedrock',
    aliases: [
      'bedrock',
      'aws-bedrock',
      'aws_bedrock',
      'aws',
      'amazon_bedrock',
      'amazon-bedrock',
      'bedrock_converse',
      'bedrock-mantle',
    ],
  },
  {
    name: 'azure.ai.openai',
    aliases: ['az.ai.openai', 'azure', 'azure_openai', 'azure-openai', 'azure.openai'],
  },
  { name: 'azure.ai.inference', aliases: ['az.ai.inference', 'azure_ai'] },
  { name: 'x_ai', aliases: ['xai', 'x-ai', 'grok'] },
  { name: 'mistral_ai', aliases: ['mistral', 'mistralai'] },
  { name: 'deepseek', aliases: [] },
  { name: 'groq', aliases: [] },
  { name: 'cohere', aliases: ['cohere_chat'] },
  { name: 'perplexity', aliases: [] },
  { name: 'ibm.watsonx.ai', aliases: ['watsonx', 'ibm_watsonx', 'watsonx.ai'] },
  { name: 'moonshot_ai', aliases: ['moonshot', 'moonshotai', 'kimi'] },
  { name: 'together', aliases: ['together_ai', 'together-ai', 'togetherai'] },
  { name: 'fireworks', aliases: ['fireworks_ai', 'fireworks-ai', 'fireworksai'] },
  { name: 'alibaba', aliases: ['qwen', 'dashscope', 'alibaba_cloud', 'aliyun'] },
  { name: 'zhipuai', aliases: ['zhipu', 'bigmodel'] },
  { name: 'zai', aliases: ['z_ai', 'z.ai'] },
];

/** The API part of a Vercel AI SDK provider id (`openai.chat`), and the operation it serves. */
export const AI_SDK_APIS: Readonly<Record<string, string>> = {
  chat: 'chat',
  responses: 'chat',
  messages: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
  'text-embedding': 'embeddings',
};

const BY_SPELLING = new Map<string, string>();
for (const { name, aliases } of PROVIDERS) {
  for (const spelling of [name, ...aliases]) BY_SPELLING.set(spelling, name);
}

/**
 * The stored name of a provider as any emitter spells it: trimmed and lower-cased, an alias
 * replaced by its name, else an AI SDK API suffix dropped (`cerebras.chat` → `cerebras`);
 * anything else unchanged.
 */
export function canonicalProvider(raw: string): string {
  const name = raw.trim().toLowerCase();
  const known = BY_SPELLING.get(name);
  if (known !== undefined) return known;
  const dot = name.lastIndexOf('.');
  if (dot > 0 && AI_SDK_APIS[name.slice(dot + 1)] !== undefined) {
    const provider = name.slice(0, dot);
    return BY_SPELLING.get(provider) ?? provider;
  }
  return name;
}
