/**
 * Seed 000's review sample: random detected-category calls of a period, reproducible by seed.
 */
import type { Period } from './panels.js';
import { REVIEW_SAMPLE } from './queries.js';
import type { SampledCall } from './review-file.js';
import type { QueryRunner } from './runner.js';

export interface SampleOptions extends Period {
  /** How many calls (seed 000: 50). */
  readonly size: number;
  /** The same seed over the same data gives the same sample. */
  readonly seed: bigint;
}

export function sampleForReview(run: QueryRunner, o: SampleOptions): Promise<SampledCall[]> {
  return run.rows<SampledCall>(REVIEW_SAMPLE.sql, REVIEW_SAMPLE.params(o));
}
