import { describe, expect, it } from 'vitest';
import { context, SpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { decodeTraceRequestJson } from '../src/otlp/json.js';
import { decodeTraceRequestProtobuf } from '../src/otlp/protobuf.js';
import { OtlpDecodeError, type DecodedSpan } from '../src/otlp/types.js';

// ---------------------------------------------------------------------------------------------
// Real spans, serialized by both OTel JS serializers: the two decoders must agree exactly (the
// protobuf decoder is checked against the SDK's own values in otlp-protobuf.test.ts).

const START: HrTime = [1_700_000_000, 123_456_789];
const END: HrTime = [1_700_000_001, 987_654_321];

async function realSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.cpu.count': 8 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('agent-scope', '1.2.3');
  const root = tracer.startSpan('invoke_agent', {
    kind: SpanKind.SERVER,
    startTime: START,
    attributes: {
      'str.ascii': 'gpt-4o-mini',
      'str.unicode': 'héllo wörld ✓ 😀',
      'bool.true': true,
      'int.small': 42,
      'int.negative': -123_456_789_012,
      // The JSON serializer writes integral numbers with JS number formatting, so only those
      // whose shortest form is exact survive it: 2^53 does, 2^60 becomes 1152921504606847000.
      'int.two.pow.53': 2 ** 53,
      'double.pi': 3.14159,
      'array.str': ['stop', 'length'],
      'array.int': [1, -2, 3],
    },
  });
  root.addEvent('retry', { attempt: 2 }, START);
  root.recordException(new TypeError('bad input'), START);
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });
  const child = tracer.startSpan(
    'chat',
    { kind: SpanKind.CLIENT, startTime: START, links: [{ context: root.spanContext() }] },
    trace.setSpan(context.active(), root),
  );
  child.end(END);
  root.end(END);
  await provider.forceFlush();
  // Values the SDK refuses on spans but OTLP allows, injected after the SDK has finished.
  return exporter.getFinishedSpans().map((span) => {
    if (span.spanContext().spanId !== root.spanContext().spanId) return span;
    const extended = {
      ...span.attributes,
      'bytes.value': new Uint8Array([0, 1, 2, 253, 254, 255]),
      'kvlist.value': { model: 'claude', usage: { input: 10, output: 2 } },
      'array.nested': [
        [1, 2],
        ['x', true],
      ],
    };
    return Object.create(span, { attributes: { value: extended } }) as ReadableSpan;
  });
}

const jsonOf = (spans: ReadableSpan[]) =>
  new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans));

// ---------------------------------------------------------------------------------------------
// Hand-written requests.

/** The trace example of the OTLP specification, with its bare-number timestamps. */
const SPEC_EXAMPLE = `{
  "resourceSpans": [
    {
      "resource": {
        "attributes": [
          { "key": "service.name", "value": { "stringValue": "my.service" } }
        ]
      },
      "scopeSpans": [
        {
          "scope": {
            "name": "my.library",
            "version": "1.0.0",
            "attributes": [
              { "key": "my.scope.attribute", "value": { "stringValue": "some scope attribute" } }
            ]
          },
          "spans": [
            {
              "traceId": "5B8EFFF798038103D269B633813FC60C",
              "spanId": "EEE19B7EC3C1B174",
              "parentSpanId": "EEE19B7EC3C1B173",
              "name": "I'm a server span",
              "startTimeUnixNano": 1544712660000000000,
              "endTimeUnixNano": 1544712661000000000,
              "kind": 2,
              "attributes": [
                { "key": "my.span.attr", "value": { "stringValue": "some value" } }
              ]
            }
          ]
        }
      ]
    }
  ]
}`;

/** A request with spans at resourceSpans[0].scopeSpans[1].spans[0..3], the last being `span`. */
function requestWithSpan(span: unknown): string {
  const fine = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'ok' };
  return JSON.stringify({
    resourceSpans: [{ scopeSpans: [{ spans: [fine] }, { spans: [fine, fine, fine, span] }] }],
  });
}

