/**
 * OTLP/HTTP response bodies, in the request's own encoding (the spec requires the response to
 * use the request's Content-Type): `ExportTraceServiceResponse` on success, `google.rpc.Status`
 * on failure. Both are tiny, so protobuf is written by hand from their field numbers.
 */
export type OtlpEncoding = 'protobuf' | 'json';

export interface EncodedBody {
  contentType: string;
  body: Buffer;
}

const CONTENT_TYPE: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** ExportTraceServiceResponse{ partial_success(1): { rejected_spans(1) int64, error_message(2) string } }. */
export function exportResponse(
  encoding: OtlpEncoding,
  rejected: number,
  errorMessage: string,
): EncodedBody {
  const partial = rejected > 0 || errorMessage !== '';
  if (encoding === 'json') {
    const body = partial
      ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage } }
      : {};
    return { contentType: CONTENT_TYPE.json, body: Buffer.from(JSON.stringify(body)) };
  }
  if (!partial) return { contentType: CONTENT_TYPE.protobuf, body: Buffer.alloc(0) };
  const inner = Buffer.concat([
    rejected > 0 ? Buffer.concat([tag(1, 0), varint(rejected)]) : Buffer.alloc(0),
    errorMessage ? lengthDelimited(2, Buffer.from(errorMessage)) : Buffer.alloc(0),
  ]);
  return { contentType: CONTENT_TYPE.protobuf, body: lengthDelimited(1, inner) };
}

/** google.rpc.Status{ code(1) int32, message(2) string }; gRPC codes (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, ...). */
export function statusBody(encoding: OtlpEncoding, grpcCode: number, message: string): EncodedBody {
  if (encoding === 'json') {
    return {
      contentType: CONTENT_TYPE.json,
      body: Buffer.from(JSON.stringify({ code: grpcCode, message })),
    };
  }
  return {
    contentType: CONTENT_TYPE.protobuf,
    body: Buffer.concat([tag(1, 0), varint(grpcCode), lengthDelimited(2, Buffer.from(message))]),
  };
}

function tag(field: number, wireType: number): Buffer {
  return varint((field << 3) | wireType);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([tag(field, 2), varint(payload.length), payload]);
}
