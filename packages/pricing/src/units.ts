/**
 * The priced units this package understands: the token units of genai-prices' unit registry
 * (its `prices/units.yml`) that a `TokenUsage` can report, plus the per-request fee.
 * Dimensions carry genai-prices' meaning: a unit whose dimensions are a subset of another's is
 * its ancestor, and an ancestor's tokens include its descendants' (cache reads are input).
 * Price keys outside this table (web searches, audio seconds, pages) are not token-metered and
 * are ignored; a call that reports tokens no table unit can price is refused as unpriced.
 */
import type { UsageField } from './usage.js';

/** Which cost bucket a unit's charge is reported in. */
export type CostPart = 'input' | 'cacheRead' | 'cacheWrite' | 'output' | 'request';

export interface UnitDef {
  /** genai-prices price key, e.g. `input_mtok` (USD per million tokens). */
  readonly priceKey: string;
  /** Where the quantity comes from; `requests` is always one per call. */
  readonly source: UsageField | 'requests';
  /** Decimal digits that turn the quoted price into integer pico-USD per unit (12 − log10(per)). */
  readonly scale: number;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly part: CostPart;
}

const MTOK = 6;
const KCOUNT = 9;
const inputDims = { direction: 'input', family: 'tokens' } as const;
const outputDims = { direction: 'output', family: 'tokens' } as const;

export const UNITS: readonly UnitDef[] = [
  {
    priceKey: 'input_mtok',
    source: 'inputTokens',
    scale: MTOK,
    dimensions: inputDims,
    part: 'input',
  },
  {
    priceKey: 'cache_read_mtok',
    source: 'cacheReadTokens',
    scale: MTOK,
    dimensions: { ...inputDims, token_type: 'cache_read' },
    part: 'cacheRead',
  },
  {
    priceKey: 'cache_write_mtok',
    source: 'cacheWriteTokens',
    scale: MTOK,
    dimensions: { ...inputDims, token_type: 'cache_write' },
    part: 'cacheWrite',
  },
  {
    priceKey: 'cache_write_1h_mtok',
    source: 'cacheWrite1hTokens',
    scale: MTOK,
    dimensions: { ...inputDims, token_type: 'cache_write', cache_ttl: '1h' },
    part: 'cacheWrite',
  },
  {
    priceKey: 'input_audio_mtok',
    source: 'inputAudioTokens',
    scale: MTOK,
    dimensions: { ...inputDims, modality: 'audio' },
    part: 'input',
  },
  {
    priceKey: 'input_image_mtok',
    source: 'inputImageTokens',
    scale: MTOK,
    dimensions: { ...inputDims, modality: 'image' },
    part: 'input',
  },
  {
    priceKey: 'input_video_mtok',
    source: 'inputVideoTokens',
    scale: MTOK,
    dimensions: { ...inputDims, modality: 'video' },
    part: 'input',
  },
  {
    priceKey: 'cache_audio_read_mtok',
    source: 'cacheReadAudioTokens',
    scale: MTOK,
    dimensions: { ...inputDims, modality: 'audio', token_type: 'cache_read' },
    part: 'cacheRead',
  },
  {
    priceKey: 'cache_image_read_mtok',
    source: 'cacheReadImageTokens',
    scale: MTOK,
    dimensions: { ...inputDims, modality: 'image', token_type: 'cache_read' },
    part: 'cacheRead',
  },
  {
    priceKey: 'output_mtok',
    source: 'outputTokens',
    scale: MTOK,
    dimensions: outputDims,
    part: 'output',
  },
  {
    priceKey: 'output_reasoning_mtok',
    source: 'reasoningTokens',
    scale: MTOK,
    dimensions: { ...outputDims, token_type: 'reasoning' },
    part: 'output',
  },
  {
    priceKey: 'output_audio_mtok',
    source: 'outputAudioTokens',
    scale: MTOK,
    dimensions: { ...outputDims, modality: 'audio' },
    part: 'output',
  },
  {
    priceKey: 'output_image_mtok',
    source: 'outputImageTokens',
    scale: MTOK,
    dimensions: { ...outputDims, modality: 'image' },
    part: 'output',
  },
  {
    priceKey: 'output_video_mtok',
    source: 'outputVideoTokens',
    scale: MTOK,
    dimensions: { ...outputDims, modality: 'video' },
    part: 'output',
  },
  {
    priceKey: 'requests_kcount',
    source: 'requests',
    scale: KCOUNT,
    dimensions: { family: 'requests' },
    part: 'request',
  },
];

export const UNIT_BY_PRICE_KEY: ReadonlyMap<string, number> = new Map(
  UNITS.map((unit, index) => [unit.priceKey, index]),
);

/** True when `ancestor`'s dimensions are a strict subset of `descendant`'s. */
export function isAncestor(ancestor: UnitDef, descendant: UnitDef): boolean {
  if (ancestor === descendant) return false;
  return Object.entries(ancestor.dimensions).every(
    ([key, value]) => descendant.dimensions[key] === value,
  );
}

/** The registry unit holding exactly the union of two compatible units' dimensions, if any. */
export function joinOf(a: UnitDef, b: UnitDef): UnitDef | undefined {
  const union: Record<string, string> = { ...a.dimensions };
  for (const [key, value] of Object.entries(b.dimensions)) {
    if (union[key] !== undefined && union[key] !== value) return undefined;
    union[key] = value;
  }
  const size = Object.keys(union).length;
  return UNITS.find(
    (unit) =>
      Object.keys(unit.dimensions).length === size &&
      Object.entries(union).every(([key, value]) => unit.dimensions[key] === value),
  );
}

/** The unit at a registry index; indices come from this table, so a miss is a programming error. */
export function unitAt(index: number): UnitDef {
  const unit = UNITS[index];
  if (!unit) throw new RangeError(`no unit at index ${index}`);
  return unit;
}
