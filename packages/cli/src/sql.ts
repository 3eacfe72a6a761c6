/**
 * `agentmeter sql`: a query through the ClickHouse HTTP interface of the running service (or of
 * the ClickHouse server), so it never opens the embedded data directory behind a running
 * process's back; only when nothing listens does it open the engine itself.
 */
import { loadConfig, openStore } from '@agentmeter/store';

export async function runSql(
  configFile: string | undefined,
  query: string,
  opts: { format?: string | undefined; url?: string | undefined },
): Promise<number> {
  if (!query.trim()) {
    process.stderr.write('usage: agentmeter sql "<query>"\n');
    return 2;
  }
  const config = loadConfig(configFile);
  const format = opts.format ?? (process.stdout.isTTY ? 'PrettyCompact' : 'TabSeparatedWithNames');
  const url =
    opts.url ??
    config.clickhouse.url ??
    `http://${config.clickhouseHttp.host}:${config.clickhouseHttp.port}`;
  const viaHttp = await queryHttp(
    url,
    query,
    format,
    config.clickhouse.database,
    config.clickhouse.username,
    config.clickhouse.password,
  );
  if (viaHttp !== undefined) return viaHttp;
  if (config.clickhouse.url || opts.url) {
    process.stderr.write(`cannot reach ClickHouse at ${url}\n`);
    return 1;
  }
  const store = openStore(config.clickhouse);
  try {
    const rs = await store.client.exec({ query: `${query} FORMAT ${format}` });
    for await (const chunk of rs.stream) process.stdout.write(chunk as Buffer);
    return 0;
  } finally {
    await store.close();
  }
}

/** The query's exit code, or undefined when nothing answers at `url`. */
async function queryHttp(
  url: string,
  query: string,
  format: string,
  database: string,
  user: string,
  password: string,
): Promise<number | undefined> {
  const target = new URL(url);
  target.searchParams.set('default_format', format);
  target.searchParams.set('database', database);
  let res: Response;
  try {
    res = await fetch(target, {
      method: 'POST',
      body: query,
      headers: { 'X-ClickHouse-User': user, 'X-ClickHouse-Key': password },
    });
  } catch {
    return undefined;
  }
  const text = await res.text();
  (res.ok ? process.stdout : process.stderr).write(text);
  return res.ok ? 0 : 1;
}
