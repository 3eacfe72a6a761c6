/** Seed 004's daily summary as Markdown: the figures, each provider, the recommendations. */
import type { DailySummary, Trend } from './daily.js';
import { count, dollars, percent, table, utc } from './markdown.js';

const MARKS = { critical: '🚨 critical', warning: '⚠️ warning', info: 'ℹ️ info' } as const;

function change(t: Trend, format: (x: number) => string): string {
  const by = t.change === undefined ? '' : `, ${t.change >= 0 ? '+' : ''}${percent(t.change)}`;
  return `${format(t.current)} (day before: ${format(t.previous)}${by}, ${t.direction})`;
}

export function dailyMarkdown(s: DailySummary): string {
  let out = `# agentmeter Daily Summary\n\n`;
  out += `**Date**: ${s.label} (${utc(s.from)} to ${utc(s.to)}, end excluded)\n\n`;
  out += `**Generated**: ${utc(s.generatedAt)}\n\n`;
  out += `- Total calls: ${count(s.calls)}\n`;
  out += `- Success rate: ${percent(s.successRate)}\n`;
  out += `- Error rate: ${change(s.errorTrend, percent)}\n`;
  out += `- Health score: ${s.healthScore === undefined ? '– (no provider with enough calls)' : s.healthScore.toFixed(0)}\n`;
  out += `- Cost: ${change(s.cost, dollars)}\n`;
  out += `- Response-cache savings: ${dollars(s.cacheSavedUsd)} (hit rate ${percent(s.cacheHitRate)})\n\n`;
  out += `## Providers\n\n`;
  out += table(
    ['Provider', 'Calls', 'Share', 'Success rate', 'p95 (ms)', 'Rate-limited', 'Health score'],
    s.providers.map((p) => [
      p.provider || '(none)',
      count(p.calls),
      percent(p.share),
      percent(p.successRate),
      Number.isFinite(p.p95Ms) ? p.p95Ms.toFixed(0) : '–',
      count(p.rateLimited),
      p.healthScore === undefined ? '– (too few calls)' : p.healthScore.toFixed(0),
    ]),
  );
  out += `\n## Recommendations\n\n`;
  out += s.recommendations.map((r) => `- ${MARKS[r.severity]}: ${r.text}\n`).join('');
  return out;
}
