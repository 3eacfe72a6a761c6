/**
 * The decoded form of an OTLP `ExportTraceServiceRequest`, independent of the wire encoding
 * (protobuf or JSON). Only what the ingester stores is kept; events and links are dropped
 * except exception events, which carry `exception.type` for error spans.
 */

export type AttributeValue =
  string | number | boolean | AttributeValue[] | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface DecodedEvent {
  name: string;
  attributes: Attributes;
}

export interface DecodedSpan {
  /** Lowercase hex, 32 characters when valid; whatever was sent otherwise (validated later). */
  traceId: string;
  /** Lowercase hex, 16 characters when valid. */
  spanId: string;
  /** Lowercase hex or ''. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** Exact nanoseconds since the epoch. */
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  /** Only events named `exception`. */
  events: DecodedEvent[];
}

export interface DecodedScopeSpans {
  scopeName: string;
  scopeVersion: string;
  spans: DecodedSpan[];
}

export interface DecodedResourceSpans {
  resource: Attributes;
  scopeSpans: DecodedScopeSpans[];
}

export interface DecodedTraceRequest {
  resourceSpans: DecodedResourceSpans[];
}

/** A body that is not a valid ExportTraceServiceRequest: answered with 400. */
export class OtlpDecodeError extends Error {
  readonly code = 'OTLP_DECODE_ERROR';
}
