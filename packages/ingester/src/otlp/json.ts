/**
 * OTLP/JSON decoder for `ExportTraceServiceRequest`: the proto3 JSON mapping with the OTLP
 * exceptions (trace and span ids are hex, not base64; enums are integers, though their names
 * are accepted too). Keys are accepted in lowerCamelCase and in their snake_case proto
 * spelling; unknown keys are ignored, and null stands for an absent field.
 */
import { parse as parseLossless } from 'lossless-json';
import { MAX_VALUE_DEPTH, newAttributes } from './attribute-values.js';
import {
  OtlpDecodeError,
  type AttributeValue,
  type Attributes,
  type DecodedEvent,
  type DecodedResourceSpans,
  type DecodedScopeSpans,
  type DecodedSpan,
  type DecodedTraceRequest,
} from './types.js';

type JsonObject = Record<string, unknown>;

const INTEGER_LITERAL = /^-?\d+$/;
const UNSIGNED_DECIMAL = /^\d+$/;
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;
const MIN_INT64 = -0x8000_0000_0000_0000n;
const MAX_INT64 = 0x7fff_ffff_ffff_ffffn;

/** proto3 JSON parsers accept enum names as well as numbers; some senders use them. */
const SPAN_KINDS = new Map([
  ['SPAN_KIND_UNSPECIFIED', 0],
  ['SPAN_KIND_INTERNAL', 1],
  ['SPAN_KIND_SERVER', 2],
  ['SPAN_KIND_CLIENT', 3],
  ['SPAN_KIND_PRODUCER', 4],
  ['SPAN_KIND_CONSUMER', 5],
]);
const STATUS_CODES = new Map([
  ['STATUS_CODE_UNSET', 0],
  ['STATUS_CODE_OK', 1],
  ['STATUS_CODE_ERROR', 2],
]);

