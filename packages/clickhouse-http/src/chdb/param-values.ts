/**
 * `param_<name>` values arrive in ClickHouse's escaped text form (`it\'s`, `['a','b']`), which
 * the engine parses as the placeholder's type. chdb's binder takes a JS string and escapes it
 * once more (backslash, control characters), so the value is decoded here to the string whose
 * escaped form the engine reads back as the same value.
 */

/** Types whose text form is parsed as a whole, with quoted strings inside (`['a\'b']`). */
const COMPOSITE_TYPES = new Set([
  'Array',
  'Tuple',
  'Map',
  'Nested',
  'Point',
  'Ring',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
  'Variant',
  'Dynamic',
  'JSON',
  'Object',
]);

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  '0': '\0',
  a: '\x07',
  v: '\x0b',
  e: '\x1b',
  '"': '"',
};

/** The value to hand to chdb's binder; `null` for the NULL marker `\N`. */
export function bindingValue(raw: string, declaredType: string | undefined): string | null {
  if (raw === '\\N') return null;
  // Inside a composite value an escaped quote must stay a quote of the inner string literal;
  // doubling it is the one spelling that survives chdb's escaping.
  const quote = COMPOSITE_TYPES.has(baseTypeName(declaredType)) ? "''" : "'";
  return decodeEscapes(raw, quote);
}

const WRAPPER = /^(?:Nullable|LowCardinality)\s*\(([\s\S]*)\)$/;

function baseTypeName(type: string | undefined): string {
  let t = (type ?? '').trim();
  for (let m = WRAPPER.exec(t); m; m = WRAPPER.exec(t)) t = m[1]!.trim();
  return /^\w*/.exec(t)![0];
}

/** ClickHouse's escape sequences; an unknown one keeps its backslash, as the engine does. */
function decodeEscapes(raw: string, quote: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    const next = raw[i + 1];
    if (c !== '\\' || next === undefined) {
      out += c;
      continue;
    }
    i++;
    if (next === "'") {
      out += quote;
    } else if (next in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[next];
    } else if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 1, i + 3))) {
      const decoded = String.fromCharCode(parseInt(raw.slice(i + 1, i + 3), 16));
      out += decoded === "'" ? quote : decoded;
      i += 2;
    } else {
      out += `\\${next}`;
    }
  }
  return out;
}
