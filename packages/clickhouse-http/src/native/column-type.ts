/**
 * ClickHouse type names as Native blocks spell them (`Map(LowCardinality(String), String)`,
 * `Tuple(a UInt8, b String)`, `DateTime64(9, 'UTC')`), parsed into a name and its arguments.
 */

export interface ColumnType {
  readonly name: string;
  /** Arguments as source text, split at top-level commas. */
  readonly args: readonly string[];
}

export function parseColumnType(text: string): ColumnType {
  const source = text.trim();
  const open = source.indexOf('(');
  if (open < 0) return { name: source, args: [] };
  if (!source.endsWith(')')) throw new TypeError(`Malformed type name: ${text}`);
  return { name: source.slice(0, open).trim(), args: splitTopLevel(source.slice(open + 1, -1)) };
}

/** The type of a Tuple/Nested element, which may be named: `a String`, `` `a b` String``. */
export function elementType(arg: string): ColumnType {
  const source = arg.trim();
  if (source.startsWith('`')) {
    let i = 1;
    while (i < source.length && source[i] !== '`') i += source[i] === '\\' ? 2 : 1;
    return parseColumnType(source.slice(i + 1));
  }
  const named = /^[A-Za-z_][A-Za-z0-9_.]*\s+(\S[\s\S]*)$/.exec(source);
  return parseColumnType(named ? named[1]! : source);
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '`') {
      i = closingQuote(text, i);
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

function closingQuote(text: string, open: number): number {
  const quote = text[open];
  let i = open + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  return i;
}
