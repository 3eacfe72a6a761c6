/**
 * Any other producer: say which convention its counts follow. Semconv (and OpenAI, Gemini's
 * prompt count) put cache tokens inside the input total; Anthropic, AWS Bedrock Converse and
 * some SDKs report them beside it. Likewise reasoning inside or beside the output total.
 */
import type { TokenUsage } from '../usage.js';

export interface GenericCounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
  readonly cacheWrite1hTokens?: number;
  readonly reasoningTokens?: number;
}

export interface CountConvention {
  /** True when `inputTokens` already includes cache reads and writes (semconv). */
  readonly inputIncludesCache: boolean;
  /** True when `outputTokens` already includes reasoning tokens (semconv). */
  readonly outputIncludesReasoning: boolean;
}

export const SEMCONV: CountConvention = { inputIncludesCache: true, outputIncludesReasoning: true };

export function fromGenericUsage(
  counts: GenericCounts,
  convention: CountConvention = SEMCONV,
): TokenUsage {
  const cacheRead = counts.cacheReadTokens ?? 0;
  const cacheWrite = counts.cacheWriteTokens ?? 0;
  const reasoning = counts.reasoningTokens ?? 0;
  return {
    inputTokens: convention.inputIncludesCache
      ? counts.inputTokens
      : counts.inputTokens + cacheRead + cacheWrite,
    outputTokens: convention.outputIncludesReasoning
      ? counts.outputTokens
      : counts.outputTokens + reasoning,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: counts.cacheWrite1hTokens ?? 0,
    reasoningTokens: reasoning,
  };
}
