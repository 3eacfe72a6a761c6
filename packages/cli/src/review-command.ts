/**
 * `agentmeter review --sample N [--seed S] [--from DATE] [--to DATE] [--out FILE]`: seed 000's
 * category review, a CSV of random detected-category calls to mark by hand (by default of the
 * last 7 days, what `llm_spans` keeps); `agentmeter review --score FILE` reads the marked file
 * back and prints the accuracy against the seed's 90 % / 70 % bands.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SEED_NEVER_FALLBACK_CATEGORIES } from '@agentmeter/alerting';
import {
  ReviewFileError,
  readReviewFile,
  reviewCsv,
  reviewMarkdown,
  sampleForReview,
  scoreReview,
} from '@agentmeter/dashboards/reports';
import type { AgentmeterConfig } from '@agentmeter/store';
import { writeTo } from './report-command.js';
import { PeriodError, parseInstant } from './report-period.js';
import { ReportCommandError, clickhouseUrl, httpRunner } from './report-runner.js';

export interface ReviewCommandOptions {
  sample: string | undefined;
  seed: string | undefined;
  score: string | undefined;
  from: string | undefined;
  to: string | undefined;
  out: string | undefined;
  url: string | undefined;
  now: () => number;
}

const USAGE =
  'usage: agentmeter review --sample N [--seed S] [--from DATE] [--to DATE] [--out FILE] [--url URL]\n' +
  '       agentmeter review --score FILE\n';

const DAY = 86_400_000;
const MAX_SAMPLE = 10_000;

class UsageError extends Error {}

export async function runReview(
  config: AgentmeterConfig,
  o: ReviewCommandOptions,
): Promise<number> {
  try {
    if ((o.sample === undefined) === (o.score === undefined))
      throw new UsageError('give one of --sample N and --score FILE');
    if (o.score !== undefined) return score(o.score);
    return await sample(config, o);
  } catch (err) {
    if (err instanceof UsageError || err instanceof PeriodError) {
      process.stderr.write(`${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof ReviewFileError || err instanceof ReportCommandError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function score(file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ReportCommandError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const result = scoreReview(readReviewFile(text, file), SEED_NEVER_FALLBACK_CATEGORIES);
  process.stdout.write(reviewMarkdown(result, file));
  return 0;
}

async function sample(config: AgentmeterConfig, o: ReviewCommandOptions): Promise<number> {
  const size = Number(o.sample);
  if (!Number.isInteger(size) || size < 1 || size > MAX_SAMPLE)
    throw new UsageError(
      `--sample ${o.sample}: expected a whole number of calls from 1 to ${MAX_SAMPLE}`,
    );
  if (o.seed !== undefined && !/^\d{1,19}$/.test(o.seed))
    throw new UsageError(
      `--seed ${o.seed}: expected a whole number (the one a previous sample printed)`,
    );
  const seed = o.seed === undefined ? randomBytes(8).readBigUInt64BE() >> 1n : BigInt(o.seed);
  const to = o.to === undefined ? o.now() : parseInstant(o.to, '--to');
  const from = o.from === undefined ? to - 7 * DAY : parseInstant(o.from, '--from');
  if (to <= from) throw new UsageError(`--to is not after --from: give a later --to`);

  const run = httpRunner(config, clickhouseUrl(config, o.url));
  const calls = await sampleForReview(run, { from, to, size, seed });
  const csv = reviewCsv(calls);
  const note = `${calls.length} detected-category calls, seed ${seed} (--seed ${seed} draws the same sample)`;
  if (o.out === undefined) {
    process.stdout.write(csv);
    process.stderr.write(`${note}\n`);
  } else {
    writeTo(o.out, csv);
    process.stdout.write(
      `${note}, written to ${o.out}: mark \`correct\` (yes/no) and \`right_category\`, then run agentmeter review --score ${o.out}\n`,
    );
  }
  return 0;
}
