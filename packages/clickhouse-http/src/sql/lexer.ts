/**
 * A ClickHouse SQL tokenizer, exact about what is *not* code: string literals, quoted
 * identifiers, heredocs and comments (nested block comments included). That is all statement
 * analysis needs to find top-level keywords, `;` and `name(` calls without being fooled by text.
 * It is lazy, so the inline data of an INSERT is never tokenized.
 */
import { ClickHouseHttpError } from '../errors.js';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** Source text; for `quoted` identifiers, the unquoted name. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const TWO_CHAR_OPERATORS = new Set(['==', '!=', '<>', '<=', '>=', '||', '->', '::']);

export function* tokenize(sql: string, from = 0): Generator<Token> {
  let i = from;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      i = lineEnd(sql, i);
    } else if (c === '#' && (sql[i + 1] === ' ' || sql[i + 1] === '!')) {
      i = lineEnd(sql, i);
    } else if (c === '/' && sql[i + 1] === '*') {
      i = blockCommentEnd(sql, i);
    } else if (c === "'" || c === '"' || c === '`') {
      const end = quotedEnd(sql, i, c);
      const kind = c === "'" ? 'string' : 'quoted';
      const text = kind === 'quoted' ? unquote(sql.slice(i + 1, end - 1), c) : sql.slice(i, end);
      yield { kind, text, start: i, end };
      i = end;
    } else if (c === '$' && heredocTag(sql, i) !== undefined) {
      const tag = heredocTag(sql, i)!;
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) throw syntaxError('unterminated heredoc', i);
      yield {
        kind: 'string',
        text: sql.slice(i, close + tag.length),
        start: i,
        end: close + tag.length,
      };
      i = close + tag.length;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const end = numberEnd(sql, i);
      yield { kind: 'number', text: sql.slice(i, end), start: i, end };
      i = end;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let end = i + 1;
      while (end < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[end]!)) end++;
      yield { kind: 'word', text: sql.slice(i, end), start: i, end };
      i = end;
    } else {
      const two = sql.slice(i, i + 2);
      const len = TWO_CHAR_OPERATORS.has(two) ? 2 : 1;
      yield { kind: 'punct', text: sql.slice(i, i + len), start: i, end: i + len };
      i += len;
    }
  }
}

function lineEnd(sql: string, i: number): number {
  const nl = sql.indexOf('\n', i);
  return nl < 0 ? sql.length : nl + 1;
}

/** Block comments nest, as in ClickHouse's lexer (and the SQL standard). */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  throw syntaxError('unterminated multiline comment', start);
}

/** Quotes end at an unescaped quote; a backslash escapes the next character, a doubled quote is one. */
function quotedEnd(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  throw syntaxError(
    quote === "'" ? 'unterminated string literal' : 'unterminated quoted identifier',
    start,
  );
}

function unquote(body: string, quote: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length) out += body[++i];
    else if (c === quote && body[i + 1] === quote) out += body[++i];
    else out += c;
  }
  return out;
}

function heredocTag(sql: string, i: number): string | undefined {
  const m = /^\$[A-Za-z0-9_]*\$/.exec(sql.slice(i, i + 256));
  return m?.[0];
}

function numberEnd(sql: string, start: number): number {
  let i = start;
  const hex = /^0[xX]/.test(sql.slice(start, start + 2));
  while (i < sql.length) {
    const c = sql[i]!;
    const exponentSign = !hex && (c === '+' || c === '-') && /[eEpP]/.test(sql[i - 1] ?? '');
    if (/[0-9A-Za-z_.]/.test(c) || exponentSign) i++;
    else break;
  }
  return i;
}

function syntaxError(what: string, position: number): ClickHouseHttpError {
  return ClickHouseHttpError.of(
    'SYNTAX_ERROR',
    `Syntax error: ${what} at position ${position + 1}`,
  );
}
