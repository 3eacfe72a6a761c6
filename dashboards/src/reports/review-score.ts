/**
 * The score of a marked category review (seed 000, "Category Detection Accuracy"): accuracy
 * overall and per detected category, each in the seed's bands: above 90 % keep the heuristics,
 * 70–90 % refine the keyword lists (its next deep dive), below 70 % redesign the detection.
 */
import { DecisionLevels, type DecisionLevel } from './decisions.js';
import type { ReviewFile, ReviewMark } from './review-file.js';

export const ACCURACY_BANDS = { keep: 0.9, refine: 0.7 } as const;

export interface AccuracyBand {
  readonly level: DecisionLevel;
  readonly verdict: string;
}

/** The seed's bounds are inclusive on the middle band: exactly 90 % is "70-90%". */
export function accuracyBand(accuracy: number): AccuracyBand {
  if (accuracy > ACCURACY_BANDS.keep)
    return { level: DecisionLevels.NONE, verdict: 'keep current heuristics (> 90 %)' };
  if (accuracy >= ACCURACY_BANDS.refine)
    return { level: DecisionLevels.DEEP_DIVE, verdict: 'refine keyword lists (70–90 %)' };
  return { level: DecisionLevels.THIS_WEEK, verdict: 'redesign detection logic (< 70 %)' };
}

export interface AccuracyLine {
  /** The detected category, or undefined for the whole file. */
  readonly category: string | undefined;
  readonly marked: number;
  readonly correct: number;
  readonly accuracy: number;
  readonly band: AccuracyBand;
}

export interface ReviewScore {
  readonly overall: AccuracyLine | undefined;
  readonly categories: AccuracyLine[];
  readonly unmarked: number;
  /** Wrong detections by what they should have been, most frequent first. */
  readonly misses: { detected: string; should: string; count: number }[];
  /** Calls that should have been one of `highRisk` but were detected as something else. */
  readonly missedHighRisk: number;
}

function line(category: string | undefined, marks: readonly ReviewMark[]): AccuracyLine {
  const correct = marks.filter((m) => m.correct).length;
  const accuracy = correct / marks.length;
  return { category, marked: marks.length, correct, accuracy, band: accuracyBand(accuracy) };
}

/** `highRisk`: the categories whose false negatives are a security risk (never-fallback ones). */
export function scoreReview(file: ReviewFile, highRisk: readonly string[]): ReviewScore {
  const byCategory = new Map<string, ReviewMark[]>();
  for (const m of file.marks)
    byCategory.set(m.detected, [...(byCategory.get(m.detected) ?? []), m]);
  const missCounts = new Map<string, { detected: string; should: string; count: number }>();
  for (const m of file.marks) {
    if (m.correct) continue;
    const should = m.rightCategory || '(not given)';
    const key = `${m.detected}\u0000${should}`;
    const entry = missCounts.get(key) ?? { detected: m.detected, should, count: 0 };
    entry.count++;
    missCounts.set(key, entry);
  }
  return {
    overall: file.marks.length > 0 ? line(undefined, file.marks) : undefined,
    categories: [...byCategory]
      .map(([category, marks]) => line(category, marks))
      .sort((a, b) => b.marked - a.marked || a.category!.localeCompare(b.category!)),
    unmarked: file.unmarked,
    misses: [...missCounts.values()].sort(
      (a, b) => b.count - a.count || a.detected.localeCompare(b.detected),
    ),
    missedHighRisk: file.marks.filter(
      (m) => !m.correct && highRisk.includes(m.rightCategory) && !highRisk.includes(m.detected),
    ).length,
  };
}
