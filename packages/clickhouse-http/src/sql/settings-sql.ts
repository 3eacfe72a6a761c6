/**
 * Settings as SQL. The embedded engine takes no per-query settings beside the SQL text, and a
 * `SET` would outlive the request in the session, so per-query settings travel in the statement's
 * own SETTINGS clause; `SET`/`SET ... = DEFAULT` is only used around a statement that cannot
 * carry one, on a session the request holds exclusively.
 */
import { ClickHouseHttpError } from '../errors.js';
import type { Statement } from './statement.js';

/** Setting name → value as sent over HTTP (text; the engine converts it to the setting's type). */
export type Settings = ReadonlyMap<string, string>;

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function assertSettingName(name: string): void {
  if (!SETTING_NAME.test(name)) {
    throw ClickHouseHttpError.of('BAD_ARGUMENTS', `Invalid setting name ${JSON.stringify(name)}`);
  }
}

export function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function assignments(settings: Settings): string {
  return [...settings].map(([name, value]) => `${name} = ${stringLiteral(value)}`).join(', ');
}

/**
 * The statement with `settings` added to its outermost SETTINGS clause. They go last in the
 * clause, so they win over what the statement itself sets there.
 */
export function withSettings(statement: Statement, settings: Settings): string {
  if (settings.size === 0) return statement.text;
  for (const name of settings.keys()) assertSettingName(name);
  const { at, mode } = statement.settingsInsertion;
  const added =
    mode === 'extend' ? `, ${assignments(settings)}` : ` SETTINGS ${assignments(settings)}`;
  return statement.text.slice(0, at) + added + statement.text.slice(at);
}

export function setStatement(settings: Settings): string {
  for (const name of settings.keys()) assertSettingName(name);
  return `SET ${assignments(settings)}`;
}

export function resetStatement(names: Iterable<string>): string {
  return `SET ${[...names].map((name) => `${name} = DEFAULT`).join(', ')}`;
}
