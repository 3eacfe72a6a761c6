/**
 * Provider usage → semconv TokenUsage, through the pricing package's normalisers, plus the
 * conventions of OpenAI-compatible hosts that differ from OpenAI's own. Getting these wrong double
 * counts (or drops) cache and reasoning tokens, the most reported cost bug of every peer.
 */
import {
  fromOpenAIUsage,
  type AnthropicUsage,
  type OpenAIChatUsage,
  type TokenUsage,
} from '@agentmeter/pricing';

/** Chat Completions `usage` as OpenAI and the compatible hosts send it. */
export interface OpenAIWireUsage extends OpenAIChatUsage {
  readonly total_tokens?: number | null;
  /** DeepSeek: cache hits, inside `prompt_tokens` (with `prompt_cache_miss_tokens` the rest). */
  readonly prompt_cache_hit_tokens?: number | null;
}

function count(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

export function usageFromOpenAI(usage: OpenAIWireUsage): TokenUsage {
  const base = fromOpenAIUsage(usage);
  let { outputTokens, cacheReadTokens } = base;
  // DeepSeek reports cache hits in its own field when it has no `prompt_tokens_details`.
  if (!cacheReadTokens) cacheReadTokens = count(usage.prompt_cache_hit_tokens);
  // xAI (and some gateways) count reasoning BESIDE completion_tokens; their total says so:
  // total = prompt + completion + reasoning. OpenAI's total is prompt + completion.
  const reasoning = base.reasoningTokens ?? 0;
  if (
    reasoning > 0 &&
    count(usage.total_tokens) === base.inputTokens + base.outputTokens + reasoning
  ) {
    outputTokens += reasoning;
  }
  return { ...base, outputTokens, cacheReadTokens };
}

/**
 * A streamed Anthropic message's usage: `message_start` carries the input side, `message_delta`
 * the final (cumulative) output count and, in newer API versions, the input counts again. A count
 * the delta repeats replaces the start's; one it leaves out (or sends as null) is kept.
 */
export function mergeAnthropicUsage(start: AnthropicUsage, delta: AnthropicUsage): AnthropicUsage {
  const merged: Record<string, unknown> = { ...start };
  for (const [key, value] of Object.entries(delta)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged as AnthropicUsage;
}
