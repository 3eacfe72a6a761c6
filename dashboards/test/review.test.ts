/**
 * Seed 000's category-accuracy review: the sample of detected-category calls (random,
 * reproducible by seed, on the real engine) and the score of a marked file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readReviewFile,
  reviewCsv,
  sampleForReview,
  scoreReview,
  ReviewFileError,
  REVIEW_COLUMNS,
} from '../src/reports/index.js';
import { openEngine, span, type Engine } from './reports-fixture.js';

const FROM = Date.parse('2026-11-23T00:00:00Z');
const TO = Date.parse('2026-11-30T00:00:00Z');
const HIGH_RISK = ['security_auth_change'];

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
  const spans = [];
  // 40 routed calls with a detected category, the first 10 retried (two spans, one parent).
  for (let i = 0; i < 40; i++) {
    const day = String(23 + (i % 7)).padStart(2, '0');
    const call = {
      trace_id: `d${i}`.padStart(32, '0'),
      parent_span_id: `p${i}`,
      category: i % 2 ? 'docs' : 'core_backend_high',
      category_source: 'detected',
    };
    spans.push(span(`2026-11-${day}T10:00:00Z`, { ...call, span_id: `d${i}-1` }));
    if (i < 10) spans.push(span(`2026-11-${day}T10:00:05Z`, { ...call, span_id: `d${i}-2` }));
  }
  // Explicit categories, and detected ones outside the period, are never sampled.
  for (let i = 0; i < 20; i++)
    spans.push(span('2026-11-25T12:00:00Z', { category: 'tests', category_source: 'explicit' }));
  spans.push(span('2026-11-22T23:59:59Z', { category: 'docs', category_source: 'detected' }));
  spans.push(span('2026-11-30T00:00:00Z', { category: 'docs', category_source: 'detected' }));
  await engine.insertSpans(spans);
});
afterAll(() => engine?.close());

const sample = (seed: bigint, size = 50) =>
  sampleForReview(engine.run, { from: FROM, to: TO, size, seed });

describe('review sample', () => {
  it('holds only detected-category calls of the period, one row per routed call', async () => {
    const rows = await sample(1n);
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.trace_id)).size).toBe(40);
    expect(new Set(rows.map((r) => r.detected_category))).toEqual(
      new Set(['docs', 'core_backend_high']),
    );
    // The routed call is shown by its first span.
    expect(rows.filter((r) => r.span_id.endsWith('-2'))).toEqual([]);
  });

  it('is the same for the same seed and another for another seed', async () => {
    const a = (await sample(7n, 10)).map((r) => r.span_id);
    const b = (await sample(7n, 10)).map((r) => r.span_id);
    const c = (await sample(8n, 10)).map((r) => r.span_id);
    expect(a).toHaveLength(10);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('writes a CSV with the span ids and empty columns to mark, which reads back unmarked', async () => {
    const rows = await sample(3n, 5);
    const csv = reviewCsv(rows);
    const [header, ...lines] = csv.trimEnd().split('\n');
    expect(header).toBe(REVIEW_COLUMNS.join(','));
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => l.endsWith(',,,'))).toBe(true);
    const read = readReviewFile(csv, 'review.csv');
    expect(read).toEqual({ marks: [], unmarked: 5 });
  });
});

/** A marked file: the header the command writes and rows [span, detected, correct, right]. */
function marked(rows: [string, string, string, string][]): string {
  const head = REVIEW_COLUMNS.join(',');
  const line = ([id, detected, correct, right]: [string, string, string, string]) =>
    REVIEW_COLUMNS.map((c) =>
      c === 'span_id'
        ? id
        : c === 'detected_category'
          ? detected
          : c === 'correct'
            ? correct
            : c === 'right_category'
              ? right
              : '',
    ).join(',');
  return [head, ...rows.map(line)].join('\n') + '\n';
}

