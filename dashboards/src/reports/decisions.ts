/**
 * Seed 000's decision triggers ("Part 5"): four levels, from an alert within the hour to no
 * action. Every check of a report ends in one of them; a report's verdict is its most urgent.
 */

export const DecisionLevels = {
  IMMEDIATE: 'immediate',
  THIS_WEEK: 'this_week',
  DEEP_DIVE: 'next_deep_dive',
  NONE: 'no_action',
} as const;
export type DecisionLevel = (typeof DecisionLevels)[keyof typeof DecisionLevels];

/** Most urgent first. */
export const LEVEL_ORDER: readonly DecisionLevel[] = [
  DecisionLevels.IMMEDIATE,
  DecisionLevels.THIS_WEEK,
  DecisionLevels.DEEP_DIVE,
  DecisionLevels.NONE,
];

/** The seed's headings, with the marks a Markdown reader scans for. */
export const LEVEL_LABELS: Readonly<Record<DecisionLevel, string>> = {
  immediate: '🚨 Immediate action',
  this_week: '⚠️ Action this week',
  next_deep_dive: '📊 Next monthly deep dive',
  no_action: '✅ No action',
};

/** One evaluated trigger: what it says about the data, at which level. */
export interface Finding {
  readonly level: DecisionLevel;
  /** The seed's trigger, as it reads (`>50% escalation rate for best_first category`). */
  readonly trigger: string;
  /** What in the data fired it, or why it is fine. */
  readonly detail: string;
}

export function mostUrgent(findings: readonly Finding[]): DecisionLevel {
  return LEVEL_ORDER.find((l) => findings.some((f) => f.level === l)) ?? DecisionLevels.NONE;
}
