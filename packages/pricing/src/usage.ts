/**
 * Token usage of one call, in OpenTelemetry GenAI semantic-convention terms: every count is a
 * subset of the total it refines, never an addition to it. Provider conventions that report
 * parts separately are converted by the normalisers in `normalize/`.
 */
export interface TokenUsage {
  /** All input tokens, INCLUDING cache reads, cache writes and every modality. */
  readonly inputTokens: number;
  /** All output tokens, INCLUDING reasoning tokens and every modality. */
  readonly outputTokens: number;
  /** Input tokens served from the prompt cache (⊆ inputTokens). */
  readonly cacheReadTokens?: number;
  /** Input tokens written to the prompt cache, every TTL (⊆ inputTokens). */
  readonly cacheWriteTokens?: number;
  /** Cache writes with a one-hour TTL (⊆ cacheWriteTokens); the rest are five-minute writes. */
  readonly cacheWrite1hTokens?: number;
  /** Reasoning/thinking tokens (⊆ outputTokens); priced as output unless the model has a reasoning rate. */
  readonly reasoningTokens?: number;
  /** Audio input tokens (⊆ inputTokens). */
  readonly inputAudioTokens?: number;
  /** Image input tokens (⊆ inputTokens). */
  readonly inputImageTokens?: number;
  /** Video input tokens (⊆ inputTokens). */
  readonly inputVideoTokens?: number;
  /** Cached audio input tokens (⊆ cacheReadTokens and ⊆ inputAudioTokens). */
  readonly cacheReadAudioTokens?: number;
  /** Cached image input tokens (⊆ cacheReadTokens and ⊆ inputImageTokens). */
  readonly cacheReadImageTokens?: number;
  /** Audio output tokens (⊆ outputTokens). */
  readonly outputAudioTokens?: number;
  /** Image output tokens (⊆ outputTokens). */
  readonly outputImageTokens?: number;
  /** Video output tokens (⊆ outputTokens). */
  readonly outputVideoTokens?: number;
}

export type UsageField = keyof TokenUsage;

/** The fields in a fixed order; `countsOf` reads them in this order and `Counts` indices refer to it. */
export const FIELD_NAMES: readonly UsageField[] = [
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'cacheWrite1hTokens',
  'reasoningTokens',
  'inputAudioTokens',
  'inputImageTokens',
  'inputVideoTokens',
  'cacheReadAudioTokens',
  'cacheReadImageTokens',
  'outputAudioTokens',
  'outputImageTokens',
  'outputVideoTokens',
];

/** A usage record's counts in FIELD_NAMES order (absent = undefined). */
export type Counts = readonly (number | undefined)[];

export const FIELD_INDEX: ReadonlyMap<UsageField, number> = new Map(
  FIELD_NAMES.map((field, index) => [field, index]),
);

/** Reads the counts with named property reads, which stay fast on the hot path (keyed reads do not). */
export function countsOf(u: TokenUsage): Counts {
  return [
    u.inputTokens,
    u.outputTokens,
    u.cacheReadTokens,
    u.cacheWriteTokens,
    u.cacheWrite1hTokens,
    u.reasoningTokens,
    u.inputAudioTokens,
    u.inputImageTokens,
    u.inputVideoTokens,
    u.cacheReadAudioTokens,
    u.cacheReadImageTokens,
    u.outputAudioTokens,
    u.outputImageTokens,
    u.outputVideoTokens,
  ];
}

/** Subset rules: the sum of the parts on the left may not exceed the total on the right. */
const SUBSETS: readonly (readonly [readonly UsageField[], UsageField])[] = [
  [['cacheReadTokens', 'cacheWriteTokens'], 'inputTokens'],
  [['inputAudioTokens', 'inputImageTokens', 'inputVideoTokens'], 'inputTokens'],
  [['cacheWrite1hTokens'], 'cacheWriteTokens'],
  [['cacheReadAudioTokens', 'cacheReadImageTokens'], 'cacheReadTokens'],
  [['cacheReadAudioTokens'], 'inputAudioTokens'],
  [['cacheReadImageTokens'], 'inputImageTokens'],
  [['reasoningTokens'], 'outputTokens'],
  [['outputAudioTokens', 'outputImageTokens', 'outputVideoTokens'], 'outputTokens'],
];
const SUBSET_INDICES = SUBSETS.map(([parts, total]) => ({
  parts: parts.map((field) => FIELD_NAMES.indexOf(field)),
  total: FIELD_NAMES.indexOf(total),
}));

/**
 * Returns what is wrong with a usage record's counts, or undefined when they are consistent. A
 * part larger than its total is the signature of a producer that reports cache or reasoning
 * tokens on top of the total instead of inside it; pricing it would double count, so it is refused.
 */
export function countsProblem(counts: Counts): string | undefined {
  for (let index = 0; index < counts.length; index++) {
    const value = counts[index];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      return `${FIELD_NAMES[index]} must be a non-negative integer, got ${String(value)}`;
    }
  }
  for (let rule = 0; rule < SUBSET_INDICES.length; rule++) {
    const { parts, total } = SUBSET_INDICES[rule] as (typeof SUBSET_INDICES)[number];
    let sum = 0;
    for (const part of parts) sum += counts[part] ?? 0;
    const limit = counts[total] ?? 0;
    if (sum > limit) {
      const [names, totalName] = SUBSETS[rule] as (typeof SUBSETS)[number];
      return `${names.join(' + ')} (${sum}) exceeds ${totalName} (${limit}); semconv counts parts inside their total`;
    }
  }
  return undefined;
}