describe('review score', () => {
  it('computes accuracy overall and per category, in the seed bands, unmarked rows left out', () => {
    const rows: [string, string, string, string][] = [];
    // core_backend_high: 9 right of 10 (90 %: the middle band); docs: 19 of 20 (95 %);
    // tests: 2 of 4 (50 %), two misses that were security work.
    for (let i = 0; i < 10; i++)
      rows.push([`c${i}`, 'core_backend_high', i < 9 ? 'yes' : 'no', i < 9 ? '' : 'docs']);
    for (let i = 0; i < 20; i++) rows.push([`d${i}`, 'docs', i < 19 ? 'Y' : 'n', '']);
    rows.push(['t0', 'tests', 'yes', ''], ['t1', 'tests', '', 'tests']);
    rows.push(['t2', 'tests', 'no', 'security_auth_change']);
    rows.push(['t3', 'tests', '', 'security_auth_change']);
    rows.push(['u0', 'docs', '', ''], ['u1', 'tests', '', '']);
    const score = scoreReview(readReviewFile(marked(rows), 'r.csv'), HIGH_RISK);

    expect(score.unmarked).toBe(2);
    expect(score.overall).toMatchObject({ marked: 34, correct: 30 });
    expect(score.overall!.accuracy).toBeCloseTo(30 / 34, 12);
    expect(score.overall!.band.level).toBe('next_deep_dive');
    const by = Object.fromEntries(score.categories.map((c) => [c.category, c]));
    expect(by['docs']).toMatchObject({ marked: 20, correct: 19, accuracy: 0.95 });
    expect(by['docs']!.band.level).toBe('no_action');
    expect(by['core_backend_high']).toMatchObject({ marked: 10, correct: 9, accuracy: 0.9 });
    expect(by['core_backend_high']!.band.level).toBe('next_deep_dive');
    expect(by['tests']).toMatchObject({ marked: 4, correct: 2, accuracy: 0.5 });
    expect(by['tests']!.band.level).toBe('this_week');
    expect(score.misses).toEqual([
      { detected: 'tests', should: 'security_auth_change', count: 2 },
      { detected: 'core_backend_high', should: 'docs', count: 1 },
      { detected: 'docs', should: '(not given)', count: 1 },
    ]);
    expect(score.missedHighRisk).toBe(2);
  });

  it('puts exactly 70 % in the middle band and just below it in the lowest', () => {
    const at = (right: number, of: number) =>
      scoreReview(
        readReviewFile(
          marked(
            Array.from({ length: of }, (_, i) => [`s${i}`, 'docs', i < right ? 'yes' : 'no', '']),
          ),
          'r.csv',
        ),
        HIGH_RISK,
      ).overall!.band.level;
    expect(at(7, 10)).toBe('next_deep_dive');
    expect(at(69, 100)).toBe('this_week');
    expect(at(91, 100)).toBe('no_action');
  });

  it('names the line and column of bad input', () => {
    const bad = (text: string) => () => readReviewFile(text, 'r.csv');
    expect(bad(marked([['a', 'docs', 'maybe', '']]))).toThrow(
      "r.csv: line 2, column 12 (correct): expected yes or no (or empty when not reviewed), found 'maybe'",
    );
    expect(bad(marked([['a', 'docs', 'yes', 'tests']]))).toThrow(
      "r.csv: line 2, column 13 (right_category): 'tests' contradicts correct = 'yes' for detected 'docs'",
    );
    expect(
      bad(
        marked([
          ['a', 'docs', 'yes', ''],
          ['a', 'docs', 'no', ''],
        ]),
      ),
    ).toThrow('r.csv: line 3, column 1 (span_id): span a is already on line 2');
    expect(bad(marked([['a', 'docs', 'yes', '']]).replace(',yes,', ',yes,,x,'))).toThrow(
      'r.csv: line 2, 16 columns where the header has 14',
    );
    expect(bad('span_id,detected_category,right_category\n')).toThrow(
      'r.csv: line 1, the header has no `correct` column',
    );
    expect(bad(marked([['a', 'docs', '"yes', '']]))).toThrow(
      'r.csv: line 2, column 12: a quoted field is never closed',
    );
    expect(bad('')).toThrow(ReviewFileError);
  });

  it('reads quoted fields with commas, quotes and line breaks, and CRLF line ends', () => {
    const text = marked([['a', 'docs', 'no', 'tests']])
      .replace(/\n/g, '\r\n')
      .replace(',no,tests,', ',no,tests,"said ""fix"", then\r\nleft"');
    const file = readReviewFile(text, 'r.csv');
    expect(file.marks).toEqual([
      { line: 2, spanId: 'a', detected: 'docs', correct: false, rightCategory: 'tests' },
    ]);
  });
});
