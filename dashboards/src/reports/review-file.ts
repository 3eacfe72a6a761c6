/**
 * The review file of seed 000's category-accuracy review: the columns `agentmeter review`
 * writes (what identifies and describes a sampled call, then the columns a person marks), and
 * the reading of a marked file back, validated row by row.
 */
import { CsvSyntaxError, csvLine, parseCsv } from './csv.js';

/** What the sample shows of each call, in file order (the `llm_spans` columns it comes from). */
export const SAMPLE_COLUMNS = [
  'span_id',
  'trace_id',
  'started_at',
  'service_name',
  'project',
  'workflow',
  'agent',
  'provider',
  'request_model',
  'strategy',
  'detected_category',
] as const;

/** Filled in by hand: `yes`/`no`, the category it should have been, anything else. */
export const MARK_COLUMNS = ['correct', 'right_category', 'notes'] as const;

export const REVIEW_COLUMNS = [...SAMPLE_COLUMNS, ...MARK_COLUMNS] as const;

export type SampledCall = Record<(typeof SAMPLE_COLUMNS)[number], string>;

const YES = new Set(['yes', 'y', 'true', '1', 'x']);
const NO = new Set(['no', 'n', 'false', '0']);

/** One marked row: the detected category, whether it was right, and what it should have been. */
export interface ReviewMark {
  readonly line: number;
  readonly spanId: string;
  readonly detected: string;
  readonly correct: boolean;
  /** The category it should have been ('' when the reviewer did not say). */
  readonly rightCategory: string;
}

export interface ReviewFile {
  readonly marks: ReviewMark[];
  /** Rows nobody marked yet: counted, not scored. */
  readonly unmarked: number;
}

export class ReviewFileError extends Error {
  readonly code = 'AGENTMETER_REVIEW_FILE';
}

export function reviewCsv(calls: readonly SampledCall[]): string {
  return (
    csvLine(REVIEW_COLUMNS) +
    calls.map((c) => csvLine([...SAMPLE_COLUMNS.map((k) => c[k]), '', '', ''])).join('')
  );
}

/** A marked review file, read back; every problem names the file's line and column. */
export function readReviewFile(text: string, file: string): ReviewFile {
  const problem = (line: number, message: string) =>
    new ReviewFileError(`${file}: line ${line}, ${message}`);
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new ReviewFileError(`${file}: ${err.message}`);
    throw err;
  }
  const [header, ...rows] = records;
  if (header === undefined)
    throw new ReviewFileError(`${file} is empty: give the file \`agentmeter review\` wrote`);
  const names = header.fields.map((f) => f.trim());
  const index = (name: string): number => {
    const i = names.indexOf(name);
    if (i < 0)
      throw problem(
        header.line,
        `the header has no \`${name}\` column: expected the columns \`agentmeter review\` writes (${REVIEW_COLUMNS.join(', ')})`,
      );
    return i;
  };
  const col = {
    spanId: index('span_id'),
    detected: index('detected_category'),
    correct: index('correct'),
    right: index('right_category'),
  };
  const at = (i: number) => `column ${i + 1} (${names[i]})`;

  const marks: ReviewMark[] = [];
  const seen = new Map<string, number>();
  let unmarked = 0;
  for (const { line, fields } of rows) {
    if (fields.length !== names.length)
      throw problem(
        line,
        `${fields.length} columns where the header has ${names.length} (a comma inside a field needs quotes)`,
      );
    const get = (i: number) => fields[i]!.trim();
    const spanId = get(col.spanId);
    const detected = get(col.detected);
    if (!spanId) throw problem(line, `${at(col.spanId)}: empty; keep the span id of each row`);
    if (!detected)
      throw problem(line, `${at(col.detected)}: empty; keep the category that was detected`);
    const first = seen.get(spanId);
    if (first !== undefined)
      throw problem(line, `${at(col.spanId)}: span ${spanId} is already on line ${first}`);
    seen.set(spanId, line);

    const mark = get(col.correct).toLowerCase();
    const rightCategory = get(col.right);
    if (!YES.has(mark) && !NO.has(mark) && mark !== '')
      throw problem(
        line,
        `${at(col.correct)}: expected yes or no (or empty when not reviewed), found '${get(col.correct)}'`,
      );
    if (mark === '' && rightCategory === '') {
      unmarked++;
      continue;
    }
    // A reviewer may give only the right category: equal to the detected one means correct.
    const correct = mark === '' ? rightCategory === detected : YES.has(mark);
    if (mark !== '' && rightCategory !== '' && correct !== (rightCategory === detected))
      throw problem(
        line,
        `${at(col.right)}: '${rightCategory}' contradicts correct = '${get(col.correct)}' for detected '${detected}'`,
      );
    marks.push({
      line,
      spanId,
      detected,
      correct,
      rightCategory: correct ? detected : rightCategory,
    });
  }
  return { marks, unmarked };
}
