/**
 * Anthropic Messages API usage → semconv usage. Anthropic's `input_tokens` EXCLUDES
 * `cache_read_input_tokens` and `cache_creation_input_tokens`, so they are added to form the
 * semconv total. Its `output_tokens` already include thinking tokens.
 */
import type { TokenUsage } from '../usage.js';
import { count } from './count.js';

export interface AnthropicUsage {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  /** All cache writes; equals the sum of the TTL split when that is present. */
  readonly cache_creation_input_tokens?: number | null;
  readonly cache_creation?: {
    readonly ephemeral_5m_input_tokens?: number | null;
    readonly ephemeral_1h_input_tokens?: number | null;
  } | null;
}

export function fromAnthropicUsage(usage: AnthropicUsage): TokenUsage {
  const cacheRead = count(usage.cache_read_input_tokens);
  const write5m = count(usage.cache_creation?.ephemeral_5m_input_tokens);
  const write1h = count(usage.cache_creation?.ephemeral_1h_input_tokens);
  const cacheWrite = usage.cache_creation_input_tokens ?? write5m + write1h;
  return {
    inputTokens: count(usage.input_tokens) + cacheRead + cacheWrite,
    outputTokens: count(usage.output_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: write1h,
  };
}
