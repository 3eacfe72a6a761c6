/**
 * What the HTTP layer must know about one SQL statement before running it: its kind, where a
 * SETTINGS clause can take more settings, the FORMAT it asks for, its parameter types. It also
 * refuses what a ClickHouse server refuses over HTTP: several statements in one request.
 */
import { ClickHouseHttpError } from '../errors.js';
import { tokenize, type Token } from './lexer.js';

export type StatementKind = 'read' | 'insert' | 'set' | 'use' | 'other';

export interface DepthToken extends Token {
  /** Bracket nesting level: 0 outside any (), [] or {}. */
  readonly depth: number;
}

export interface SettingsInsertion {
  /** Offset into `Statement.text`. */
  readonly at: number;
  /** `extend`: append `, k = v` to the trailing SETTINGS clause; `append`: add ` SETTINGS k = v`. */
  readonly mode: 'extend' | 'append';
}

export interface Statement {
  readonly kind: StatementKind;
  /** Tokens up to the end of the statement (an INSERT's inline data excluded). */
  readonly tokens: readonly DepthToken[];
  /** The statement to execute: no trailing `;` or comments; an INSERT keeps its inline data. */
  readonly text: string;
  /** Output format of a trailing `FORMAT <name>` clause. */
  readonly format: string | undefined;
  readonly settingsInsertion: SettingsInsertion;
  /** Declared types of the `{name:Type}` query parameters, by name. */
  readonly parameterTypes: ReadonlyMap<string, string>;
}

const READ_KEYWORDS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN']);
const OPENING = new Set(['(', '[', '{']);
const CLOSING = new Set([')', ']', '}']);

export function isWord(token: Token | undefined, word: string): boolean {
  return token?.kind === 'word' && token.text.toUpperCase() === word;
}

export interface Assignment {
  readonly name: string;
  /** The value's SQL text; `undefined` for `DEFAULT`. */
  readonly value: string | undefined;
}

/** The assignments of `SET name = value[, ...]`; `undefined` for another SET (`SET ROLE ...`). */
export function setAssignments(statement: Statement): Assignment[] | undefined {
  const { tokens, text } = statement;
  const { spans, end } = assignmentList(tokens, 1);
  if (statement.kind !== 'set' || spans.length === 0 || end !== tokens.length) return undefined;
  const base = tokens[0]!.start;
  return spans.map(({ name, first, last }) => ({
    name: name.text,
    value:
      first === last && isWord(first, 'DEFAULT')
        ? undefined
        : text.slice(first.start - base, last.end - base),
  }));
}

/**
 * A statement about temporary tables or views (`CREATE [OR REPLACE] TEMPORARY TABLE`,
 * `DROP|TRUNCATE|ALTER TEMPORARY TABLE`): TEMPORARY is among its first four words.
 */
export function isTemporaryTableStatement(statement: Statement): boolean {
  return (
    statement.kind === 'other' && statement.tokens.slice(0, 4).some((t) => isWord(t, 'TEMPORARY'))
  );
}

export function analyseStatement(sql: string): Statement {
  const { tokens, dataFollows } = scan(sql);
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  if (!first || !last) throw ClickHouseHttpError.of('SYNTAX_ERROR', 'Empty query');
  const kind = kindOf(first);
  const base = first.start;
  const text = dataFollows ? sql.slice(base) : sql.slice(base, last.end);
  const formatIndex = kind === 'read' ? formatClauseIndex(tokens) : -1;
  const rebased = (offset: number): number => offset - base;
  const insertion = settingsInsertion(tokens, formatIndex);
  return {
    kind,
    tokens,
    text,
    format: formatIndex >= 0 ? tokens[formatIndex + 1]!.text : undefined,
    settingsInsertion: { at: rebased(insertion.at), mode: insertion.mode },
    parameterTypes: parameterTypes(sql, tokens),
  };
}

function kindOf(first: Token): StatementKind {
  if (first.kind === 'punct') return first.text === '(' ? 'read' : 'other';
  const word = first.kind === 'word' ? first.text.toUpperCase() : '';
  if (READ_KEYWORDS.has(word)) return 'read';
  if (word === 'INSERT') return 'insert';
  if (word === 'SET') return 'set';
  if (word === 'USE') return 'use';
  return 'other';
}