function onlySpan(text: string): DecodedSpan {
  const spans = decodeTraceRequestJson(text).resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) => ss.spans),
  );
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

const spanJson = (fields: Record<string, unknown>) =>
  JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [fields] }] }] });

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function decodeOrDecodeError(text: string): 'ok' | 'rejected' {
  try {
    decodeTraceRequestJson(text);
    return 'ok';
  } catch (err) {
    if (err instanceof OtlpDecodeError) return 'rejected';
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------

describe('decodeTraceRequestJson on real OTel JS payloads', () => {
  it('decodes exactly what the protobuf decoder decodes from the same spans', async () => {
    const spans = await realSpans();
    const fromJson = decodeTraceRequestJson(jsonOf(spans));
    expect(fromJson).toEqual(
      decodeTraceRequestProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!),
    );

    const root = fromJson.resourceSpans[0]!.scopeSpans[0]!.spans.find(
      (s) => s.name === 'invoke_agent',
    )!;
    expect(root.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(root.endTimeUnixNano).toBe(1_700_000_001_987_654_321n);
    expect(root.traceId).toBe(spans[0]!.spanContext().traceId);
    expect(root.kind).toBe(2);
    expect([root.statusCode, root.statusMessage]).toEqual([2, 'upstream failed']);
    expect(root.events.map((e) => e.attributes['exception.type'])).toEqual(['TypeError']);
    expect(root.attributes['bytes.value']).toBe('AAEC/f7/');
    expect(root.attributes['kvlist.value']).toEqual({
      model: 'claude',
      usage: { input: 10, output: 2 },
    });
  });

  it('keeps int64 values beyond 2^53 exact, which the serializer writes as bare numbers', async () => {
    const text = jsonOf(await realSpans());
    expect(text).toContain('"intValue":9007199254740992');
    const root = decodeTraceRequestJson(text).resourceSpans[0]!.scopeSpans[0]!.spans.find(
      (s) => s.name === 'invoke_agent',
    )!;
    expect(root.attributes['int.two.pow.53']).toBe('9007199254740992');
    expect(root.attributes['int.negative']).toBe(-123_456_789_012);
  });

  it('rejects a real payload truncated at every character', async () => {
    const text = jsonOf(await realSpans());
    for (let n = 0; n < text.length; n++) {
      expect(decodeOrDecodeError(text.slice(0, n)), `prefix of ${n} chars`).toBe('rejected');
    }
  });

  it('answers corrupted payloads and garbage only with OtlpDecodeError', async () => {
    const text = jsonOf(await realSpans());
    const random = prng(7);
    const outcomes = { ok: 0, rejected: 0 };
    const alphabet = '{}[]:,"0123456789-.eE truefalsn\\';
    for (let i = 0; i < 1500; i++) {
      const at = Math.floor(random() * text.length);
      const mutated =
        random() < 0.5
          ? text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 8))
          : text.slice(0, at) +
            alphabet[Math.floor(random() * alphabet.length)] +
            text.slice(at + 1);
      outcomes[decodeOrDecodeError(mutated)]++;
    }
    for (let i = 0; i < 1500; i++) {
      let garbage = '';
      for (let j = Math.floor(random() * 40); j > 0; j--) {
        garbage += alphabet[Math.floor(random() * alphabet.length)];
      }
      outcomes[decodeOrDecodeError(garbage)]++;
    }
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});

describe('decodeTraceRequestJson on hand-written requests', () => {
  it('decodes the specification example: bare-number timestamps, upper-case hex ids', () => {
    const { resourceSpans } = decodeTraceRequestJson(SPEC_EXAMPLE);
    expect(resourceSpans).toEqual([
      {
        resource: { 'service.name': 'my.service' },
        scopeSpans: [
          {
            scopeName: 'my.library',
            scopeVersion: '1.0.0',
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                parentSpanId: 'eee19b7ec3c1b173',
                name: "I'm a server span",
                kind: 2,
                startTimeUnixNano: 1_544_712_660_000_000_000n,
                endTimeUnixNano: 1_544_712_661_000_000_000n,
                attributes: { 'my.span.attr': 'some value' },
                statusCode: 0,
                statusMessage: '',
                events: [],
              },
            ],
          },
        ],
      },
    ]);
  });

  it('keeps bare numbers that JSON.parse would round exact', () => {
    // Neither value is a double: JSON.parse alone would return ...000 and ...992.
    const span = onlySpan(
      spanJson({}).replace(
        '{}',
        '{"startTimeUnixNano": 1544712660000000001, "endTimeUnixNano": 18446744073709551615,' +
          ' "attributes": [{"key": "n", "value": {"intValue": 9007199254740993}},' +
          ' {"key": "d", "value": {"doubleValue": 12345678901234567890}}]}',
      ),
    );
    expect(span.startTimeUnixNano).toBe(1_544_712_660_000_000_001n);
    expect(span.endTimeUnixNano).toBe(18_446_744_073_709_551_615n);
    expect(span.attributes).toEqual({ n: '9007199254740993', d: Number(12345678901234567890n) });
  });

  it('accepts int64 values as decimal strings and numbers alike', () => {
    const span = onlySpan(
      spanJson({
        startTimeUnixNano: '1544712660000000001',
        endTimeUnixNano: 1_700_000_000,
        attributes: [
          { key: 'a', value: { intValue: '123' } },
          { key: 'b', value: { intValue: -7 } },
          { key: 'c', value: { intValue: '-9223372036854775808' } },
          { key: 'd', value: { intValue: '9007199254740991' } },
          { key: 'e', value: { doubleValue: 'NaN' } },
          { key: 'f', value: { doubleValue: '-Infinity' } },
          { key: 'g', value: { doubleValue: '2.5' } },
        ],
      }),
    );
    expect(span.startTimeUnixNano).toBe(1_544_712_660_000_000_001n);
    expect(span.endTimeUnixNano).toBe(1_700_000_000n);
    expect(span.attributes).toEqual({
      a: 123,
      b: -7,
      c: '-9223372036854775808',
      d: 9007199254740991,
      e: NaN,
      f: -Infinity,
      g: 2.5,
    });
  });

  it('accepts the snake_case proto field names', () => {
    const camel = decodeTraceRequestJson(SPEC_EXAMPLE);
    const snake = SPEC_EXAMPLE.replace(/"(\w+)":/g, (_m, key: string) => {
      const snakeKey = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      return `"${snakeKey}":`;
    });
    expect(snake).toContain('"start_time_unix_nano"');
    expect(snake).toContain('"string_value"');
    expect(decodeTraceRequestJson(snake)).toEqual(camel);
  });

  it('ignores unknown fields at every level and treats null as absent', () => {
    const extra = { unknownNumber: 1, unknownObject: { a: [1, { b: null }] }, unknownNull: null };
    const text = JSON.stringify({
      ...extra,
      resourceSpans: [
        {
          ...extra,
          resource: {
            ...extra,
            attributes: [{ ...extra, key: 'k', value: { ...extra, stringValue: 'v' } }],
          },
          scopeSpans: [
            {
              ...extra,
              scope: { ...extra, name: 's', version: null },
              spans: [
                {
                  ...extra,
                  traceId: 'AB'.repeat(16),
                  spanId: 'Cd'.repeat(8),
                  parentSpanId: null,
                  name: 'n',
                  kind: 'SPAN_KIND_CLIENT',
                  startTimeUnixNano: '1',
                  status: { ...extra, code: 'STATUS_CODE_ERROR', message: 'm' },
                  events: [
                    {
                      ...extra,
                      name: 'exception',
                      attributes: [{ key: 'exception.type', value: { stringValue: 'E' } }],
                    },
                    { name: 'other', attributes: 'not even an array' },
                  ],
                  links: [{ traceId: 'x' }],
                  attributes: [{ key: 'empty', value: {} }, { key: 'nothing' }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(decodeTraceRequestJson(text)).toEqual({
      resourceSpans: [
        {
          resource: { k: 'v' },
          scopeSpans: [
            {
              scopeName: 's',
              scopeVersion: '',
              spans: [
                {
                  traceId: 'ab'.repeat(16),
                  spanId: 'cd'.repeat(8),
                  parentSpanId: '',
                  name: 'n',
                  kind: 3,
                  startTimeUnixNano: 1n,
                  endTimeUnixNano: 0n,
                  attributes: {},
                  statusCode: 2,
                  statusMessage: 'm',
                  events: [{ name: 'exception', attributes: { 'exception.type': 'E' } }],
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('decodes an empty object as an empty request', () => {
    expect(decodeTraceRequestJson('{}')).toEqual({ resourceSpans: [] });
  });

  it('does not let attribute keys reach the prototype', () => {
    const span = onlySpan(
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[' +
        '{"key":"__proto__","value":{"stringValue":"polluted"}},' +
        '{"key":"constructor","value":{"intValue":1}}]}]}]}]}',
    );
    expect(Object.keys(span.attributes)).toEqual(['__proto__', 'constructor']);
    expect(span.attributes['__proto__']).toBe('polluted');
    expect(span.attributes['constructor']).toBe(1);
  });

  const SPAN_PATH = 'resourceSpans[0].scopeSpans[1].spans[3]';
  const spanErrors: [string, unknown, string][] = [
    ['a span that is not an object', 7, `${SPAN_PATH}: expected an object`],
    [
      'a fractional timestamp',
      { startTimeUnixNano: 1.5 },
      `${SPAN_PATH}.startTimeUnixNano: expected an integer`,
    ],
    [
      'a non-numeric timestamp',
      { endTimeUnixNano: '12a' },
      `${SPAN_PATH}.endTimeUnixNano: expected an integer`,
    ],
    [
      'a padded timestamp string',
      { endTimeUnixNano: ' 12' },
      `${SPAN_PATH}.endTimeUnixNano: expected an integer`,
    ],
    [
      'a boolean timestamp',
      { startTimeUnixNano: true },
      `${SPAN_PATH}.startTimeUnixNano: expected an integer`,
    ],
    [
      'a negative timestamp',
      { startTimeUnixNano: -1 },
      `${SPAN_PATH}.startTimeUnixNano: out of range for an unsigned 64-bit integer`,
    ],
    [
      'a timestamp beyond uint64',
      { startTimeUnixNano: '18446744073709551616' },
      `${SPAN_PATH}.startTimeUnixNano: out of range for an unsigned 64-bit integer`,
    ],
    ['a numeric trace id', { traceId: 5 }, `${SPAN_PATH}.traceId: expected a hex string`],
    [
      'an unknown kind name',
      { kind: 'SPAN_KIND_BOGUS' },
      `${SPAN_PATH}.kind: expected an enum integer`,
    ],
    ['a fractional kind', { kind: 1.5 }, `${SPAN_PATH}.kind: expected an enum integer`],
    ['a non-object status', { status: 'ok' }, `${SPAN_PATH}.status: expected an object`],
    [
      'a bad status code',
      { status: { code: [] } },
      `${SPAN_PATH}.status.code: expected an enum integer`,
    ],
    ['a numeric name', { name: 1 }, `${SPAN_PATH}.name: expected a string`],
    [
      'attributes that are not an array',
      { attributes: {} },
      `${SPAN_PATH}.attributes: expected an array`,
    ],
    [
      'a non-string key',
      { attributes: [{ key: 'a' }, { key: 5 }] },
      `${SPAN_PATH}.attributes[1].key: expected a string`,
    ],
    [
      'a fractional intValue',
      { attributes: [{ key: 'a', value: { intValue: '1.5' } }] },
      `${SPAN_PATH}.attributes[0].value.intValue: expected an integer`,
    ],
    [
      'an intValue beyond int64',
      { attributes: [{ key: 'a', value: { intValue: '9223372036854775808' } }] },
      `${SPAN_PATH}.attributes[0].value.intValue: out of int64 range`,
    ],
    [
      'a string boolValue in an array',
      {
        attributes: [
          {
            key: 'a',
            value: { arrayValue: { values: [{ boolValue: true }, { boolValue: 'yes' }] } },
          },
        ],
      },
      `${SPAN_PATH}.attributes[0].value.arrayValue.values[1].boolValue: expected a boolean`,
    ],
    [
      'a bad value in a kvlist',
      {
        attributes: [
          {
            key: 'a',
            value: { kvlistValue: { values: [{ key: 'b', value: { stringValue: 5 } }] } },
          },
        ],
      },
      `${SPAN_PATH}.attributes[0].value.kvlistValue.values[0].value.stringValue: expected a string`,
    ],
    [
      'a non-string doubleValue',
      { attributes: [{ key: 'a', value: { doubleValue: true } }] },
      `${SPAN_PATH}.attributes[0].value.doubleValue: expected a number`,
    ],
    [
      'a numeric bytesValue',
      { attributes: [{ key: 'a', value: { bytesValue: 1 } }] },
      `${SPAN_PATH}.attributes[0].value.bytesValue: expected a base64 string`,
    ],
    [
      'an event that is not an object',
      { events: ['exception'] },
      `${SPAN_PATH}.events[0]: expected an object`,
    ],
    [
      'bad exception attributes',
      { events: [{ name: 'exception', attributes: [1] }] },
      `${SPAN_PATH}.events[0].attributes[0]: expected an object`,
    ],
  ];
  it.each(spanErrors)('names the path of %s', (_name, span, message) => {
    const decode = () => decodeTraceRequestJson(requestWithSpan(span));
    expect(decode).toThrow(OtlpDecodeError);
    expect(decode).toThrow(message);
  });

  const requestErrors: [string, string, string | RegExp][] = [
    ['an array body', '[]', 'request: expected an object'],
    ['a string body', '"x"', 'request: expected an object'],
    ['an empty body', '', /^invalid JSON/],
    ['broken JSON', '{"resourceSpans": [', /^invalid JSON/],
    ['a non-array resourceSpans', '{"resourceSpans": {}}', 'resourceSpans: expected an array'],
    [
      'a non-object resource',
      '{"resourceSpans": [{"resource": 1}]}',
      'resourceSpans[0].resource: expected an object',
    ],
    [
      'a bad resource attribute',
      '{"resourceSpans": [{"resource": {"attributes": [null]}}]}',
      'resourceSpans[0].resource.attributes[0]: expected an object',
    ],
    [
      'a non-string scope name',
      '{"resourceSpans": [{"scopeSpans": [{"scope": {"name": 5}}]}]}',
      'resourceSpans[0].scopeSpans[0].scope.name: expected a string',
    ],
    [
      'a bare timestamp in exponent form',
      spanJson({}).replace('{}', '{"startTimeUnixNano": 1.5e19}'),
      'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an integer',
    ],
    [
      'a bare intValue in exponent form',
      spanJson({}).replace('{}', '{"attributes": [{"key": "k", "value": {"intValue": 1e20}}]}'),
      'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: expected an integer',
    ],
  ];
  it.each(requestErrors)('rejects %s', (_name, text, message) => {
    const decode = () => decodeTraceRequestJson(text);
    expect(decode).toThrow(OtlpDecodeError);
    expect(decode).toThrow(message);
  });

  it('rejects attribute values nested beyond the depth limit without exhausting the stack', () => {
    const depth = 100_000;
    const deep =
      '{"arrayValue":{"values":['.repeat(depth) + '{"stringValue":"leaf"}' + ']}}'.repeat(depth);
    const text = spanJson({}).replace('{}', `{"attributes":[{"key":"deep","value":${deep}}]}`);
    const decode = () => decodeTraceRequestJson(text);
    expect(decode).toThrow(OtlpDecodeError);
    expect(decode).toThrow(/nested too deeply/);

    const shallow =
      '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(5) +
      '{"boolValue":true}' +
      '}]}}'.repeat(5);
    const ok = onlySpan(
      spanJson({}).replace('{}', `{"attributes":[{"key":"ok","value":${shallow}}]}`),
    );
    expect(ok.attributes).toEqual({ ok: { k: { k: { k: { k: { k: true } } } } } });
  });
});
