/**
 * `SET` in an HTTP session. The session's settings are kept here rather than in an engine
 * connection: they travel with each of the session's requests like URL settings, so the caps and
 * the read-only rules apply to them the same way, and a connection's settings are only ever those
 * of the request it runs. The engine checks each assignment and gives back its value in text
 * form, the form URL settings have.
 */
import type { Session } from 'chdb';
import { ClickHouseHttpError, fromEngineError } from '../errors.js';
import { assertSettingName, stringLiteral, type Settings } from '../sql/settings-sql.js';
import { setAssignments, type Statement } from '../sql/statement.js';

/**
 * The session's settings after `statement` (a SET) ran in it. A read-only user's values are
 * checked in readonly mode, as the queries they will apply to run (the user cannot assign
 * `readonly` itself, so reading it back is not disturbed).
 */
export async function settingsAfterSet(
  engine: Session,
  current: Settings,
  statement: Statement,
  readonly: boolean,
): Promise<Settings> {
  const assignments = setAssignments(statement);
  if (!assignments) throw notSupported('only SET name = value[, ...] is supported in a session');
  const next = new Map(current);
  const assigned = new Map<string, string>();
  for (const { name, value } of assignments) {
    assertSettingName(name);
    if (name.startsWith('param_'))
      throw notSupported(`SET ${name}: send query parameters as param_<name> URL parameters`);
    if (value === undefined) {
      next.delete(name);
      assigned.delete(name);
    } else {
      assigned.set(name, value);
    }
  }
  if (assigned.size === 0) return next;
  const names = [...assigned.keys()].map(stringLiteral).join(', ');
  const clause = [...assigned, ...(readonly ? [['readonly', '1']] : [])]
    .map(([name, value]) => `${name} = ${value}`)
    .join(', ');
  const sql = `SELECT name, value FROM system.settings WHERE name IN (${names}) SETTINGS ${clause}`;
  let rows: { name: string; value: string }[];
  try {
    rows = (await engine.queryAsync(sql, { format: 'JSON' })).json<{ data: typeof rows }>().data;
  } catch (err) {
    throw fromEngineError(err);
  }
  for (const { name, value } of rows) next.set(name, value);
  return next;
}

function notSupported(what: string): ClickHouseHttpError {
  return ClickHouseHttpError.of('NOT_IMPLEMENTED', `In agentmeter's HTTP sessions ${what}`);
}