/** Tokens with their depth; stops where an INSERT's inline data starts, refuses a second statement. */
function scan(sql: string): { tokens: DepthToken[]; dataFollows: boolean } {
  const tokens: DepthToken[] = [];
  let depth = 0;
  let ended: Token | undefined;
  let isInsert = false;
  let sawQuery = false;
  const lexer = tokenize(sql);
  for (let next = lexer.next(); !next.done; next = lexer.next()) {
    const token = next.value;
    if (ended) {
      throw ClickHouseHttpError.of(
        'SYNTAX_ERROR',
        `Syntax error (Multi-statements are not allowed): failed at position ${token.start + 1}`,
      );
    }
    if (token.kind === 'punct' && token.text === ';' && depth === 0) {
      ended = token;
      continue;
    }
    if (token.kind === 'punct' && CLOSING.has(token.text)) depth = Math.max(0, depth - 1);
    tokens.push({ ...token, depth });
    if (token.kind === 'punct' && OPENING.has(token.text)) depth++;
    if (tokens.length === 1) isInsert = isWord(token, 'INSERT');
    if (!isInsert || depth !== 0) continue;
    if (isWord(token, 'SELECT') || isWord(token, 'WITH')) sawQuery = true;
    // After `VALUES` or `FORMAT <name>` comes data, not SQL: never tokenize it.
    if (!sawQuery && isWord(token, 'VALUES')) return { tokens, dataFollows: true };
    if (!sawQuery && isWord(token, 'FORMAT')) {
      const name = lexer.next();
      if (!name.done) tokens.push({ ...name.value, depth });
      return { tokens, dataFollows: true };
    }
  }
  return { tokens, dataFollows: false };
}

/** Index of the `FORMAT` keyword of a trailing `FORMAT <name> [SETTINGS ...]`, or -1. */
function formatClauseIndex(tokens: readonly DepthToken[]): number {
  for (let i = tokens.length - 2; i >= 0; i--) {
    const token = tokens[i]!;
    if (token.depth !== 0 || !isWord(token, 'FORMAT')) continue;
    const name = tokens[i + 1]!;
    const after = tokens[i + 2];
    if ((name.kind === 'word' || name.kind === 'quoted') && (!after || isWord(after, 'SETTINGS')))
      return i;
  }
  return -1;
}

/** Extends a SETTINGS clause that ends the statement (or precedes its FORMAT); else appends one. */
function settingsInsertion(
  tokens: readonly DepthToken[],
  formatIndex: number,
): { at: number; mode: 'extend' | 'append' } {
  const last = tokens[tokens.length - 1]!;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i]!;
    if (token.depth !== 0 || !isWord(token, 'SETTINGS')) continue;
    const { end } = assignmentList(tokens, i + 1);
    const endsStatement = end === tokens.length || end === formatIndex;
    if (end > i + 1 && endsStatement) return { at: tokens[end - 1]!.end, mode: 'extend' };
    break;
  }
  return { at: last.end, mode: 'append' };
}

interface AssignmentSpan {
  readonly name: DepthToken;
  /** First and last token of the value. */
  readonly first: DepthToken;
  readonly last: DepthToken;
}

/** `name = value [, name = value ...]` starting at `from`, and the index just past it. */
function assignmentList(
  tokens: readonly DepthToken[],
  from: number,
): { spans: AssignmentSpan[]; end: number } {
  const spans: AssignmentSpan[] = [];
  let i = from;
  for (;;) {
    const name = tokens[i];
    const eq = tokens[i + 1];
    if (!name || (name.kind !== 'word' && name.kind !== 'quoted') || eq?.text !== '=') {
      return { spans, end: i };
    }
    let v = i + 2;
    const first = tokens[v];
    if (!first) return { spans, end: i };
    if (first.kind === 'punct' && (first.text === '-' || first.text === '+')) v++;
    v = OPENING.has(tokens[v]?.text ?? '') ? matchingClose(tokens, v) + 1 : v + 1;
    const last = tokens[v - 1];
    if (!last) return { spans, end: i };
    spans.push({ name, first, last });
    if (tokens[v]?.text !== ',') return { spans, end: v };
    i = v + 1;
  }
}

function matchingClose(tokens: readonly DepthToken[], open: number): number {
  const depth = tokens[open]!.depth;
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.depth === depth && t.kind === 'punct' && CLOSING.has(t.text)) return i;
  }
  return tokens.length - 1;
}

/** `{name:Type}` placeholders; the type is the source text between `:` and the closing brace. */
function parameterTypes(sql: string, tokens: readonly DepthToken[]): Map<string, string> {
  const types = new Map<string, string>();
  for (let i = 0; i + 3 < tokens.length; i++) {
    const open = tokens[i]!;
    const name = tokens[i + 1]!;
    const colon = tokens[i + 2]!;
    if (open.text !== '{' || name.kind !== 'word' || colon.text !== ':') continue;
    const close = matchingClose(tokens, i);
    if (tokens[close]?.text !== '}') continue;
    types.set(name.text, sql.slice(colon.end, tokens[close]!.start).trim());
  }
  return types;
}
