/**
 * Native output for a client that sent `client_protocol_version` (clickhouse-go ≥ 2.37, hence
 * Grafana's ClickHouse datasource over HTTP). A ClickHouse server then writes each block with a
 * BlockInfo header and, from revision 54454, a "custom serialization" flag after every column's
 * type. The embedded engine has no HTTP handler to tell it the client's revision and always writes
 * revision 0, so its blocks are rewritten here: the header and flags are inserted, the column data
 * is copied unchanged. Finding where a column's data ends requires walking it by type, so types
 * whose layout is not known here are refused rather than guessed.
 */
import { ClickHouseHttpError } from '../errors.js';
import { elementType, parseColumnType, type ColumnType } from './column-type.js';

const WITH_CUSTOM_SERIALIZATION = 54454;
const WITH_OUT_OF_ORDER_BUCKETS = 54480;

const FIXED_WIDTH: Readonly<Record<string, number>> = {
  UInt8: 1,
  Int8: 1,
  Bool: 1,
  Enum8: 1,
  Nothing: 1,
  UInt16: 2,
  Int16: 2,
  Date: 2,
  Enum16: 2,
  BFloat16: 2,
  UInt32: 4,
  Int32: 4,
  Float32: 4,
  Date32: 4,
  DateTime: 4,
  IPv4: 4,
  Decimal32: 4,
  Time: 4,
  UInt64: 8,
  Int64: 8,
  Float64: 8,
  DateTime64: 8,
  Decimal64: 8,
  Time64: 8,
  UInt128: 16,
  Int128: 16,
  UUID: 16,
  IPv6: 16,
  Decimal128: 16,
  UInt256: 32,
  Int256: 32,
  Decimal256: 32,
};

/** Geometry types are aliases of arrays and tuples of Float64. */
const ALIASES: Readonly<Record<string, string>> = {
  Point: 'Tuple(Float64, Float64)',
  Ring: 'Array(Point)',
  LineString: 'Array(Point)',
  Polygon: 'Array(Ring)',
  MultiLineString: 'Array(LineString)',
  MultiPolygon: 'Array(Polygon)',
};

/** LowCardinality index header: low byte = index width code; flags above it. */
const NEEDS_GLOBAL_DICTIONARY = 1n << 8n;
const HAS_ADDITIONAL_KEYS = 1n << 9n;

export function nativeForClientRevision(body: Buffer, revision: number): Buffer {
  if (revision <= 0) return body;
  const reader = new Reader(body);
  const out: Buffer[] = [];
  while (!reader.done) {
    out.push(blockInfo(revision));
    const headerStart = reader.pos;
    const columns = reader.varUInt();
    const rows = reader.varUInt();
    out.push(reader.since(headerStart));
    for (let c = 0; c < columns; c++) {
      const columnStart = reader.pos;
      reader.string();
      const typeName = reader.string();
      out.push(reader.since(columnStart));
      if (revision >= WITH_CUSTOM_SERIALIZATION) out.push(Buffer.of(0));
      const dataStart = reader.pos;
      // A block without rows carries no column data at all, not even state prefixes.
      if (rows > 0) skipColumn(reader, typeOf(typeName), rows);
      out.push(reader.since(dataStart));
    }
  }
  return Buffer.concat(out);
}

/** is_overflows = false, bucket_num = -1, [out_of_order_buckets = []], end. */
function blockInfo(revision: number): Buffer {
  const outOfOrderBuckets = revision >= WITH_OUT_OF_ORDER_BUCKETS ? [3, 0] : [];
  return Buffer.of(1, 0, 2, 0xff, 0xff, 0xff, 0xff, ...outOfOrderBuckets, 0);
}

function typeOf(text: string): ColumnType {
  const type = parseColumnType(text);
  const alias = ALIASES[type.name];
  return alias ? parseColumnType(alias) : type;
}

function inner(type: ColumnType, index = 0): ColumnType {
  const arg = type.args[index];
  if (arg === undefined) throw malformed(type);
  return typeOf(arg);
}

/** State prefixes of the whole column come before its data (LowCardinality writes its version). */
function skipColumn(reader: Reader, type: ColumnType, rows: number): void {
  skipPrefix(reader, type);
  skipData(reader, type, rows);
}