/** A structural error; callers prepend their path segment as it unwinds. */
class JsonPathError extends Error {
  constructor(
    public path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * An int64 field holds a JSON number beyond 2^53, which JSON.parse has already rounded. The
 * body is then parsed again, losslessly; if the number is still inexact there (a fraction or
 * exponent form), this is reported like any other structural error.
 */
class InexactIntegerError extends JsonPathError {}

export function decodeTraceRequestJson(text: string): DecodedTraceRequest {
  try {
    try {
      return decodeRequest(parseJson(text, false));
    } catch (err) {
      if (!(err instanceof InexactIntegerError)) throw err;
      // Bare int64 numbers are legal (the spec's own example sends timestamps that way) but
      // rare, so only those bodies pay for the ~10x slower lossless parser.
      return decodeRequest(parseJson(text, true));
    }
  } catch (err) {
    if (err instanceof JsonPathError) {
      throw new OtlpDecodeError(`${err.path === '' ? 'request' : err.path}: ${err.reason}`);
    }
    throw err;
  }
}

/**
 * A `\uD800`-`\uDFFF` escape: JSON may spell a lone surrogate, which no UTF-8 text (and so no
 * ClickHouse String read from JSON) can hold. Only bodies that contain one pay for the reviver.
 */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Lone surrogates become U+FFFD, as a UTF-8 decoder does with a malformed sequence. */
const wellFormed = (_key: string, value: unknown): unknown =>
  typeof value === 'string' ? (value as string & { toWellFormed(): string }).toWellFormed() : value;

function parseJson(text: string, lossless: boolean): unknown {
  try {
    if (!lossless) return JSON.parse(text, SURROGATE_ESCAPE.test(text) ? wellFormed : undefined);
    return parseLossless(text, SURROGATE_ESCAPE.test(text) ? wellFormed : null, {
      parseNumber: (literal) => {
        const n = Number(literal);
        return Number.isSafeInteger(n) || !INTEGER_LITERAL.test(literal) ? n : BigInt(literal);
      },
      // JSON.parse keeps the last of duplicate keys; lossless-json would throw.
      onDuplicateKey: ({ newValue }) => newValue,
    });
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function decodeRequest(root: unknown): DecodedTraceRequest {
  const request = asObject(root, '');
  const resourceSpans: DecodedResourceSpans[] = [];
  const list = optArray(request.resourceSpans ?? request.resource_spans, 'resourceSpans');
  for (let i = 0; i < list.length; i++) {
    try {
      resourceSpans.push(decodeResourceSpans(list[i]));
    } catch (err) {
      throw within(err, `resourceSpans[${i}]`);
    }
  }
  return { resourceSpans };
}

function decodeResourceSpans(value: unknown): DecodedResourceSpans {
  const o = asObject(value, '');
  const resource = o.resource;
  const scopeSpans: DecodedScopeSpans[] = [];
  const list = optArray(o.scopeSpans ?? o.scope_spans, 'scopeSpans');
  for (let i = 0; i < list.length; i++) {
    try {
      scopeSpans.push(decodeScopeSpans(list[i]));
    } catch (err) {
      throw within(err, `scopeSpans[${i}]`);
    }
  }
  return {
    resource:
      resource == null
        ? newAttributes()
        : decodeAttributes(asObject(resource, 'resource').attributes, 'resource.attributes', 0),
    scopeSpans,
  };
}

function decodeScopeSpans(value: unknown): DecodedScopeSpans {
  const o = asObject(value, '');
  let scopeName = '';
  let scopeVersion = '';
  if (o.scope != null) {
    const scope = asObject(o.scope, 'scope');
    scopeName = optString(scope.name, 'scope.name');
    scopeVersion = optString(scope.version, 'scope.version');
  }
  const spans: DecodedSpan[] = [];
  const list = optArray(o.spans, 'spans');
  for (let i = 0; i < list.length; i++) {
    try {
      spans.push(decodeSpan(list[i]));
    } catch (err) {
      throw within(err, `spans[${i}]`);
    }
  }
  return { scopeName, scopeVersion, spans };
}

function decodeSpan(value: unknown): DecodedSpan {
  const o = asObject(value, '');
  let statusCode = 0;
  let statusMessage = '';
  if (o.status != null) {
    const status = asObject(o.status, 'status');
    statusCode = enumValue(status.code, 'status.code', STATUS_CODES);
    statusMessage = optString(status.message, 'status.message');
  }
  return {
    traceId: hexId(o.traceId ?? o.trace_id, 'traceId'),
    spanId: hexId(o.spanId ?? o.span_id, 'spanId'),
    parentSpanId: hexId(o.parentSpanId ?? o.parent_span_id, 'parentSpanId'),
    name: optString(o.name, 'name'),
    kind: enumValue(o.kind, 'kind', SPAN_KINDS),
    startTimeUnixNano: timestamp(
      o.startTimeUnixNano ?? o.start_time_unix_nano,
      'startTimeUnixNano',
    ),
    endTimeUnixNano: timestamp(o.endTimeUnixNano ?? o.end_time_unix_nano, 'endTimeUnixNano'),
    attributes: decodeAttributes(o.attributes, 'attributes', 0),
    statusCode,
    statusMessage,
    events: decodeEvents(o.events),
  };
}

/** Only `exception` events are kept; the others are not looked into. */
function decodeEvents(value: unknown): DecodedEvent[] {
  const events: DecodedEvent[] = [];
  const list = optArray(value, 'events');
  for (let i = 0; i < list.length; i++) {
    try {
      const event = asObject(list[i], '');
      if (event.name === 'exception') {
        events.push({
          name: 'exception',
          attributes: decodeAttributes(event.attributes, 'attributes', 0),
        });
      }
    } catch (err) {
      throw within(err, `events[${i}]`);
    }
  }
  return events;
}

function decodeAttributes(value: unknown, path: string, depth: number): Attributes {
  const attrs = newAttributes();
  const list = optArray(value, path);
  for (let i = 0; i < list.length; i++) {
    try {
      decodeKeyValue(list[i], attrs, depth);
    } catch (err) {
      throw within(err, `${path}[${i}]`);
    }
  }
  return attrs;
}

/** Decodes one KeyValue into `attrs`; a KeyValue whose AnyValue is empty is dropped. */
function decodeKeyValue(item: unknown, attrs: Attributes, depth: number): void {
  const kv = asObject(item, '');
  const key = optString(kv.key, 'key');
  let value: AttributeValue | undefined;
  try {
    value = decodeAnyValue(kv.value, depth);
  } catch (err) {
    throw within(err, 'value');
  }
  if (value !== undefined) attrs[key] = value;
}

function decodeAnyValue(value: unknown, depth: number): AttributeValue | undefined {
  if (value == null) return undefined;
  const o = asObject(value, '');
  let v: unknown;
  if ((v = o.stringValue ?? o.string_value) != null) {
    if (typeof v === 'string') return v;
    return fail('stringValue', 'expected a string');
  }
  if ((v = o.intValue ?? o.int_value) != null) return int64(v);
  if ((v = o.doubleValue ?? o.double_value) != null) return double(v);
  if ((v = o.boolValue ?? o.bool_value) != null) {
    if (typeof v === 'boolean') return v;
    return fail('boolValue', 'expected a boolean');
  }
  if ((v = o.arrayValue ?? o.array_value) != null) {
    return decodeArrayValue(asObject(v, 'arrayValue'), depth + 1);
  }
  if ((v = o.kvlistValue ?? o.kvlist_value) != null) {
    if (depth + 1 > MAX_VALUE_DEPTH) fail('kvlistValue', 'nested too deeply');
    return decodeAttributes(asObject(v, 'kvlistValue').values, 'kvlistValue.values', depth + 1);
  }
  if ((v = o.bytesValue ?? o.bytes_value) != null) {
    if (typeof v === 'string') return v;
    return fail('bytesValue', 'expected a base64 string');
  }
  return undefined;
}

function decodeArrayValue(array: JsonObject, depth: number): AttributeValue[] {
  if (depth > MAX_VALUE_DEPTH) fail('arrayValue', 'nested too deeply');
  const values: AttributeValue[] = [];
  const list = optArray(array.values, 'arrayValue.values');
  for (let i = 0; i < list.length; i++) {
    let value: AttributeValue | undefined;
    try {
      value = decodeAnyValue(list[i], depth);
    } catch (err) {
      throw within(err, `arrayValue.values[${i}]`);
    }
    if (value !== undefined) values.push(value);
  }
  return values;
}

/** int64: a number when it is a safe integer, else its exact decimal string. */
function int64(v: unknown): number | string {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    if (Number.isInteger(v)) throw new InexactIntegerError('intValue', 'expected an integer');
  } else if (typeof v === 'string') {
    if (INTEGER_LITERAL.test(v)) {
      const n = Number(v);
      if (Number.isSafeInteger(n)) return n;
      const exact = BigInt(v);
      if (exact < MIN_INT64 || exact > MAX_INT64) return fail('intValue', 'out of int64 range');
      return exact.toString();
    }
  } else if (typeof v === 'bigint') {
    if (v < MIN_INT64 || v > MAX_INT64) return fail('intValue', 'out of int64 range');
    return v.toString();
  }
  return fail('intValue', 'expected an integer');
}

/** proto3 JSON doubles may also be strings, including "NaN", "Infinity" and "-Infinity". */
function double(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (DECIMAL.test(v)) return Number(v);
  }
  return fail('doubleValue', 'expected a number');
}

/** fixed64 nanoseconds: a decimal string or a JSON number, kept exact. */
function timestamp(v: unknown, path: string): bigint {
  if (v == null) return 0n;
  let n: bigint | undefined;
  if (typeof v === 'string') {
    if (UNSIGNED_DECIMAL.test(v)) n = BigInt(v);
  } else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) n = BigInt(v);
    else if (Number.isInteger(v)) throw new InexactIntegerError(path, 'expected an integer');
  } else if (typeof v === 'bigint') {
    n = v;
  }
  if (n === undefined) return fail(path, 'expected an integer');
  if (n < 0n || n > MAX_UINT64) return fail(path, 'out of range for an unsigned 64-bit integer');
  return n;
}

