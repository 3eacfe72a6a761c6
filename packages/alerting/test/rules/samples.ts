/** Reading evaluations in tests. */
import type { Evaluation, Sample } from '../../src/model.js';

/** The samples of an evaluation that must have succeeded. */
export function samplesOf(e: Evaluation): readonly Sample[] {
  if (!e.ok) throw new Error(`evaluation failed: ${e.error}`);
  return e.samples;
}

/** Samples by the value of one of their labels. */
export function byLabel(found: readonly Sample[], label: string): Record<string, Sample> {
  return Object.fromEntries(found.map((s) => [s.labels[label] ?? '', s]));
}
