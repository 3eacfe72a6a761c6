// Micro-benchmark of the normaliser: OTLP-decoded spans → llm_spans rows, priced with the real
// catalog. Three emitters' spellings, 1000 spans each with ~25 attributes.
// Build first: npx tsc -b packages/ingester
// Run: node bench/normalise.mjs [--dist packages/ingester/dist] [--runs 21]
//   (--dist lets one run compare another checkout's build: the figures of one run are comparable)
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { loadPricing } from '@agentmeter/pricing';

const { values } = parseArgs({
  options: {
    dist: { type: 'string', multiple: true, default: ['packages/ingester/dist'] },
    runs: { type: 'string', default: '21' },
  },
});
const RUNS = Number(values.runs);
const SPANS = 1000;
const START = BigInt(Date.now() - 60_000) * 1_000_000n;

const EMITTERS = {
  semconv: (i) => ({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.usage.input_tokens': 1500 + (i % 100),
    'gen_ai.usage.output_tokens': 120,
    'gen_ai.usage.cache_read.input_tokens': 1024,
    'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.request.temperature': 0.2,
    'gen_ai.request.max_tokens': 512,
    'gen_ai.response.id': `chatcmpl-${i}`,
    'server.address': 'api.openai.com',
    'agentmeter.category': 'summarise',
    'agentmeter.category.source': 'explicit',
    'agentmeter.routing.strategy': 'cheap_first',
    'agentmeter.routing.role': 'primary',
    'agentmeter.routing.attempt': 1,
    'agentmeter.routing.escalated': false,
    'agentmeter.quota.decision': 'allowed',
    'agentmeter.budget.decision': 'allowed',
    'agentmeter.project': 'support',
    'agentmeter.user': `user-${i % 50}`,
    'agentmeter.agent': 'triage',
    'agentmeter.workflow': 'tickets',
    'gen_ai.conversation.id': `conv-${i % 200}`,
  }),
  'ai-sdk': (i) => ({
    'operation.name': 'ai.streamText.doStream',
    'ai.operationId': 'ai.streamText.doStream',
    'ai.model.provider': 'openai.chat',
    'ai.model.id': 'gpt-4o-mini',
    'gen_ai.system': 'openai.chat',
    'gen_ai.request.model': 'gpt-4o-mini',
    'ai.response.msToFirstChunk': 240.5,
    'ai.response.msToFinish': 900.1,
    'ai.response.finishReason': 'stop',
    'ai.response.id': `chatcmpl-${i}`,
    'ai.response.model': 'gpt-4o-mini',
    'ai.usage.inputTokens': 1500,
    'ai.usage.inputTokenDetails.noCacheTokens': 476,
    'ai.usage.inputTokenDetails.cacheReadTokens': 1024,
    'ai.usage.outputTokens': 120,
    'ai.usage.outputTokenDetails.textTokens': 120,
    'ai.usage.outputTokenDetails.reasoningTokens': 0,
    'ai.usage.totalTokens': 1620,
    'ai.usage.reasoningTokens': 0,
    'ai.usage.cachedInputTokens': 1024,
    'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.response.id': `chatcmpl-${i}`,
    'gen_ai.response.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 1500,
    'gen_ai.usage.output_tokens': 120,
  }),
  openinference: (i) => ({
    'openinference.span.kind': 'LLM',
    'llm.model_name': 'gpt-4o-mini',
    'input.mime_type': 'application/json',
    'llm.invocation_parameters': '{"model":"gpt-4o-mini","temperature":0.2}',
    'llm.system': 'openai',
    'llm.provider': 'openai',
    'output.mime_type': 'application/json',
    'llm.finish_reason': 'stop',
    'llm.token_count.completion': 120,
    'llm.token_count.prompt': 1500 + (i % 100),
    'llm.token_count.total': 1620,
    'llm.token_count.prompt_details.cache_read': 1024,
    'llm.token_count.completion_details.reasoning': 0,
    'session.id': `conv-${i % 200}`,
    'user.id': `user-${i % 50}`,
  }),
};

function request(make) {
  const spans = Array.from({ length: SPANS }, (_, i) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    parentSpanId: '',
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: START + BigInt(i) * 1_000_000n,
    endTimeUnixNano: START + BigInt(i) * 1_000_000n + 900_000_000n,
    attributes: make(i),
    statusCode: 0,
    statusMessage: '',
    events: [],
  }));
  return {
    resourceSpans: [
      {
        resource: { 'service.name': 'bench', 'deployment.environment.name': 'prod' },
        scopeSpans: [{ scopeName: 'bench', scopeVersion: '1', spans }],
      },
    ],
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const catalog = await loadPricing();
const builds = [];
for (const dist of values.dist) {
  const { Normaliser } = await import(pathToFileURL(resolve(dist, 'normalise.js')).href);
  builds.push({ dist, normaliser: new Normaliser(catalog) });
}
const requests = Object.entries(EMITTERS).map(([name, make]) => [name, request(make)]);

console.log(
  `| emitter | ${builds.map((b) => `${b.dist} µs/span`).join(' | ')} |${builds.length > 1 ? ' ratio (first/last) |' : ''}`,
);
console.log(`| --- |${builds.map(() => ' ---: |').join('')}${builds.length > 1 ? ' ---: |' : ''}`);
for (const [name, req] of requests) {
  const times = builds.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    // Alternate the builds within each run, so machine noise hits them alike.
    builds.forEach((b, k) => {
      const t0 = process.hrtime.bigint();
      const out = b.normaliser.normalise(req);
      const t1 = process.hrtime.bigint();
      if (out.rows.length !== SPANS)
        throw new Error(`${b.dist}: ${out.rows.length} rows for ${name}`);
      times[k].push(Number(t1 - t0) / 1000 / SPANS);
    });
  }
  const medians = times.map(median);
  const ratio = builds.length > 1 ? ` ${(medians[0] / medians.at(-1)).toFixed(2)}× |` : '';
  console.log(`| ${name} | ${medians.map((m) => m.toFixed(2)).join(' | ')} |${ratio}`);
}
