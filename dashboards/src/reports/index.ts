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
