/**
 * The reports' way to ClickHouse: its HTTP interface (the running product's, or the server's),
 * reached as `agentmeter sql` reaches it, with query parameters sent as `param_<name>`. Failures
 * a user can act on are errors with what to do, not stacks.
 */
import type { QueryRunner } from '@agentmeter/dashboards/reports';
import type { AgentmeterConfig } from '@agentmeter/store';

export class ReportCommandError extends Error {
  readonly code = 'AGENTMETER_REPORT_FAILED';
}

/** `--url`, else the configured server, else the embedded product's interface. */
export function clickhouseUrl(config: AgentmeterConfig, flag: string | undefined): string {
  return (
    flag ??
    config.clickhouse.url ??
    `http://${config.clickhouseHttp.host}:${config.clickhouseHttp.port}`
  );
}

/** ClickHouse's escaped text form of a parameter value (what `param_<name>` carries). */
const escaped = (v: unknown) =>
  String(v).replace(/[\\\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n'));

/**
 * Queries run one at a time: the product's interface admits a few per user at once and
 * refuses the rest, and a report must not crowd out the dashboards people are looking at.
 */
export function httpRunner(config: AgentmeterConfig, url: string): QueryRunner {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new ReportCommandError(`--url ${url}: not a URL (e.g. http://127.0.0.1:8123)`);
  }
  let tail: Promise<unknown> = Promise.resolve();
  return {
    rows<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
      const next = tail.then(() => query<T>(sql, params));
      tail = next.catch(() => undefined);
      return next;
    },
  };

  async function query<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    const target = new URL(base);
    target.searchParams.set('database', config.clickhouse.database);
    for (const [name, value] of Object.entries(params))
      target.searchParams.set(`param_${name}`, escaped(value));
    let res: Response;
    try {
      res = await fetch(target, {
        method: 'POST',
        body: `${sql}\nFORMAT JSONEachRow`,
        headers: {
          'X-ClickHouse-User': config.clickhouse.username,
          'X-ClickHouse-Key': config.clickhouse.password,
        },
      });
    } catch {
      throw new ReportCommandError(
        `ClickHouse is not reachable at ${url}: start agentmeter first with \`npm start\` (or give --url where its ClickHouse HTTP interface listens)`,
      );
    }
    const text = await res.text();
    if (!res.ok)
      throw new ReportCommandError(
        `a report query failed at ${url} (HTTP ${res.status}): ${text.trim().split('\n')[0]}`,
      );
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as T);
  }
}
