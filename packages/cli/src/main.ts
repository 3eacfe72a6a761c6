#!/usr/bin/env node
/**
 * `agentmeter` — start the services, run SQL, migrate the schema, or run a demo fleet.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '@agentmeter/store';
import { runAlerting } from './alerting-command.js';
import { runAlerts } from './alerts-command.js';
import { runDemo } from './demo.js';
import { describeFailure } from './diagnose.js';
import { runMigrate } from './migrate.js';
import { runReport } from './report-command.js';
import { runReprice } from './reprice-command.js';
import { runReview } from './review-command.js';
import { runSql } from './sql.js';
import { runStart } from './start.js';

const USAGE = `usage: agentmeter <command> [options]

commands:
  start                 run the OTLP ingester, the ClickHouse HTTP interface and alerting (embedded engine
                        unless CLICKHOUSE_URL is set); migrates the schema first
  sql "<query>"         run a query (through the running service's ClickHouse HTTP interface,
                        or the engine directly when nothing is running)
  migrate               create or upgrade the schema and exit
  demo                  send a simulated agent fleet's spans to a running ingester
  alerting              run the alerting service alone (rules, notifications, API on 9095) against
                        the configured ClickHouse; \`start\` runs it too
  alerts [list|ack FP|resolve FP|test-send NAME]
                        the running alerting service's alerts: list them (--all: resolved too),
                        acknowledge or resolve one (--by, --comment), test a contact point
  reprice --since DATE  recompute stored spans' costs with the current price catalog and rebuild
                        the rollups of those days exactly (not while \`start\` runs on the same
                        embedded data directory); see docs/schema.md "Repricing history"
  report --week|--day   seed 000's weekly report or seed 004's daily summary as Markdown, from the
                        dashboards' queries over the running service (docs/reports.md)
  review --sample N | --score FILE
                        category-accuracy review: a CSV of N random detected-category calls to mark
                        by hand, or the accuracy of a marked file (90 % / 70 % bands)

options:
  --config FILE         agentmeter.yaml (default: $AGENTMETER_CONFIG, else built-in defaults)
  --format NAME         sql: ClickHouse output format (default PrettyCompact on a terminal, else TSV)
  --url URL             sql: ClickHouse HTTP URL (default http://127.0.0.1:8123); demo: OTLP endpoint
                        (default the configured ingester, http://127.0.0.1:4318)
  --minutes N           demo: how long to send live spans (default 3)
  --rate N              demo: live spans per second (default 20)
  --backfill-hours N    demo: also send this many hours of history first (default 24)
  --until DATE          reprice: first day not repriced (default today: today is left out)
  --dry-run             reprice: print per day what would change, write nothing
  --include-span-costs  reprice: also reprice spans whose emitter sent a cost
  --include-today       reprice: allow today (only when no spans for today are arriving)
  --by NAME, --comment TEXT
                        alerts ack/resolve: who acts and why (default: $USER)
  --all                 alerts list: include recently resolved alerts
  --api-key KEY         alerts: an API key of the alerting API (default: $AGENTMETER_ALERTING_API_KEY)
  --from DATE, --to DATE
                        report, review: the period, [from, to) in UTC (default: the last complete ISO
                        week or day; review: the last 7 days)
  --out FILE            report, review --sample: write to FILE instead of standard output
  --seed N              review --sample: draw the sample a previous run printed
`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        format: { type: 'string' },
        url: { type: 'string' },
        minutes: { type: 'string' },
        rate: { type: 'string' },
        'backfill-hours': { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'include-span-costs': { type: 'boolean' },
        'include-today': { type: 'boolean' },
        by: { type: 'string' },
        comment: { type: 'string' },
        all: { type: 'boolean' },
        'api-key': { type: 'string' },
        week: { type: 'boolean' },
        day: { type: 'boolean' },
        from: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string' },
        sample: { type: 'string' },
        seed: { type: 'string' },
        score: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // An unknown flag, or one without its value: say which, with the usage, not a stack.
    if (!(err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw err;
    process.stderr.write(`agentmeter: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const configFile = values.config ?? process.env['AGENTMETER_CONFIG'];
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'start':
      return runStart(configFile);
    case 'migrate':
      return runMigrate(configFile);
    case 'sql':
      return runSql(configFile, rest.join(' '), { format: values.format, url: values.url });
    case 'reprice':
      return runReprice(configFile, {
        since: values.since,
        until: values.until,
        dryRun: values['dry-run'] ?? false,
        includeSpanCosts: values['include-span-costs'] ?? false,
        includeToday: values['include-today'] ?? false,
      });
    case 'demo': {
      // The configuration `start` reads: its ingester, prices and database.
      const config = loadConfig(configFile);
      const report = await runDemo({
        url: values.url ?? `http://${config.ingester.host}:${config.ingester.port}`,
        minutes: Number(values.minutes ?? 3),
        ratePerSecond: Number(values.rate ?? 20),
        backfillHours: Number(values['backfill-hours'] ?? 24),
        pricingOverridesFile: config.pricing.overridesFile,
        database: config.clickhouse.database,
      });
      return report.accepted === report.sent ? 0 : 1;
    }
    case 'alerting':
      return runAlerting(configFile);
    case 'alerts': {
      const config = loadConfig(configFile);
      return runAlerts(rest, {
        url: values.url ?? `http://${config.alerting.host}:${config.alerting.port}`,
        apiKey: values['api-key'] ?? process.env['AGENTMETER_ALERTING_API_KEY'],
        by: values.by ?? process.env['USER'] ?? 'cli',
        comment: values.comment ?? '',
        all: values.all ?? false,
        out: process.stdout,
      });
    }
    case 'report':
      return runReport(loadConfig(configFile), {
        week: values.week ?? false,
        day: values.day ?? false,
        from: values.from,
        to: values.to,
        out: values.out,
        url: values.url,
        now: Date.now,
      });
    case 'review':
      return runReview(loadConfig(configFile), {
        sample: values.sample,
        seed: values.seed,
        score: values.score,
        from: values.from,
        to: values.to,
        out: values.out,
        url: values.url,
        now: Date.now,
      });
    default:
      process.stderr.write(`unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(describeFailure(err));
    process.exitCode = 1;
  },
);
