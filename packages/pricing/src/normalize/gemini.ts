/**
 * Google Gemini `usageMetadata` (Gemini API and Vertex AI, REST/JS field names) → semconv usage.
 *   - `promptTokenCount` INCLUDES `cachedContentTokenCount`.
 *   - `toolUsePromptTokenCount` is NOT in `promptTokenCount`; it is billed as input, so added.
 *   - `thoughtsTokenCount` is NOT in `candidatesTokenCount`; thoughts are billed as output, so
 *     semconv output is candidates + thoughts, with thoughts as the reasoning subset.
 * (`totalTokenCount` = prompt + toolUsePrompt + candidates + thoughts.) Per-modality details
 * give audio/image/video counts, which some models price apart from text.
 */
import type { TokenUsage } from '../usage.js';
import { count } from './count.js';

export interface GeminiModalityCount {
  readonly modality?: string | null;
  readonly tokenCount?: number | null;
}

export interface GeminiUsageMetadata {
  readonly promptTokenCount?: number | null;
  readonly cachedContentTokenCount?: number | null;
  readonly candidatesTokenCount?: number | null;
  readonly thoughtsTokenCount?: number | null;
  readonly toolUsePromptTokenCount?: number | null;
  readonly promptTokensDetails?: readonly GeminiModalityCount[] | null;
  readonly cacheTokensDetails?: readonly GeminiModalityCount[] | null;
  readonly candidatesTokensDetails?: readonly GeminiModalityCount[] | null;
  readonly toolUsePromptTokensDetails?: readonly GeminiModalityCount[] | null;
}

function ofModality(
  details: readonly GeminiModalityCount[] | null | undefined,
  modality: string,
): number {
  return (details ?? []).reduce(
    (sum, item) => (item.modality?.toUpperCase() === modality ? sum + count(item.tokenCount) : sum),
    0,
  );
}

export function fromGeminiUsage(usage: GeminiUsageMetadata): TokenUsage {
  const thoughts = count(usage.thoughtsTokenCount);
  const inputByModality = (modality: string): number =>
    ofModality(usage.promptTokensDetails, modality) +
    ofModality(usage.toolUsePromptTokensDetails, modality);
  return {
    inputTokens: count(usage.promptTokenCount) + count(usage.toolUsePromptTokenCount),
    outputTokens: count(usage.candidatesTokenCount) + thoughts,
    cacheReadTokens: count(usage.cachedContentTokenCount),
    reasoningTokens: thoughts,
    inputAudioTokens: inputByModality('AUDIO'),
    inputImageTokens: inputByModality('IMAGE'),
    inputVideoTokens: inputByModality('VIDEO'),
    cacheReadAudioTokens: ofModality(usage.cacheTokensDetails, 'AUDIO'),
    cacheReadImageTokens: ofModality(usage.cacheTokensDetails, 'IMAGE'),
    outputAudioTokens: ofModality(usage.candidatesTokensDetails, 'AUDIO'),
    outputImageTokens: ofModality(usage.candidatesTokensDetails, 'IMAGE'),
    outputVideoTokens: ofModality(usage.candidatesTokensDetails, 'VIDEO'),
  };
}
