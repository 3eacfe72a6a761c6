/**
 * OTLP/HTTP protobuf decoder for `ExportTraceServiceRequest`, hand-written against the
 * opentelemetry-proto field numbers (collector/trace/v1, trace/v1, common/v1, resource/v1).
 * Fields the ingester does not store are skipped after their wire type is checked.
 */
import { MAX_VALUE_DEPTH, newAttributes } from './attribute-values.js';
import { ProtoReader, WT_I32, WT_I64, WT_LEN, WT_VARINT } from './protobuf-reader.js';
import type {
  AttributeValue,
  Attributes,
  DecodedEvent,
  DecodedResourceSpans,
  DecodedScopeSpans,
  DecodedSpan,
  DecodedTraceRequest,
} from './types.js';

const EXCEPTION = new TextEncoder().encode('exception');

export function decodeTraceRequestProtobuf(buf: Uint8Array): DecodedTraceRequest {
  const r = new ProtoReader(buf);
  const end = buf.length;
  const resourceSpans: DecodedResourceSpans[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) {
      r.expect(tag, WT_LEN, 'ExportTraceServiceRequest.resource_spans');
      resourceSpans.push(decodeResourceSpans(r, r.delimited(end)));
    } else {
      r.skip(tag, end);
    }
  }
  r.finish(end, 'ExportTraceServiceRequest');
  return { resourceSpans };
}

function decodeResourceSpans(r: ProtoReader, end: number): DecodedResourceSpans {
  const out: DecodedResourceSpans = { resource: newAttributes(), scopeSpans: [] };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, WT_LEN, 'ResourceSpans.resource');
        decodeResource(r, r.delimited(end), out.resource);
        break;
      case 2:
        r.expect(tag, WT_LEN, 'ResourceSpans.scope_spans');
        out.scopeSpans.push(decodeScopeSpans(r, r.delimited(end)));
        break;
      case 3:
        r.expect(tag, WT_LEN, 'ResourceSpans.schema_url');
        r.skip(tag, end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.finish(end, 'ResourceSpans');
  return out;
}

function decodeResource(r: ProtoReader, end: number, attrs: Attributes): void {
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, WT_LEN, 'Resource.attributes');
        decodeKeyValue(r, r.delimited(end), attrs, 0);
        break;
      case 2:
        r.expect(tag, WT_VARINT, 'Resource.dropped_attributes_count');
        r.skip(tag, end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.finish(end, 'Resource');
}

function decodeScopeSpans(r: ProtoReader, end: number): DecodedScopeSpans {
  const out: DecodedScopeSpans = { scopeName: '', scopeVersion: '', spans: [] };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, WT_LEN, 'ScopeSpans.scope');
        decodeScope(r, r.delimited(end), out);
        break;
      case 2:
        r.expect(tag, WT_LEN, 'ScopeSpans.spans');
        out.spans.push(decodeSpan(r, r.delimited(end)));
        break;
      case 3:
        r.expect(tag, WT_LEN, 'ScopeSpans.schema_url');
        r.skip(tag, end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.finish(end, 'ScopeSpans');
  return out;
}

function decodeScope(r: ProtoReader, end: number, out: DecodedScopeSpans): void {
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, WT_LEN, 'InstrumentationScope.name');
        out.scopeName = r.string(end);
        break;
      case 2:
        r.expect(tag, WT_LEN, 'InstrumentationScope.version');
        out.scopeVersion = r.string(end);
        break;
      case 3:
        r.expect(tag, WT_LEN, 'InstrumentationScope.attributes');
        r.skip(tag, end);
        break;
      case 4:
        r.expect(tag, WT_VARINT, 'InstrumentationScope.dropped_attributes_count');
        r.skip(tag, end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.finish(end, 'InstrumentationScope');
}

function decodeSpan(r: ProtoReader, end: number): DecodedSpan {
  const span: DecodedSpan = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: newAttributes(),
    statusCode: 0,
    statusMessage: '',
    events: [],
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, WT_LEN, 'Span.trace_id');
        span.traceId = r.hex(end);
        break;
      case 2:
        r.expect(tag, WT_LEN, 'Span.span_id');
        span.spanId = r.hex(end);
        break;
      case 3:
        r.expect(tag, WT_LEN, 'Span.trace_state');
        r.skip(tag, end);
        break;
      case 4:
        r.expect(tag, WT_LEN, 'Span.parent_span_id');
        span.parentSpanId = r.hex(end);
        break;
      case 5:
        r.expect(tag, WT_LEN, 'Span.name');
        span.name = r.string(end);
        break;
      case 6:
        r.expect(tag, WT_VARINT, 'Span.kind');
        span.kind = r.int32();
        break;
      case 7:
        r.expect(tag, WT_I64, 'Span.start_time_unix_nano');
        span.startTimeUnixNano = r.fixed64();
        break;
      case 8:
        r.expect(tag, WT_I64, 'Span.end_time_unix_nano');
        span.endTimeUnixNano = r.fixed64();
        break;
      case 9:
        r.expect(tag, WT_LEN, 'Span.attributes');
        decodeKeyValue(r, r.delimited(end), span.attributes, 0);
        break;
      case 11: {
        r.expect(tag, WT_LEN, 'Span.events');
        const event = decodeEvent(r, r.delimited(end));
        if (event !== undefined) span.events.push(event);
        break;
      }
      case 13:
        r.expect(tag, WT_LEN, 'Span.links');
        r.skip(tag, end);
        break;
      case 10:
      case 12:
      case 14:
        r.expect(tag, WT_VARINT, 'Span.dropped_*_count');
        r.skip(tag, end);
        break;
      case 15:
        r.expect(tag, WT_LEN, 'Span.status');
        decodeStatus(r, r.delimited(end), span);
        break;
      case 16:
        r.expect(tag, WT_I32, 'Span.flags');
        r.skip(tag, end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.finish(end, 'Span');
  return span;
}

