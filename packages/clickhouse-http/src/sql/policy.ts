/**
 * What a request may run. The engine enforces `readonly = 1` given in the statement's outermost
 * SETTINGS clause (writes, DDL, and table functions that reach outside the database are refused),
 * but a query can undo a setting in a subquery's own SETTINGS clause and a few statements are not
 * covered by it at all; this module closes those gaps by looking at the tokens.
 */
import { ClickHouseHttpError } from '../errors.js';
import { isTemporaryTableStatement, isWord, type DepthToken, type Statement } from './statement.js';
import type { Settings } from './settings-sql.js';

/** Settings a read-only user may not assign anywhere in a statement (they lift the restrictions). */
const PROTECTED_SETTINGS = new Set([
  'readonly',
  'profile',
  'allow_ddl',
  'max_execution_time',
  'max_memory_usage',
  'max_result_bytes',
  'result_overflow_mode',
  'os_thread_priority',
]);
/** Functions that read the host's files even in readonly mode (`file('/etc/passwd')`). */
const HOST_ACCESS_FUNCTIONS = new Set(['file']);
/** First words of statements that change something; any other unknown first word is a syntax error. */
const CHANGING_STATEMENTS = new Set([
  'INSERT',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'SYSTEM',
  'KILL',
  'OPTIMIZE',
  'RENAME',
  'ATTACH',
  'DETACH',
  'GRANT',
  'REVOKE',
  'DELETE',
  'UPDATE',
  'EXCHANGE',
  'MOVE',
  'UNDROP',
  'BACKUP',
  'RESTORE',
  'CHECK',
  'REPLACE',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'WATCH',
]);

/** Rules for everyone: ClickHouse never lets an HTTP query read or write the server's files. */
export function assertRunnableOverHttp(statement: Statement): void {
  const { tokens } = statement;
  tokens.forEach((token, i) => {
    const next = tokens[i + 1];
    if (isWord(token, 'INTO') && isWord(next, 'OUTFILE')) {
      throw ClickHouseHttpError.of('INTO_OUTFILE_NOT_ALLOWED', 'INTO OUTFILE is not allowed');
    }
    if (isWord(token, 'FROM') && isWord(next, 'INFILE')) {
      throw ClickHouseHttpError.of('SUPPORT_IS_DISABLED', 'FROM INFILE is not allowed over HTTP');
    }
  });
}

export function assertReadonlyStatement(statement: Statement, user: string): void {
  const { tokens } = statement;
  if (statement.kind === 'insert' || statement.kind === 'other') {
    // The engine allows temporary tables in readonly = 2 only, which also lets url() and remote()
    // run; and a table's rows would outlive the query's memory cap.
    if (isTemporaryTableStatement(statement)) {
      throw ClickHouseHttpError.of(
        'READONLY',
        `${user}: Cannot execute query in readonly mode: temporary tables need a user that may write`,
      );
    }
    const first = tokens[0]!;
    if (first.kind === 'word' && CHANGING_STATEMENTS.has(first.text.toUpperCase()))
      throw readonlyError(user);
    throw ClickHouseHttpError.of(
      'SYNTAX_ERROR',
      `Syntax error: failed at position ${first.start + 1} (${first.text}): unknown statement`,
    );
  }
  tokens.forEach((token, i) => {
    const next = tokens[i + 1];
    const name = nameOf(token);
    if (name !== undefined && next?.text === '=' && PROTECTED_SETTINGS.has(name.toLowerCase())) {
      throw cannotModify(name);
    }
    if (
      token.kind === 'word' &&
      next?.text === '(' &&
      HOST_ACCESS_FUNCTIONS.has(token.text.toLowerCase())
    ) {
      throw ClickHouseHttpError.of(
        'ACCESS_DENIED',
        `${user}: Not enough privileges: ${token.text}() reads the host's files and is not allowed in readonly mode`,
      );
    }
  });
  if (isWord(tokens[0], 'DESCRIBE') || isWord(tokens[0], 'DESC')) assertPlainDescribe(tokens, user);
}

/**
 * The settings a read-only request runs with: its own, with `readonly = 1` last so that it wins.
 * `readonly` may be restated but not lowered, and settings that lift restrictions are refused.
 */
export function readonlySettings(settings: Settings): Settings {
  const result = new Map<string, string>();
  for (const [name, value] of settings) {
    if (name === 'readonly') {
      if (Number(value) === 0) throw cannotModify(name);
      continue;
    }
    if (name === 'profile' || name === 'allow_ddl') throw cannotModify(name);
    result.set(name, value);
  }
  result.set('readonly', '1');
  return result;
}

/** `DESCRIBE file(...)`/`url(...)` infers a schema by reading the source even in readonly mode. */
function assertPlainDescribe(tokens: readonly DepthToken[], user: string): void {
  let i = isWord(tokens[1], 'TABLE') ? 2 : 1;
  const isName = (t: DepthToken | undefined): boolean => t?.kind === 'word' || t?.kind === 'quoted';
  if (!isName(tokens[i])) throw describeError(user);
  i++;
  if (tokens[i]?.text === '.') {
    if (!isName(tokens[i + 1])) throw describeError(user);
    i += 2;
  }
  const rest = tokens[i];
  if (rest && !isWord(rest, 'FORMAT') && !isWord(rest, 'SETTINGS')) throw describeError(user);
}

function nameOf(token: DepthToken): string | undefined {
  return token.kind === 'word' || token.kind === 'quoted' ? token.text : undefined;
}

function readonlyError(user: string): ClickHouseHttpError {
  return ClickHouseHttpError.of('READONLY', `${user}: Cannot execute query in readonly mode`);
}

function cannotModify(setting: string): ClickHouseHttpError {
  return ClickHouseHttpError.of('READONLY', `Cannot modify '${setting}' setting in readonly mode`);
}

function describeError(user: string): ClickHouseHttpError {
  return ClickHouseHttpError.of(
    'READONLY',
    `${user}: Cannot execute query in readonly mode: only DESCRIBE [TABLE] [db.]name is allowed`,
  );
}
