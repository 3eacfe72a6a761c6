/**
 * One test per provider convention proving cache and reasoning tokens are counted once
 * (the double-counting class of Langfuse #12306, #10592, #11244). Each provider payload is
 * normalised, priced, and compared with the hand-computed bill; the double-counted bill a
 * naive reading would produce is computed too, to show the test can tell them apart.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type PriceCatalog,
  type TokenUsage,
  fromAnthropicUsage,
  fromGeminiUsage,
  fromGenericUsage,
  fromOpenAIUsage,
  loadPricing,
} from '../src/index.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const nanos = (microUsd: number): number => Math.round(microUsd * 1000);

let catalog: PriceCatalog;
beforeAll(async () => {
  catalog = await loadPricing();
});

function price(provider: string, model: string, usage: TokenUsage): number {
  const result = catalog.priceCall({ provider, model, timestamp: NOW, usage });
  if (!result.priced) throw new Error(`unpriced: ${result.detail}`);
  return result.costNanos;
}

describe('Anthropic: input_tokens excludes cache reads and writes', () => {
  const payload = {
    input_tokens: 1_000,
    cache_read_input_tokens: 50_000,
    cache_creation_input_tokens: 10_000,
    cache_creation: { ephemeral_5m_input_tokens: 4_000, ephemeral_1h_input_tokens: 6_000 },
    output_tokens: 2_000,
  };
  // claude-sonnet-4-5: $3 input, $0.30 read, $3.75 5m write, $6 1h write, $15 output
  const expected = nanos(1_000 * 3 + 50_000 * 0.3 + 4_000 * 3.75 + 6_000 * 6 + 2_000 * 15);

  it('normalises to the semconv total and prices every token once, each TTL at its own write rate', () => {
    const usage = fromAnthropicUsage(payload);
    expect(usage).toMatchObject({
      inputTokens: 61_000,
      cacheReadTokens: 50_000,
      cacheWriteTokens: 10_000,
      cacheWrite1hTokens: 6_000,
    });
    expect(price('anthropic', 'claude-sonnet-4-5', usage)).toBe(expected);
  });

  it('is not the bill of adding cache on top of the total', () => {
    const doubleCounted = nanos(61_000 * 3 + 50_000 * 0.3 + 4_000 * 3.75 + 6_000 * 6 + 2_000 * 15);
    expect(price('anthropic', 'claude-sonnet-4-5', fromAnthropicUsage(payload))).not.toBe(
      doubleCounted,
    );
  });

  it('raw Anthropic counts passed as semconv are refused, not priced', () => {
    const result = catalog.priceCall({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      timestamp: NOW,
      usage: { inputTokens: 1_000, cacheReadTokens: 50_000, outputTokens: 2_000 },
    });
    expect(result).toMatchObject({ priced: false, reason: 'invalid_usage' });
  });

  it('without the TTL split, all writes are five-minute writes', () => {
    const usage = fromAnthropicUsage({
      input_tokens: 100,
      cache_creation_input_tokens: 1_000,
      output_tokens: 0,
    });
    expect(price('anthropic', 'claude-sonnet-4-5', usage)).toBe(nanos(100 * 3 + 1_000 * 3.75));
  });
});

describe('OpenAI: prompt_tokens includes cached_tokens, completion_tokens includes reasoning_tokens', () => {
  // o4-mini: $1.10 input, $0.275 cached, $4.40 output (reasoning billed as output)
  const expected = nanos(4_000 * 1.1 + 1_000 * 0.275 + 3_000 * 4.4);

  it('Chat Completions usage is priced once per token', () => {
    const usage = fromOpenAIUsage({
      prompt_tokens: 5_000,
      completion_tokens: 3_000,
      prompt_tokens_details: { cached_tokens: 1_000 },
      completion_tokens_details: { reasoning_tokens: 2_500 },
    });
    expect(usage).toMatchObject({
      inputTokens: 5_000,
      cacheReadTokens: 1_000,
      outputTokens: 3_000,
      reasoningTokens: 2_500,
    });
    expect(price('openai', 'o4-mini', usage)).toBe(expected);
  });

  it('Responses API usage is priced the same', () => {
    const usage = fromOpenAIUsage({
      input_tokens: 5_000,
      output_tokens: 3_000,
      input_tokens_details: { cached_tokens: 1_000 },
      output_tokens_details: { reasoning_tokens: 2_500 },
    });
    expect(price('openai', 'o4-mini', usage)).toBe(expected);
  });

  it('is not the bill of adding reasoning or cached tokens on top', () => {
    const doubleCounted = nanos(5_000 * 1.1 + 1_000 * 0.275 + (3_000 + 2_500) * 4.4);
    expect(expected).not.toBe(doubleCounted);
  });
});

describe('Gemini: promptTokenCount includes cached content; thoughtsTokenCount is outside candidatesTokenCount', () => {
  it('charges thoughts as output and cached content once', () => {
    const usage = fromGeminiUsage({
      promptTokenCount: 10_000,
      cachedContentTokenCount: 4_000,
      candidatesTokenCount: 500,
      thoughtsTokenCount: 1_500,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 10_000 }],
    });
    expect(usage).toMatchObject({
      inputTokens: 10_000,
      cacheReadTokens: 4_000,
      outputTokens: 2_000,
      reasoningTokens: 1_500,
    });
    // gemini-2.5-flash: $0.30 input, $0.03 cached, $2.50 output
    const expected = nanos(6_000 * 0.3 + 4_000 * 0.03 + (500 + 1_500) * 2.5);
    expect(price('gcp.gemini', 'gemini-2.5-flash', usage)).toBe(expected);
    const thoughtsDropped = nanos(6_000 * 0.3 + 4_000 * 0.03 + 500 * 2.5);
    const cacheAdded = nanos(10_000 * 0.3 + 4_000 * 0.03 + 2_000 * 2.5);
    expect(expected).not.toBe(thoughtsDropped);
    expect(expected).not.toBe(cacheAdded);
  });

  it('prices audio input and cached audio at their own rates, each token once', () => {
    const usage = fromGeminiUsage({
      promptTokenCount: 10_000,
      cachedContentTokenCount: 2_000,
      candidatesTokenCount: 100,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: 7_000 },
        { modality: 'AUDIO', tokenCount: 3_000 },
      ],
      cacheTokensDetails: [{ modality: 'AUDIO', tokenCount: 2_000 }],
    });
    // $0.30 text, $1.00 audio, $0.10 cached audio, $2.50 output:
    // 7,000 text + 1,000 uncached audio + 2,000 cached audio + 100 output
    expect(price('gcp.gemini', 'gemini-2.5-flash', usage)).toBe(
      nanos(7_000 * 0.3 + 1_000 * 1 + 2_000 * 0.1 + 100 * 2.5),
    );
  });

  it('adds tool-use prompt tokens to input', () => {
    const usage = fromGeminiUsage({
      promptTokenCount: 1_000,
      toolUsePromptTokenCount: 500,
      candidatesTokenCount: 10,
    });
    expect(usage.inputTokens).toBe(1_500);
  });
});

describe('generic counts', () => {
  const expected = nanos(1_000 * 3 + 50_000 * 0.3 + 4_000 * 3.75 + 6_000 * 6 + 2_000 * 15);

  it('semconv counts (cache inside input) are taken as they are', () => {
    const usage = fromGenericUsage({
      inputTokens: 61_000,
      outputTokens: 2_000,
      cacheReadTokens: 50_000,
      cacheWriteTokens: 10_000,
      cacheWrite1hTokens: 6_000,
    });
    expect(price('anthropic', 'claude-sonnet-4-5', usage)).toBe(expected);
  });

  it('counts with cache beside input (Bedrock Converse style) are added once', () => {
    const usage = fromGenericUsage(
      {
        inputTokens: 1_000,
        outputTokens: 2_000,
        cacheReadTokens: 50_000,
        cacheWriteTokens: 10_000,
        cacheWrite1hTokens: 6_000,
      },
      { inputIncludesCache: false, outputIncludesReasoning: true },
    );
    expect(price('anthropic', 'claude-sonnet-4-5', usage)).toBe(expected);
  });

  it('reasoning beside output is added to output once', () => {
    const usage = fromGenericUsage(
      { inputTokens: 0, outputTokens: 500, reasoningTokens: 1_500 },
      { inputIncludesCache: true, outputIncludesReasoning: false },
    );
    expect(usage.outputTokens).toBe(2_000);
    expect(price('gcp.gemini', 'gemini-2.5-flash', usage)).toBe(nanos(2_000 * 2.5));
  });
});
