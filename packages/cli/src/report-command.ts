/**
 * `agentmeter report --week | --day [--from DATE] [--to DATE] [--out FILE]`: seed 000's weekly
 * report or seed 004's daily summary as Markdown, from the dashboards' queries run through the
 * ClickHouse HTTP interface of the running product. The default period is the last complete
 * ISO week (Monday 00:00 UTC) or UTC day.
 */
import { writeFileSync } from 'node:fs';
import { SEED_NEVER_FALLBACK_CATEGORIES } from '@agentmeter/alerting';
import {
  LEVEL_LABELS,
  Panels,
  dailyMarkdown,
  dailySummary,
  weeklyMarkdown,
  weeklyReport,
  weeklyVerdict,
} from '@agentmeter/dashboards/reports';
import type { AgentmeterConfig } from '@agentmeter/store';
import { resolvePeriod, PeriodError } from './report-period.js';
import { ReportCommandError, clickhouseUrl, httpRunner } from './report-runner.js';

export interface ReportCommandOptions {
  week: boolean;
  day: boolean;
  from: string | undefined;
  to: string | undefined;
  out: string | undefined;
  url: string | undefined;
  now: () => number;
}

const USAGE =
  'usage: agentmeter report --week | --day [--from DATE] [--to DATE] [--out FILE] [--url URL]\n';

export async function runReport(
  config: AgentmeterConfig,
  o: ReportCommandOptions,
): Promise<number> {
  if (o.week === o.day) {
    process.stderr.write(`give one of --week and --day\n${USAGE}`);
    return 2;
  }
  let period;
  try {
    period = resolvePeriod(o.week ? 'weekly' : 'daily', o.now(), o);
  } catch (err) {
    if (!(err instanceof PeriodError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}`);
    return 2;
  }
  try {
    const panels = new Panels(httpRunner(config, clickhouseUrl(config, o.url)), period);
    const meta = { label: period.label, generatedAt: o.now() };
    let markdown: string;
    let summary: string;
    if (o.week) {
      const report = await weeklyReport(panels, {
        ...meta,
        highRisk: SEED_NEVER_FALLBACK_CATEGORIES,
      });
      markdown = weeklyMarkdown(report);
      summary = `weekly report ${period.label}: ${LEVEL_LABELS[weeklyVerdict(report)]}`;
    } else {
      const daily = await dailySummary(panels, meta);
      markdown = dailyMarkdown(daily);
      summary = `daily summary ${period.label}: ${daily.recommendations.length} recommendations`;
    }
    if (o.out === undefined) process.stdout.write(markdown);
    else {
      writeTo(o.out, markdown);
      process.stdout.write(`${summary}, written to ${o.out}\n`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof ReportCommandError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
}

/** Writes `text` to `file`, or says why it cannot. */
export function writeTo(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new ReportCommandError(`cannot write ${file}: ${(err as Error).message}`);
  }
}
