import { describe, expect, it } from 'vitest';
import {
  context,
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type HrTime,
} from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { decodeTraceRequestProtobuf } from '../src/otlp/protobuf.js';
import {
  OtlpDecodeError,
  type AttributeValue,
  type Attributes,
  type DecodedSpan,
} from '../src/otlp/types.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: real spans from the OTel JS SDK, serialized by the real OTLP protobuf serializer.

const START: HrTime = [1_700_000_000, 123_456_789];
const END: HrTime = [1_700_000_001, 987_654_321];

/** Every attribute type the OTel SDK accepts on a span. */
const SDK_ATTRIBUTES = {
  'str.ascii': 'gpt-4o-mini',
  'str.empty': '',
  'str.unicode': 'héllo wörld ✓ 😀',
  'str.long': 'x'.repeat(70) + 'é'.repeat(40),
  'bool.true': true,
  'bool.false': false,
  'int.zero': 0,
  'int.small': 42,
  'int.negative': -1,
  'int.negative.large': -123_456_789_012,
  'int.max.safe': Number.MAX_SAFE_INTEGER,
  'int.min.safe': Number.MIN_SAFE_INTEGER,
  'int.two.pow.53': 2 ** 53,
  'int.two.pow.60': 2 ** 60,
  'int.min.int64': -(2 ** 63),
  'double.pi': 3.14159,
  'double.negative': -0.5,
  'double.huge': 1e300,
  'array.str': ['stop', 'length'],
  'array.int': [1, -2, 3],
  'array.bool': [true, false],
  'array.double': [1.5, 2.25],
  'array.empty': [],
};

/** Values the SDK refuses on spans but OTLP allows; injected after the SDK has finished. */
const EXTENDED_ATTRIBUTES: Record<string, unknown> = {
  'bytes.value': new Uint8Array([0, 1, 2, 253, 254, 255]),
  'kvlist.value': { model: 'claude', usage: { input: 10, output: 2 }, tags: ['a', 'b'] },
  'array.nested': [
    [1, 2],
    ['x', true],
  ],
  'array.with.nulls': ['a', null, 'b'],
  'double.nan': NaN,
};

async function finishedSpans(
  run: (provider: BasicTracerProvider) => void,
): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'service.instance.id': 'i-42',
      'host.cpu.count': 8,
      'deployment.canary': true,
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  run(provider);
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

/** A root server span with every attribute type, an error status and events, plus children. */
function richSpans(provider: BasicTracerProvider): void {
  const tracer = provider.getTracer('agent-scope', '1.2.3');
  const root = tracer.startSpan('invoke_agent', {
    kind: SpanKind.SERVER,
    startTime: START,
    attributes: SDK_ATTRIBUTES,
  });
  root.addEvent('retry', { attempt: 2 }, START);
  root.recordException(new TypeError('bad input'), START);
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });

  const child = tracer.startSpan(
    'chat gpt-4o-mini',
    { kind: SpanKind.CLIENT, startTime: START, links: [{ context: root.spanContext() }] },
    trace.setSpan(context.active(), root),
  );
  child.setStatus({ code: SpanStatusCode.OK });
  child.end(END);

  // A remote parent with trace state: exercises trace_state and the is-remote flags.
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
    isRemote: true,
    traceState: createTraceState('vendor=value,other=1'),
  });
  const unversioned = provider.getTracer('plain-scope');
  unversioned.startSpan('consume', { kind: SpanKind.CONSUMER, startTime: START }, remote).end(END);
  root.end(END);
}

/** Replaces a finished span's attributes, keeping everything else the SDK recorded. */
function withAttributes(span: ReadableSpan, attributes: Record<string, unknown>): ReadableSpan {
  return Object.create(span, { attributes: { value: attributes } }) as ReadableSpan;
}

// ---------------------------------------------------------------------------------------------
// The expected decoded form, derived from the SDK objects by the OTLP mapping rules.

function nanos([seconds, ns]: HrTime): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(ns);
}

/** OTel attribute value -> OTLP AnyValue -> decoded form; undefined when nothing is sent. */
function expectedValue(value: unknown): AttributeValue | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    // Integral numbers within int64 are sent as int_value, which decodes to a number only while
    // exact; the rest are sent as double_value.
    const int64 = Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63;
    return int64 && !Number.isSafeInteger(value) ? BigInt(value).toString() : value;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) {
    return value.map(expectedValue).filter((v): v is AttributeValue => v !== undefined);
  }
  if (typeof value === 'object' && value !== null) return expectedAttributes(value);
  return undefined;
}

