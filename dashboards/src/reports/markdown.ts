/**
 * The Markdown pieces both reports print: tables, numbers as a reader checks them (percent to
 * one decimal, dollars to the cent, or to 1/10,000 under a dollar), findings under their level.
 */
import { LEVEL_LABELS, LEVEL_ORDER, type DecisionLevel, type Finding } from './decisions.js';

export const percent = (x: number): string =>
  Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '–';

export const dollars = (x: number): string =>
  Number.isFinite(x) ? `$${x.toFixed(Math.abs(x) >= 1 ? 2 : 4)}` : '–';

export const count = (x: number): string => (Number.isFinite(x) ? x.toLocaleString('en-US') : '–');

export const utc = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Table cells are escaped: a category or an error text may hold a `|`. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (c: string) => c.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const line = (r: readonly string[]) => `| ${r.map(cell).join(' | ')} |\n`;
  return line(head) + line(head.map(() => '---')) + rows.map(line).join('');
}

/** The findings grouped under their levels, most urgent first; `section` prefixes each. */
export function findingsList(
  items: readonly { section?: string; finding: Finding }[],
  levels: readonly DecisionLevel[] = LEVEL_ORDER,
): string {
  let out = '';
  for (const level of levels) {
    const at = items.filter((i) => i.finding.level === level);
    if (at.length === 0) continue;
    out += `**${LEVEL_LABELS[level]}**\n\n`;
    for (const { section, finding } of at)
      out += `- ${section ? `${section}: ` : ''}${finding.trigger} — ${finding.detail}\n`;
    out += '\n';
  }
  return out;
}
