/** Provider names: semconv names and aliases, the unknown-provider rule, and seed 003's providers. */
import { PROVIDERS, canonicalProvider } from '@agentmeter/conventions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PriceCatalog, loadPricing } from '../src/index.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const USAGE = { inputTokens: 1_000, outputTokens: 1_000 };

let catalog: PriceCatalog;
beforeAll(async () => {
  catalog = await loadPricing();
});

const call = (provider: string | undefined, model: string) =>
  catalog.priceCall({ provider, model, timestamp: NOW, usage: USAGE });

describe('semconv provider names', () => {
  it.each([
    ['openai', 'gpt-4o', 'openai'],
    ['anthropic', 'claude-sonnet-4-5', 'anthropic'],
    ['gcp.gemini', 'gemini-2.5-flash', 'google'],
    ['gcp.vertex_ai', 'gemini-2.5-flash', 'google'],
    ['aws.bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0', 'aws'],
    ['azure.ai.openai', 'gpt-4o', 'azure'],
    ['x_ai', 'grok-4', 'x-ai'],
    ['mistral_ai', 'mistral-large-latest', 'mistral'],
    ['deepseek', 'deepseek-chat', 'deepseek'],
    ['groq', 'llama-3.3-70b-versatile', 'groq'],
    ['cohere', 'command-a', 'cohere'],
    ['perplexity', 'sonar-pro', 'perplexity'],
    ['moonshot_ai', 'kimi-k2.5', 'moonshotai'],
    ['together_ai', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 'together'],
    ['fireworks', 'accounts/fireworks/models/llama4-maverick-instruct-basic', 'fireworks'],
    ['dashscope', 'qwen-plus', 'openrouter'],
  ])('%s prices %s from genai-prices provider %s', (provider, model, catalogProvider) => {
    expect(call(provider, model)).toMatchObject({ priced: true, catalogProvider });
  });

  it('prices every spelling of the shared provider table under its stored name', () => {
    const models: Readonly<Record<string, string>> = {
      openai: 'gpt-4o',
      anthropic: 'claude-sonnet-4-5',
      'azure.ai.openai': 'gpt-4o',
      'azure.ai.inference': 'gpt-4o',
      x_ai: 'grok-4',
      'gcp.vertex_ai': 'gemini-2.5-flash',
      'gcp.gemini': 'gemini-2.5-flash',
      'gcp.gen_ai': 'gemini-2.5-flash',
      'aws.bedrock': 'anthropic.claude-sonnet-4-5-20250929-v1:0',
      mistral_ai: 'mistral-large-latest',
      moonshot_ai: 'kimi-k2.5',
      deepseek: 'deepseek-chat',
      groq: 'llama-3.3-70b-versatile',
      cohere: 'command-a',
      perplexity: 'sonar-pro',
      together: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
      fireworks: 'accounts/fireworks/models/llama4-maverick-instruct-basic',
      alibaba: 'qwen-plus',
    };
    let checked = 0;
    for (const { name, aliases } of PROVIDERS) {
      const model = models[name];
      if (model === undefined) continue; // no genai-prices catalog (e.g. ibm.watsonx.ai)
      for (const spelling of [name, ...aliases, `${aliases[0] ?? name}.chat`]) {
        expect(canonicalProvider(spelling)).toBe(name);
        expect(call(spelling, model), spelling).toMatchObject({ priced: true, provider: name });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('keeps Vertex AI and the Gemini API apart where their prices differ', () => {
    // Gemini 2.0 Flash: $0.10 + $0.40 on the Gemini API, $0.15 + $0.60 on Vertex AI, per million
    expect(call('gcp.gemini', 'gemini-2.0-flash')).toMatchObject({
      costNanos: Math.round((1_000 * 0.1 + 1_000 * 0.4) * 1000),
    });
    expect(call('gcp.vertex_ai', 'gemini-2.0-flash')).toMatchObject({
      costNanos: Math.round((1_000 * 0.15 + 1_000 * 0.6) * 1000),
    });
  });

  it('ignores case and surrounding spaces in provider and model names', () => {
    expect(call(' OpenAI ', 'GPT-4o')).toMatchObject({
      priced: true,
      provider: 'openai',
      catalogModel: 'gpt-4o',
    });
  });
});

describe('unknown or absent provider', () => {
  it("prices a model at its own provider's list price when genai-prices can tell it from the name", () => {
    expect(call('my-gateway', 'claude-sonnet-4-5')).toMatchObject({
      priced: true,
      provider: 'anthropic',
    });
    expect(call(undefined, 'gpt-4o')).toMatchObject({ priced: true, provider: 'openai' });
  });

  it('prices a model only one provider lists', () => {
    expect(call(undefined, 'meta-llama/Llama-3.3-70B-Instruct-Turbo')).toMatchObject({
      priced: true,
      provider: 'together',
    });
  });

  it('refuses a model several providers list at different prices', () => {
    const result = call('self-hosted', 'qwen/qwen3.5-9b');
    expect(result).toMatchObject({ priced: false, reason: 'ambiguous_model' });
    if (!result.priced) expect(result.detail).toContain('doubleword');
  });

  it('never prices a model a known provider does not list at another host', () => {
    // Together lists this Llama; Groq does not
    expect(call('groq', 'meta-llama/Llama-3.3-70B-Instruct-Turbo')).toMatchObject({
      priced: false,
      reason: 'unknown_model',
    });
  });
});

describe('seed 003: the 16 providers each price a current model', () => {
  it.each([
    ['OpenAI', 'openai', 'gpt-4.1'],
    ['Anthropic', 'anthropic', 'claude-sonnet-4-5-20250929'],
    ['Google', 'gcp.gemini', 'gemini-2.5-pro'],
    ['DeepSeek', 'deepseek', 'deepseek-chat'],
    ['xAI', 'x_ai', 'grok-4'],
    ['Mistral', 'mistral_ai', 'mistral-large-latest'],
    ['Cohere', 'cohere', 'command-a-03-2025'],
    ['Groq', 'groq', 'llama-3.3-70b-versatile'],
    ['Together', 'together', 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8'],
    ['Fireworks', 'fireworks', 'accounts/fireworks/models/qwen3-235b-a22b'],
    ['Perplexity', 'perplexity', 'sonar-pro'],
    ['Amazon Bedrock', 'aws.bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['Azure OpenAI', 'azure.ai.openai', 'gpt-4.1'],
    ['Alibaba Qwen', 'alibaba', 'qwen3-max'],
    ['Moonshot', 'moonshot_ai', 'kimi-k2.5'],
    ['Meta Llama on Cerebras', 'cerebras', 'llama-3.3-70b'],
  ])('%s (%s %s)', (_name, provider, model) => {
    const result = call(provider, model);
    expect(result).toMatchObject({ priced: true });
    if (result.priced) expect(result.costNanos).toBeGreaterThan(0);
  });
});
