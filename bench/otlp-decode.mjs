// Micro-benchmark of the OTLP trace-request decoders, on a request made by the real OTel JS
// serializers: 1000 LLM-like spans with 25 attributes each.
// Build first: npx tsc -b packages/ingester   Run: node bench/otlp-decode.mjs
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { TextDecoder } from 'node:util';
import { decodeTraceRequestJson } from '../packages/ingester/dist/otlp/json.js';
import { decodeTraceRequestProtobuf } from '../packages/ingester/dist/otlp/protobuf.js';

const SPANS = 1000;
const RUNS = 21;

const PROMPT =
  'You are a helpful assistant. Summarise the following support ticket in two sentences, ' +
  'naming the product, the customer impact and the next action. Ticket: the nightly export ' +
  'job failed after the storage quota was reached; three customers reported missing reports.';

async function makeSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'support-agent',
      'service.version': '1.4.2',
      'service.namespace': 'agents',
      'deployment.environment.name': 'production',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': '2.12.1',
      'host.name': 'worker-7f9c',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('agentmeter-bench', '0.1.0');
  const start = Date.now();
  for (let i = 0; i < SPANS; i++) {
    const agent = tracer.startSpan('invoke_agent support', { startTime: start + i });
    const chat = tracer.startSpan(
      'chat gpt-4o-mini',
      {
        kind: SpanKind.CLIENT,
        startTime: start + i,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.request.max_tokens': 1024,
          'gen_ai.request.temperature': 0.2,
          'gen_ai.request.top_p': 0.95,
          'gen_ai.request.stream': false,
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.response.id': `chatcmpl-${i.toString(36)}AbCdEfGhIjKlMnOp`,
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.usage.input_tokens': 812 + i,
          'gen_ai.usage.output_tokens': 96,
          'gen_ai.usage.cache_read.input_tokens': 512,
          'gen_ai.usage.cost': 0.000183,
          'gen_ai.conversation.id': `conv-${i % 50}`,
          'gen_ai.agent.name': 'support',
          'gen_ai.input.messages': PROMPT,
          'server.address': 'api.openai.com',
          'server.port': 443,
          'http.response.status_code': 200,
          'agentmeter.category': 'summarise',
          'agentmeter.routing.strategy': 'cheap_first',
          'agentmeter.routing.attempt': 1,
          'agentmeter.routing.escalated': false,
          'agentmeter.tenant': 'acme-corp',
        },
      },
      trace.setSpan(context.active(), agent),
    );
    chat.setStatus({ code: SpanStatusCode.OK });
    chat.end(start + i + 850);
    agent.end(start + i + 900);
  }
  await provider.forceFlush();
  // Only the 25-attribute chat spans, so "per span" means per typical LLM span.
  return exporter.getFinishedSpans().filter((s) => s.name.startsWith('chat'));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function bench(label, fn, spans) {
  for (let i = 0; i < 10; i++) fn(); // warm up (JIT)
  const perSpan = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    perSpan.push(Number(process.hrtime.bigint() - t0) / spans);
  }
  console.log(
    `${label.padEnd(44)} ${median(perSpan).toFixed(0).padStart(7)} ns/span (median of ${RUNS})`,
  );
}

const spans = await makeSpans();
const proto = ProtobufTraceSerializer.serializeRequest(spans);
const json = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans));
// The OTLP spec example's form: timestamps as bare JSON numbers, beyond 2^53.
const jsonBareNumbers = json.replace(/"(\w+UnixNano)":"(\d+)"/g, '"$1":$2');

const check = decodeTraceRequestProtobuf(proto).resourceSpans[0].scopeSpans[0].spans;
if (check.length !== spans.length || Object.keys(check[0].attributes).length !== 25) {
  throw new Error('benchmark request did not decode as expected');
}
console.log(
  `${spans.length} spans x 25 attributes; protobuf ${proto.length} B, JSON ${json.length} chars`,
);
bench('decodeTraceRequestProtobuf', () => decodeTraceRequestProtobuf(proto), spans.length);
bench('decodeTraceRequestJson (string int64s)', () => decodeTraceRequestJson(json), spans.length);
bench(
  'decodeTraceRequestJson (bare int64 numbers)',
  () => decodeTraceRequestJson(jsonBareNumbers),
  spans.length,
);
bench('JSON.parse (reference)', () => JSON.parse(json), spans.length);
