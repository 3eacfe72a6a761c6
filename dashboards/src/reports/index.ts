/** `@agentmeter/dashboards/reports`: seed 000's weekly report and category review, seed 004's daily summary. */
export * from './decisions.js';
export type { QueryRunner } from './runner.js';
export { CsvSyntaxError } from './csv.js';
export {
  REVIEW_COLUMNS,
  ReviewFileError,
  readReviewFile,
  reviewCsv,
  type ReviewFile,
  type ReviewMark,
  type SampledCall,
} from './review-file.js';
export { sampleForReview, type SampleOptions } from './review-sample.js';
export {
  ACCURACY_BANDS,
  accuracyBand,
  scoreReview,
  type AccuracyBand,
  type AccuracyLine,
  type ReviewScore,
} from './review-score.js';
export { Panels, type Period } from './panels.js';
export {
  WEEKLY_SECTIONS,
  WEEKLY_TRIGGERS,
  escalationBand,
  weeklyFindings,
  weeklyReport,
  weeklyVerdict,
  type WeeklyOptions,
  type WeeklyReport,
} from './weekly.js';
export { weeklyMarkdown } from './weekly-markdown.js';
export {
  DAILY_TRIGGERS,
  Severities,
  dailySummary,
  recommend,
  trend,
  type DailySummary,
  type Recommendation,
  type Severity,
} from './daily.js';
export { dailyMarkdown } from './daily-markdown.js';
export { reviewMarkdown } from './review-markdown.js';
