/**
 * OpenAI usage → semconv usage. OpenAI already follows the semconv shape: `prompt_tokens`
 * (Responses API: `input_tokens`) INCLUDE `cached_tokens`, and `completion_tokens`
 * (`output_tokens`) INCLUDE `reasoning_tokens`, so details are copied as subsets, never added.
 */
import type { TokenUsage } from '../usage.js';
import { count } from './count.js';

interface InputDetails {
  readonly cached_tokens?: number | null;
  readonly audio_tokens?: number | null;
}

interface OutputDetails {
  readonly reasoning_tokens?: number | null;
  readonly audio_tokens?: number | null;
}

/** Chat Completions `usage`. */
export interface OpenAIChatUsage {
  readonly prompt_tokens?: number | null;
  readonly completion_tokens?: number | null;
  readonly prompt_tokens_details?: InputDetails | null;
  readonly completion_tokens_details?: OutputDetails | null;
}

/** Responses API `usage`. */
export interface OpenAIResponsesUsage {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly input_tokens_details?: InputDetails | null;
  readonly output_tokens_details?: OutputDetails | null;
}

function isChat(usage: OpenAIChatUsage | OpenAIResponsesUsage): usage is OpenAIChatUsage {
  return 'prompt_tokens' in usage || 'completion_tokens' in usage;
}

export function fromOpenAIUsage(usage: OpenAIChatUsage | OpenAIResponsesUsage): TokenUsage {
  const [input, output, inDetails, outDetails] = isChat(usage)
    ? [
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.prompt_tokens_details,
        usage.completion_tokens_details,
      ]
    : [
        usage.input_tokens,
        usage.output_tokens,
        usage.input_tokens_details,
        usage.output_tokens_details,
      ];
  return {
    inputTokens: count(input),
    outputTokens: count(output),
    cacheReadTokens: count(inDetails?.cached_tokens),
    inputAudioTokens: count(inDetails?.audio_tokens),
    reasoningTokens: count(outDetails?.reasoning_tokens),
    outputAudioTokens: count(outDetails?.audio_tokens),
  };
}