function skipPrefix(reader: Reader, type: ColumnType): void {
  switch (type.name) {
    case 'LowCardinality':
      reader.skip(8);
      return;
    case 'Array':
    case 'Nullable':
      return skipPrefix(reader, inner(type));
    case 'SimpleAggregateFunction':
      return skipPrefix(reader, inner(type, type.args.length - 1));
    case 'Map':
      skipPrefix(reader, inner(type, 0));
      return skipPrefix(reader, inner(type, 1));
    case 'Tuple':
    case 'Nested':
      for (const arg of type.args) skipPrefix(reader, elementType(arg));
      return;
  }
}

function skipData(reader: Reader, type: ColumnType, rows: number): void {
  if (rows === 0) return;
  const width = fixedWidth(type);
  if (width !== undefined) return reader.skip(width * rows);
  switch (type.name) {
    case 'String':
      for (let i = 0; i < rows; i++) reader.skip(reader.varUInt());
      return;
    case 'Nullable':
      reader.skip(rows);
      return skipData(reader, inner(type), rows);
    case 'Array':
      return skipData(reader, inner(type), reader.offsets(rows));
    case 'Map': {
      const entries = reader.offsets(rows);
      skipData(reader, inner(type, 0), entries);
      return skipData(reader, inner(type, 1), entries);
    }
    case 'Nested': {
      const elements = reader.offsets(rows);
      for (const arg of type.args) skipData(reader, elementType(arg), elements);
      return;
    }
    case 'Tuple':
      for (const arg of type.args) skipData(reader, elementType(arg), rows);
      return;
    case 'SimpleAggregateFunction':
      return skipData(reader, inner(type, type.args.length - 1), rows);
    case 'LowCardinality':
      return skipLowCardinality(reader, type, rows);
    default:
      throw ClickHouseHttpError.of(
        'NOT_IMPLEMENTED',
        `Native output with client_protocol_version does not support columns of type ${type.name}; ` +
          'select them in another type or format, or omit client_protocol_version',
      );
  }
}

function fixedWidth(type: ColumnType): number | undefined {
  if (type.name === 'FixedString') return Number(type.args[0]);
  if (type.name === 'Decimal') {
    const precision = Number(type.args[0]);
    return precision <= 9 ? 4 : precision <= 18 ? 8 : precision <= 38 ? 16 : 32;
  }
  if (type.name.startsWith('Interval')) return 8;
  return FIXED_WIDTH[type.name];
}

/** One granule: index header, the dictionary keys it adds, then one index per row. */
function skipLowCardinality(reader: Reader, type: ColumnType, rows: number): void {
  const header = reader.uint64();
  if (header & NEEDS_GLOBAL_DICTIONARY) throw malformed(type);
  const indexWidth = 1 << Number(header & 0xffn);
  let keyType = inner(type);
  if (keyType.name === 'Nullable') keyType = inner(keyType);
  if (header & HAS_ADDITIONAL_KEYS) skipData(reader, keyType, Number(reader.uint64()));
  const indexes = Number(reader.uint64());
  if (indexes !== rows) throw malformed(type);
  reader.skip(indexes * indexWidth);
}

function malformed(type: ColumnType): ClickHouseHttpError {
  return ClickHouseHttpError.of(
    'STD_EXCEPTION',
    `Cannot read Native column data of type ${type.name}`,
  );
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  since(start: number): Buffer {
    return this.buf.subarray(start, this.pos);
  }

  skip(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0 || this.pos + bytes > this.buf.length) {
      throw ClickHouseHttpError.of('STD_EXCEPTION', 'Native output ends inside a column');
    }
    this.pos += bytes;
  }

  varUInt(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      this.skip(1);
      const byte = this.buf[this.pos - 1]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  }

  string(): string {
    const length = this.varUInt();
    this.skip(length);
    return this.buf.toString('utf8', this.pos - length, this.pos);
  }

  uint64(): bigint {
    this.skip(8);
    return this.buf.readBigUInt64LE(this.pos - 8);
  }

  /** Array offsets: one cumulative UInt64 per row; the last is the number of nested elements. */
  offsets(rows: number): number {
    this.skip(rows * 8);
    return Number(this.buf.readBigUInt64LE(this.pos - 8));
  }
}