function decodeStatus(r: ProtoReader, end: number, span: DecodedSpan): void {
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 2:
        r.expect(tag, WT_LEN, 'Status.message');
        span.statusMessage = r.string(end);
        break;
      case 3:
        r.expect(tag, WT_VARINT, 'Status.code');
        span.statusCode = r.int32();
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.finish(end, 'Status');
}

/**
 * Only `exception` events are kept. A first pass reads just the name (the last one wins, as
 * for any repeated scalar) and skips everything else; a second pass decodes the attributes.
 */
function decodeEvent(r: ProtoReader, end: number): DecodedEvent | undefined {
  const start = r.pos;
  let isException = false;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, WT_I64, 'Event.time_unix_nano');
        r.skip(tag, end);
        break;
      case 2:
        r.expect(tag, WT_LEN, 'Event.name');
        isException = r.bytesEqual(end, EXCEPTION);
        break;
      case 3:
        r.expect(tag, WT_LEN, 'Event.attributes');
        r.skip(tag, end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.finish(end, 'Event');
  if (!isException) return undefined;

  const attributes = newAttributes();
  r.pos = start;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 3) decodeKeyValue(r, r.delimited(end), attributes, 0);
    else r.skip(tag, end);
  }
  return { name: 'exception', attributes };
}

/** Decodes one KeyValue into `attrs`; a KeyValue whose AnyValue is empty is dropped. */
function decodeKeyValue(r: ProtoReader, end: number, attrs: Attributes, depth: number): void {
  let key = '';
  let value: AttributeValue | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, WT_LEN, 'KeyValue.key');
        key = r.string(end);
        break;
      case 2:
        r.expect(tag, WT_LEN, 'KeyValue.value');
        value = decodeAnyValue(r, r.delimited(end), depth);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.finish(end, 'KeyValue');
  if (value !== undefined) attrs[key] = value;
}

function decodeAnyValue(r: ProtoReader, end: number, depth: number): AttributeValue | undefined {
  let value: AttributeValue | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, WT_LEN, 'AnyValue.string_value');
        value = r.string(end);
        break;
      case 2:
        r.expect(tag, WT_VARINT, 'AnyValue.bool_value');
        value = r.bool();
        break;
      case 3:
        r.expect(tag, WT_VARINT, 'AnyValue.int_value');
        value = r.int64();
        break;
      case 4:
        r.expect(tag, WT_I64, 'AnyValue.double_value');
        value = r.double();
        break;
      case 5:
        r.expect(tag, WT_LEN, 'AnyValue.array_value');
        value = decodeArrayValue(r, r.delimited(end), depth + 1);
        break;
      case 6:
        r.expect(tag, WT_LEN, 'AnyValue.kvlist_value');
        value = decodeKeyValueList(r, r.delimited(end), depth + 1);
        break;
      case 7:
        r.expect(tag, WT_LEN, 'AnyValue.bytes_value');
        value = r.base64(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.finish(end, 'AnyValue');
  return value;
}

function decodeArrayValue(r: ProtoReader, end: number, depth: number): AttributeValue[] {
  if (depth > MAX_VALUE_DEPTH) throw r.error('attribute value nested too deeply');
  const values: AttributeValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) {
      r.expect(tag, WT_LEN, 'ArrayValue.values');
      const value = decodeAnyValue(r, r.delimited(end), depth);
      if (value !== undefined) values.push(value);
    } else {
      r.skip(tag, end);
    }
  }
  r.finish(end, 'ArrayValue');
  return values;
}

function decodeKeyValueList(r: ProtoReader, end: number, depth: number): Attributes {
  if (depth > MAX_VALUE_DEPTH) throw r.error('attribute value nested too deeply');
  const values = newAttributes();
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) {
      r.expect(tag, WT_LEN, 'KeyValueList.values');
      decodeKeyValue(r, r.delimited(end), values, depth);
    } else {
      r.skip(tag, end);
    }
  }
  r.finish(end, 'KeyValueList');
  return values;
}
