// Realistic OTLP protobuf payloads for benchmarks: spans recorded by the real OTel SDK with the
// attributes our instrumentation writes, serialised by the SDK's own protobuf serializer.
import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

const MODELS = [
  ['openai', 'gpt-4o'],
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-sonnet-4-20250514'],
  ['gcp.gemini', 'gemini-2.0-flash'],
];
const CATEGORIES = [
  'docs',
  'tests',
  'core_backend_high',
  'security_auth_change',
  'schema_contract_change_additive',
];

/** `requests` payloads of `perRequest` distinct spans each, spread over the last `hours` hours. */
export function buildPayloads(totalSpans, perRequest, hours) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'bench-agent',
      'deployment.environment.name': 'bench',
      'service.version': '1.2.3',
    }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('agentmeter-bench', '0.1.0');
  const now = Date.now();
  const payloads = [];
  for (let sent = 0; sent < totalSpans; sent += perRequest) {
    for (let i = 0; i < perRequest; i++) {
      const n = sent + i;
      const [providerName, model] = MODELS[n % MODELS.length];
      const start = now - ((n * 7919) % (hours * 3_600_000));
      const span = tracer.startSpan(`chat ${model}`, {
        kind: SpanKind.CLIENT,
        startTime: start,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': providerName,
          'gen_ai.request.model': model,
          'gen_ai.response.model': model,
          'gen_ai.usage.input_tokens': 1000 + (n % 5000),
          'gen_ai.usage.output_tokens': 100 + (n % 900),
          'gen_ai.usage.cache_read.input_tokens': n % 3 === 0 ? 500 : 0,
          'gen_ai.usage.cost': 0.001 + (n % 100) / 10000,
          'gen_ai.response.finish_reasons': ['stop'],
          'agentmeter.category': CATEGORIES[n % CATEGORIES.length],
          'agentmeter.category.source': 'explicit',
          'agentmeter.routing.strategy': 'progressive',
          'agentmeter.routing.role': 'builder',
          'agentmeter.routing.attempt': 1 + (n % 3),
          'agentmeter.routing.escalated': n % 7 === 0,
          'agentmeter.cost.usd': 0.001 + (n % 100) / 10000,
          'agentmeter.cost.price_version': 'genai-prices@0.1.8',
          'agentmeter.quota.decision': 'allowed',
          'agentmeter.budget.decision': 'allowed',
          'agentmeter.project': `project-${n % 4}`,
          'agentmeter.user': `user-${n % 200}`,
          'agentmeter.workflow': 'implement',
          'server.address': 'api.example.com',
        },
      });
      span.end(start + 200 + (n % 5000));
    }
    payloads.push(Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())));
    memory.reset();
  }
  return payloads;
}
