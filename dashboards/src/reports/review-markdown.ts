/** A review's score as Markdown: the verdict, the table per category, what the misses were. */
import { LEVEL_LABELS } from './decisions.js';
import { count, percent, table } from './markdown.js';
import type { ReviewScore } from './review-score.js';

export function reviewMarkdown(s: ReviewScore, file: string): string {
  let out = `# Category detection accuracy (${file})\n\n`;
  if (s.overall === undefined)
    return `${out}No row is marked yet (${count(s.unmarked)} unmarked): fill in \`correct\` (yes/no) or \`right_category\`.\n`;
  const o = s.overall;
  out += `**Accuracy**: ${percent(o.accuracy)} (${count(o.correct)} of ${count(o.marked)} marked calls) — ${o.band.verdict}: ${LEVEL_LABELS[o.band.level]}\n\n`;
  out += `Unmarked rows (not counted): ${count(s.unmarked)}\n\n`;
  out += table(
    ['Detected category', 'Marked', 'Correct', 'Accuracy', 'Band'],
    s.categories.map((c) => [
      c.category || '(none)',
      count(c.marked),
      count(c.correct),
      percent(c.accuracy),
      c.band.verdict,
    ]),
  );
  if (s.misses.length > 0)
    out += `\nMisdetections:\n\n${table(
      ['Detected', 'Should have been', 'Calls'],
      s.misses.map((m) => [m.detected || '(none)', m.should, count(m.count)]),
    )}`;
  if (s.missedHighRisk > 0)
    out += `\n⚠️ ${count(s.missedHighRisk)} high-risk calls were detected as another category: a false negative is a security risk.\n`;
  return out;
}