function expectedAttributes(attributes: object): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    const v = expectedValue(value);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function expectedSpan(span: ReadableSpan): DecodedSpan {
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    name: span.name,
    kind: span.kind + 1, // OTLP reserves 0 for unspecified
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: expectedAttributes(span.attributes),
    statusCode: span.status.code,
    statusMessage: span.status.message ?? '',
    events: span.events
      .filter((e) => e.name === 'exception')
      .map((e) => ({ name: e.name, attributes: expectedAttributes(e.attributes ?? {}) })),
  };
}

function decodedSpans(buf: Uint8Array): DecodedSpan[] {
  return decodeTraceRequestProtobuf(buf).resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) => ss.spans),
  );
}

// ---------------------------------------------------------------------------------------------
// A minimal protobuf writer for hand-made messages (unknown fields, malformed input).

function varint(value: bigint): number[] {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const tag = (field: number, wireType: number) => varint(BigInt((field << 3) | wireType));
const vField = (field: number, value: bigint | number) => [
  ...tag(field, 0),
  ...varint(BigInt(value)),
];
const lenField = (field: number, payload: number[]) => [
  ...tag(field, 2),
  ...varint(BigInt(payload.length)),
  ...payload,
];
const strField = (field: number, s: string) => lenField(field, [...Buffer.from(s)]);
const fixed64Field = (field: number, v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return [...tag(field, 1), ...b];
};
const fixed32Field = (field: number, v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return [...tag(field, 5), ...b];
};
/** One unknown field of every wire type, with field numbers no OTLP message uses. */
const UNKNOWN = [
  ...vField(900, 12345678901234n),
  ...fixed64Field(901, 0xdeadbeefcafebaben),
  ...lenField(902, [1, 2, 3, 0xff]),
  ...fixed32Field(903, 7),
];

const kv = (key: string, anyValue: number[]) => [...strField(1, key), ...lenField(2, anyValue)];

/** A request whose every message carries unknown fields before, between and after known ones. */
function handMadeRequest(): Uint8Array {
  const span = [
    ...UNKNOWN,
    ...lenField(1, [0xab, 0xcd, 0xef]), // a 3-byte trace id: hex-encoded as-is
    ...lenField(2, [1, 2, 3, 4, 5, 6, 7, 8]),
    ...lenField(4, []), // empty parent span id
    ...strField(5, 'handmade'),
    ...UNKNOWN,
    ...vField(6, -1), // int32 enum, sign-extended to 10 bytes
    ...fixed64Field(7, 18_446_744_073_709_551_615n),
    ...fixed64Field(8, 1n),
    ...lenField(9, [...UNKNOWN, ...kv('k', [...UNKNOWN, ...strField(1, 'v'), ...UNKNOWN])]),
    ...lenField(9, kv('empty', [...UNKNOWN])), // an AnyValue with no value: dropped
    ...lenField(9, kv('i', vField(3, -5))),
    ...lenField(11, [
      ...strField(2, 'exception'),
      ...UNKNOWN,
      ...lenField(3, kv('exception.type', strField(1, 'E'))),
    ]),
    ...lenField(11, [...lenField(3, [0xff, 0xff]), ...strField(2, 'not-exception')]),
    ...lenField(15, [...UNKNOWN, ...vField(1, 9), ...strField(2, 'msg'), ...vField(3, 2)]),
    ...fixed32Field(16, 0x301),
    ...UNKNOWN,
  ];
  const scopeSpans = [
    ...lenField(1, [...UNKNOWN, ...strField(1, 'scope'), ...strField(2, 'v9'), ...UNKNOWN]),
    ...UNKNOWN,
    ...lenField(2, span),
    ...strField(3, 'https://opentelemetry.io/schemas/1.26.0'),
  ];
  const resourceSpans = [
    ...lenField(1, [...lenField(1, kv('service.name', strField(1, 'svc'))), ...UNKNOWN]),
    ...UNKNOWN,
    ...lenField(2, scopeSpans),
  ];
  return Uint8Array.from([...UNKNOWN, ...lenField(1, resourceSpans), ...UNKNOWN]);
}

/** An AnyValue holding `depth` nested single-element arrays around 'leaf'; built inside out. */
function nestedArrays(depth: number): number[] {
  const leaf = strField(1, 'leaf');
  const prefixes: number[][] = [];
  let size = leaf.length;
  for (let i = 0; i < depth; i++) {
    const values = [...tag(1, 2), ...varint(BigInt(size))]; // ArrayValue.values
    size += values.length;
    const arrayValue = [...tag(5, 2), ...varint(BigInt(size))]; // AnyValue.array_value
    size += arrayValue.length;
    prefixes.push(values, arrayValue);
  }
  const out: number[] = [];
  for (let i = prefixes.length - 1; i >= 0; i--) out.push(...prefixes[i]!);
  out.push(...leaf);
  return out;
}

/** Seeded PRNG so a failing fuzz case is reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Decoding must either succeed or throw OtlpDecodeError; any other outcome fails the test. */
function decodeOrDecodeError(buf: Uint8Array): 'ok' | 'rejected' {
  try {
    decodeTraceRequestProtobuf(buf);
    return 'ok';
  } catch (err) {
    if (err instanceof OtlpDecodeError) return 'rejected';
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------

describe('decodeTraceRequestProtobuf on real OTel JS payloads', () => {
  it('round-trips ids, kinds, names, status, exact timestamps and every attribute type', async () => {
    const spans = await finishedSpans(richSpans);
    expect(spans).toHaveLength(3);
    const decoded = decodedSpans(ProtobufTraceSerializer.serializeRequest(spans)!);
    // The serializer groups spans by scope, so compare in span-id order.
    const bySpanId = (a: DecodedSpan, b: DecodedSpan) => a.spanId.localeCompare(b.spanId);
    expect([...decoded].sort(bySpanId)).toEqual(spans.map(expectedSpan).sort(bySpanId));

    const root = decoded.find((s) => s.name === 'invoke_agent')!;
    // Spot checks independent of the expectation builder above.
    expect(root.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(root.endTimeUnixNano).toBe(1_700_000_001_987_654_321n);
    expect(root.kind).toBe(2);
    expect(root.statusCode).toBe(2);
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(root.attributes['int.two.pow.60']).toBe('1152921504606846976');
    expect(root.attributes['int.min.int64']).toBe('-9223372036854775808');
    expect(root.attributes['int.two.pow.53']).toBe('9007199254740992');
    expect(root.attributes['int.max.safe']).toBe(9007199254740991);
    expect(root.attributes['int.negative']).toBe(-1);
    expect(root.attributes['str.unicode']).toBe('héllo wörld ✓ 😀');
    expect(root.events).toHaveLength(1);
    expect(root.events[0]!.attributes['exception.type']).toBe('TypeError');
    expect(root.events[0]!.attributes['exception.message']).toBe('bad input');
    const consumer = decoded.find((s) => s.name === 'consume')!;
    expect(consumer.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(consumer.parentSpanId).toBe('b7ad6b7169203331');
    expect(consumer.kind).toBe(5);
  });

  it('decodes bytes, kvlist, nested and null-holding array values', async () => {
    const [span] = await finishedSpans((p) =>
      p.getTracer('t').startSpan('s', { startTime: START }).end(END),
    );
    const request = ProtobufTraceSerializer.serializeRequest([
      withAttributes(span!, EXTENDED_ATTRIBUTES),
    ])!;
    const [decoded] = decodedSpans(request);
    expect(decoded!.attributes).toEqual(expectedAttributes(EXTENDED_ATTRIBUTES));
    expect(decoded!.attributes['bytes.value']).toBe('AAEC/f7/');
    expect(decoded!.attributes['kvlist.value']).toEqual({
      model: 'claude',
      usage: { input: 10, output: 2 },
      tags: ['a', 'b'],
    });
    expect(decoded!.attributes['array.with.nulls']).toEqual(['a', 'b']);
  });

  it('keeps resources and scopes apart, with their attributes, names and versions', async () => {
    const spans = await finishedSpans(richSpans);
    const other = await finishedSpans((p) =>
      p.getTracer('other', '0.0.1').startSpan('x', { startTime: START }).end(END),
    );
    const otherResource = resourceFromAttributes({ 'service.name': 'billing' });
    const request = ProtobufTraceSerializer.serializeRequest([
      ...spans,
      Object.create(other[0]!, { resource: { value: otherResource } }) as ReadableSpan,
    ])!;
    const { resourceSpans } = decodeTraceRequestProtobuf(request);
    expect(resourceSpans).toHaveLength(2);
    expect(resourceSpans[0]!.resource).toEqual(expectedAttributes(spans[0]!.resource.attributes));
    expect(resourceSpans[0]!.resource['host.cpu.count']).toBe(8);
    expect(resourceSpans[1]!.resource).toEqual({ 'service.name': 'billing' });
    const scopes = resourceSpans[0]!.scopeSpans.map((s) => [
      s.scopeName,
      s.scopeVersion,
      s.spans.length,
    ]);
    expect(scopes).toEqual([
      ['agent-scope', '1.2.3', 2],
      ['plain-scope', '', 1],
    ]);
    expect(resourceSpans[1]!.scopeSpans[0]!.scopeName).toBe('other');
  });

  it('merges concatenated requests, as protobuf does for repeated fields', async () => {
    const a = ProtobufTraceSerializer.serializeRequest(await finishedSpans(richSpans))!;
    const b = ProtobufTraceSerializer.serializeRequest(await finishedSpans(richSpans))!;
    const both = decodeTraceRequestProtobuf(Buffer.concat([a, b]));
    expect(both.resourceSpans).toEqual([
      ...decodeTraceRequestProtobuf(a).resourceSpans,
      ...decodeTraceRequestProtobuf(b).resourceSpans,
    ]);
  });

  it('decodes an empty body as an empty request', () => {
    expect(decodeTraceRequestProtobuf(new Uint8Array(0))).toEqual({ resourceSpans: [] });
  });

  it('decodes thousands of distinct same-length strings exactly, twice over', () => {
    // More distinct short strings than any string cache has slots: collisions must not leak.
    const keys = Array.from({ length: 6000 }, (_, i) => `k-${i.toString(36).padStart(4, '0')}`);
    const request = Uint8Array.from(
      lenField(
        1,
        lenField(
          1,
          keys.flatMap((k) => lenField(1, kv(k, strField(1, k.toUpperCase())))),
        ),
      ),
    );
    const expected = Object.fromEntries(keys.map((k) => [k, k.toUpperCase()]));
    for (let round = 0; round < 2; round++) {
      expect(decodeTraceRequestProtobuf(request).resourceSpans[0]!.resource).toEqual(expected);
    }
  });

  it('does not let attribute keys reach the prototype', () => {
    const request = Uint8Array.from(
      lenField(1, lenField(1, lenField(1, kv('__proto__', strField(1, 'polluted'))))),
    );
    const resource = decodeTraceRequestProtobuf(request).resourceSpans[0]!.resource;
    expect(Object.keys(resource)).toEqual(['__proto__']);
    expect(resource['__proto__']).toBe('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('decodeTraceRequestProtobuf on hand-made messages', () => {
  it('skips unknown fields of every wire type in every message', () => {
    const [rs] = decodeTraceRequestProtobuf(handMadeRequest()).resourceSpans;
    expect(rs!.resource).toEqual({ 'service.name': 'svc' });
    expect(rs!.scopeSpans).toHaveLength(1);
    const ss = rs!.scopeSpans[0]!;
    expect([ss.scopeName, ss.scopeVersion]).toEqual(['scope', 'v9']);
    expect(ss.spans).toEqual([
      {
        traceId: 'abcdef',
        spanId: '0102030405060708',
        parentSpanId: '',
        name: 'handmade',
        kind: -1,
        startTimeUnixNano: 18_446_744_073_709_551_615n,
        endTimeUnixNano: 1n,
        attributes: { k: 'v', i: -5 },
        statusCode: 2,
        statusMessage: 'msg',
        events: [{ name: 'exception', attributes: { 'exception.type': 'E' } }],
      },
    ]);
  });

  it('skips unknown fields appended to a real payload', async () => {
    const real = ProtobufTraceSerializer.serializeRequest(await finishedSpans(richSpans))!;
    const extended = Uint8Array.from([...UNKNOWN, ...real, ...UNKNOWN]);
    expect(decodeTraceRequestProtobuf(extended)).toEqual(decodeTraceRequestProtobuf(real));
  });

  const malformed: [string, number[], RegExp][] = [
    ['a varint longer than 10 bytes', [...tag(900, 0), ...Array(10).fill(0xff), 0x01], /varint/],
    ['a tag varint beyond 32 bits', [0xff, 0xff, 0xff, 0xff, 0x7f], /32 bits/],
    ['a varint cut short', [...tag(900, 0), 0x80], /truncated/],
    ['a length past the end', [...tag(1, 2), 5, 1, 2], /past the end/],
    ['a nested length past its parent', lenField(1, [...tag(2, 2), 10, 1]), /past the end/],
    ['a start group', [...tag(5, 3)], /group/],
    ['an end group', [...tag(5, 4)], /group/],
    ['wire type 6', [...tag(5, 6)], /wire type 6/],
    ['field number 0', [0x02, 0x00], /field number 0/],
    ['a fixed64 cut short', [...tag(900, 1), 1, 2, 3], /truncated/],
    ['a fixed32 cut short', [...tag(900, 5), 1], /truncated/],
    ['resource_spans as a varint', vField(1, 3), /resource_spans has wire type 0/],
    [
      'Span.start_time_unix_nano as a varint',
      lenField(1, lenField(2, lenField(2, vField(7, 5)))),
      /Span\.start_time_unix_nano has wire type 0, expected 1/,
    ],
    [
      'Span.name as fixed32',
      lenField(1, lenField(2, lenField(2, fixed32Field(5, 1)))),
      /Span\.name/,
    ],
    [
      'AnyValue.int_value as bytes',
      lenField(1, lenField(1, lenField(1, kv('k', lenField(3, [1]))))),
      /AnyValue\.int_value/,
    ],
    [
      'a varint that runs past the end of its message',
      [...lenField(1, tag(900, 0)), 0x01],
      /ResourceSpans overruns its length/,
    ],
  ];
  it.each(malformed)('rejects %s', (_name, bytes, message) => {
    const decode = () => decodeTraceRequestProtobuf(Uint8Array.from(bytes));
    expect(decode).toThrow(OtlpDecodeError);
    expect(decode).toThrow(message);
  });

  it('rejects attribute values nested beyond the depth limit without exhausting the stack', () => {
    const deep = Uint8Array.from(
      lenField(1, lenField(1, lenField(1, kv('deep', nestedArrays(100_000))))),
    );
    expect(() => decodeTraceRequestProtobuf(deep)).toThrow(OtlpDecodeError);
    expect(() => decodeTraceRequestProtobuf(deep)).toThrow(/nested too deeply/);

    const ok = Uint8Array.from(lenField(1, lenField(1, lenField(1, kv('ok', nestedArrays(10))))));
    let expected: AttributeValue = 'leaf';
    for (let i = 0; i < 10; i++) expected = [expected];
    expect(decodeTraceRequestProtobuf(ok).resourceSpans[0]!.resource).toEqual({ ok: expected });
  });
});

describe('decodeTraceRequestProtobuf on truncated and corrupted input', () => {
  it('rejects a real payload truncated at every byte offset', async () => {
    const spans = await finishedSpans(richSpans);
    const request = ProtobufTraceSerializer.serializeRequest(spans)!;
    // One resource means one top-level field, so every proper prefix but the empty one is cut
    // inside a message.
    expect(decodeTraceRequestProtobuf(request).resourceSpans).toHaveLength(1);
    for (let n = 1; n < request.length; n++) {
      expect(decodeOrDecodeError(request.subarray(0, n)), `prefix of ${n} bytes`).toBe('rejected');
    }
  });

  it('answers random garbage and corrupted payloads only with OtlpDecodeError', async () => {
    const request = ProtobufTraceSerializer.serializeRequest(await finishedSpans(richSpans))!;
    const random = prng(42);
    const outcomes = { ok: 0, rejected: 0 };
    for (let i = 0; i < 3000; i++) {
      const buf = Uint8Array.from(request);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++)
        buf[Math.floor(random() * buf.length)] = Math.floor(random() * 256);
      outcomes[decodeOrDecodeError(buf)]++;
    }
    for (let i = 0; i < 3000; i++) {
      const buf = new Uint8Array(Math.floor(random() * 200));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(random() * 256);
      outcomes[decodeOrDecodeError(buf)]++;
    }
    // Both outcomes must occur, or the corruption is not exercising the decoder.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});
