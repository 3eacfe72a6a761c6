export { Pipeline, type PipelineOptions, type IngestOutcome } from './pipeline.js';
export { startReceiver, type ReceiverOptions, type RunningReceiver } from './receiver.js';
export { Normaliser, type SpanPricer, type NormaliseResult } from './normalise.js';
export { IngesterMetrics } from './metrics.js';
export { decodeTraceRequestProtobuf } from './otlp/protobuf.js';
export { decodeTraceRequestJson } from './otlp/json.js';
export {
  OtlpDecodeError,
  type DecodedTraceRequest,
  type DecodedSpan,
  type Attributes,
} from './otlp/types.js';
export { startIngester, type Ingester } from './ingester.js';