function enumValue(v: unknown, path: string, names: ReadonlyMap<string, number>): number {
  if (v == null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v === (v | 0)) return v;
  if (typeof v === 'string') {
    const n = names.get(v);
    if (n !== undefined) return n;
  }
  return fail(path, 'expected an enum integer');
}

/** Trace and span ids are hex in OTLP/JSON (not base64); validated later, by length and digits. */
function hexId(v: unknown, path: string): string {
  if (v == null) return '';
  if (typeof v === 'string') return v.toLowerCase();
  return fail(path, 'expected a hex string');
}

function optString(v: unknown, path: string): string {
  if (v == null) return '';
  if (typeof v === 'string') return v;
  return fail(path, 'expected a string');
}

function optArray(v: unknown, path: string): readonly unknown[] {
  if (v == null) return [];
  if (Array.isArray(v)) return v as unknown[];
  return fail(path, 'expected an array');
}

function asObject(v: unknown, path: string): JsonObject {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as JsonObject;
  return fail(path, 'expected an object');
}

function fail(path: string, reason: string): never {
  throw new JsonPathError(path, reason);
}

/** Prefixes a structural error's path with the segment of the value that contained it. */
function within(err: unknown, segment: string): unknown {
  if (err instanceof JsonPathError) err.path = err.path === '' ? segment : `${segment}.${err.path}`;
  return err;
}
