/**
 * The weekly report as Markdown, in seed 000's layout (`write_report_markdown`): the verdict and
 * every trigger that fired at the top, then the seven sections with their tables and findings.
 */
import { DecisionLevels, LEVEL_LABELS, LEVEL_ORDER } from './decisions.js';
import { count, dollars, findingsList, percent, table, utc } from './markdown.js';
import {
  WEEKLY_SECTIONS,
  weeklyFindings,
  weeklyVerdict,
  type AccessSource,
  type WeeklyReport,
} from './weekly.js';

const name = (category: string) => category || '(none)';

function accessTable(sources: readonly AccessSource[]): string {
  return sources.length === 0
    ? ''
    : table(
        ['Address', 'Listener', 'Claimed user', 'Events', 'Most in one hour'],
        sources.map((s) => [s.address, s.listener, s.user, count(s.events), count(s.maxPerHour)]),
      ) + '\n';
}

const BODY: { [K in (typeof WEEKLY_SECTIONS)[number][0]]: (r: WeeklyReport) => string } = {
  categories: ({ categories: c }) =>
    `${count(c.calls)} provider calls.\n\n` +
    table(
      ['Category', 'Calls', 'Share', 'Expected', 'Matches'],
      c.rows.map((r) => [
        name(r.category),
        count(r.calls),
        percent(r.share),
        r.expected === undefined ? '–' : percent(r.expected),
        r.matches === undefined ? '–' : r.matches ? 'yes' : 'no',
      ]),
    ),
  escalation: ({ escalation: e }) =>
    'Share of provider calls that ran on an escalation model (progressive and cheap_first ' +
    'routes; best_first never escalates).\n\n' +
    table(
      ['Category', 'Calls', 'Escalated', 'Rate', 'Band'],
      e.rows.map((r) => [
        name(r.category),
        count(r.calls),
        count(r.escalations),
        percent(r.rate),
        r.band,
      ]),
    ) +
    (e.bestFirst.length === 0
      ? ''
      : '\nbest_first categories with escalated calls:\n\n' +
        table(
          ['Category', 'Calls', 'Escalated', 'Rate'],
          e.bestFirst.map((r) => [
            name(r.category),
            count(r.calls),
            count(r.escalations),
            percent(r.rate),
          ]),
        )),
  cost: ({ cost: c }) =>
    `- Total: ${dollars(c.usd)} (week before: ${dollars(c.previousUsd)}, change: ${
      c.change === undefined ? '–' : `${c.change >= 0 ? '+' : ''}${percent(c.change)}`
    })\n- best_first share of spend: ${percent(c.bestFirstShare)}\n\n` +
    table(
      ['Category', 'Cost (USD)', '% of Spend', 'Calls'],
      c.rows.map((r) => [name(r.category), dollars(r.usd), percent(r.share), count(r.calls)]),
    ),
  quota: ({ quota: q }) =>
    q.rows.length === 0
      ? 'No quota or budget decision blocked or downgraded a call.\n'
      : table(
          ['Severity', 'Category', 'Provider', 'Quota blocks', 'Budget blocks', 'Downgrades'],
          q.rows.map((r) => [
            r.severity || '–',
            name(r.category),
            r.provider,
            count(r.quotaBlocks),
            count(r.budgetBlocks),
            count(r.downgrades),
          ]),
        ),
  auth: ({ auth: a }) =>
    `- Failed auth (refused credentials on agentmeter's listeners): ${count(a.failures)}\n` +
    `- Addresses: ${count(new Set(a.sources.map((s) => s.address)).size)}\n\n` +
    accessTable(a.sources),
  rateLimits: ({ rateLimits: l }) =>
    `- Total rate limit hits: ${count(l.hits)}\n` +
    `- Unique addresses affected: ${count(new Set(l.sources.map((s) => s.address)).size)}\n\n` +
    accessTable(l.sources),
  checks: ({ checks: c }) =>
    (c.unpriced.length === 0
      ? '- Unpriced calls: none\n'
      : `Unpriced calls (no price in the catalog: their cost is missing, not $0):\n\n${table(
          ['Provider', 'Model', 'Calls', 'Share of its calls'],
          c.unpriced.map((u) => [u.provider, u.model, count(u.calls), percent(u.share)]),
        )}`) +
    (c.deliveries.length === 0
      ? '- Alert notifications: none attempted\n'
      : `\nAlert notifications:\n\n${table(
          ['Contact point', 'Integration', 'Sent', 'Failed attempts', 'Last error'],
          c.deliveries.map((d) => [
            d.receiver,
            d.integration,
            count(d.sent),
            count(d.failed),
            d.lastError,
          ]),
        )}`),
};

export function weeklyMarkdown(r: WeeklyReport): string {
  const verdict = weeklyVerdict(r);
  const fired = weeklyFindings(r).filter((f) => f.finding.level !== DecisionLevels.NONE);
  let out = `# agentmeter Weekly Monitoring Report\n\n`;
  out += `**Period**: ${r.label} (${utc(r.from)} to ${utc(r.to)}, end excluded)\n\n`;
  out += `**Generated**: ${utc(r.generatedAt)}\n\n`;
  out += `**Verdict**: ${LEVEL_LABELS[verdict]}\n\n`;
  out +=
    fired.length === 0
      ? 'All metrics within expected ranges.\n\n'
      : findingsList(
          fired,
          LEVEL_ORDER.filter((l) => l !== DecisionLevels.NONE),
        );
  out += '---\n\n';
  for (const [key, title] of WEEKLY_SECTIONS) {
    out += `## ${title}\n\n${BODY[key](r)}\n${findingsList(r[key].findings.map((finding) => ({ finding })))}`;
  }
  return out;
}
