// Instrumentation overhead: µs per call added by the router (policy + quota + 2 budgets + spans)
// and by the openai SDK wrapper, over a bare call to the same local fake OpenAI-compatible server,
// beside OpenLLMetry (@traceloop/node-server-sdk) and OpenLIT (openlit) on the same SDK call.
//
// Every scenario runs in its own child process (the peers patch the openai module globally);
// the parent runs the fake provider (and the OTLP sink OpenLIT exports to) and cycles through
// the scenarios in ROUNDS blocks in rotating order, so machine noise is spread over all of them.
// Spans go to a real BatchSpanProcessor over an exporter that discards them: span creation and
// processing count, network export does not.
//
// Usage: npx tsc -b packages/instrumentation && node bench/instrumentation.mjs
//        [--calls 5000] [--rounds 5] [--warmup 10000] [--only routed,routed-no-http,...]
//        node bench/instrumentation.mjs --scenario routed --url http://127.0.0.1:PORT (one child)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { COMPLETION, COMPLETION_HEADERS, startFakeOpenAI } from './lib/fake-openai.mjs';

const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

const MODEL = 'gpt-4o-mini';
const MESSAGES = [{ role: 'user', content: 'Summarise the change in one line.' }];
const API_KEY = 'sk-bench-not-a-real-key';

/** Scenario → the bare call it is compared with (none: it is a baseline). */
const SCENARIOS = {
  'fetch-bare': { label: 'bare fetch', baseline: null },
  'provider-bare': { label: 'openAIProvider.complete (bare)', baseline: null },
  routed: { label: 'RoutingClient.complete (agentmeter)', baseline: 'provider-bare' },
  'routed-no-http': { label: 'RoutingClient.complete, in-memory fetch', baseline: null },
  'openai-bare': { label: 'openai SDK (bare)', baseline: null },
  'openai-agentmeter': {
    label: 'openai SDK + instrumentOpenAI (agentmeter)',
    baseline: 'openai-bare',
  },
  'openai-openllmetry': { label: 'openai SDK + OpenLLMetry', baseline: 'openai-bare', peer: true },
  'openai-openlit': { label: 'openai SDK + OpenLIT', baseline: 'openai-bare', peer: true },
};

// ---------------------------------------------------------------- child: one scenario

async function discardingTracer() {
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(discardingExporter())],
  });
  return provider.getTracer('bench');
}

let exportedSpans = 0; // proof that spans were made (and batched) in the timed run

function discardingExporter() {
  return {
    export(spans, resultCallback) {
      exportedSpans += spans.length;
      resultCallback({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
}

async function openAIClient(OpenAI, url) {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: API_KEY, maxRetries: 0 });
}

function memoryFetch() {
  return Promise.resolve(new Response(COMPLETION, { status: 200, headers: COMPLETION_HEADERS }));
}

/** Returns `{ call }`: one awaited call of the scenario. */
async function setup(scenario, url) {
  const lib = await import('../packages/instrumentation/dist/index.js');
  switch (scenario) {
    case 'fetch-bare': {
      const body = JSON.stringify({ model: MODEL, messages: MESSAGES });
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };
      return {
        call: async () => {
          const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body });
          return res.json();
        },
      };
    }
    case 'provider-bare': {
      const provider = lib.openAIProvider({
        name: 'openai',
        baseURL: `${url}/v1`,
        apiKey: API_KEY,
      });
      return { call: () => provider.complete({ model: MODEL, messages: MESSAGES }) };
    }
    case 'routed':
    case 'routed-no-http': {
      // routed-no-http: the same router over an in-memory fetch (no socket), so the router's own
      // cost is measured without the round trip's noise.
      const fetchOpt = scenario === 'routed-no-http' ? { fetch: memoryFetch } : {};
      const config = lib.parseRoutingConfig({
        models: { 'gpt-4o': { provider: 'openai' }, [MODEL]: { provider: 'openai' } },
        llm_routing_policies: {
          docs: {
            strategy: 'progressive',
            builder_primary: MODEL,
            escalate_to: { after_attempts: 2, builder: 'gpt-4o' },
          },
        },
        budgets: [
          {
            id: 'global-monthly',
            scope: 'global',
            period: 'monthly',
            limit_usd: 1_000_000,
            action: 'alert_only',
          },
          {
            id: 'per-project-daily',
            scope: 'project',
            period: 'daily',
            limit_usd: 1_000_000,
            action: 'block',
          },
        ],
        quotas: { openai: { tokens: 1_000_000_000_000, period: 'monthly' } },
      });
      const router = new lib.RoutingClient({
        config,
        providers: [
          lib.openAIProvider({
            name: 'openai',
            baseURL: `${url}/v1`,
            apiKey: API_KEY,
            ...fetchOpt,
          }),
        ],
        pricing: await lib.loadPricing(),
        tracer: await discardingTracer(),
      });
      const request = {
        category: 'docs',
        role: 'builder',
        messages: MESSAGES,
        tenancy: { project: 'acme' },
      };
      const first = await router.complete(request);
      if (first.model !== MODEL || first.cost === undefined) {
        throw new Error(`unexpected routed result: model ${first.model}, cost ${first.cost}`);
      }
      const bare = lib.openAIProvider({
        name: 'openai',
        baseURL: `${url}/v1`,
        apiKey: API_KEY,
        ...fetchOpt,
      });
      return {
        call: () => router.complete(request),
        pair: () => bare.complete({ model: MODEL, messages: MESSAGES }),
      };
    }
    case 'openai-bare': {
      const { default: OpenAI } = await import('openai');
      const client = await openAIClient(OpenAI, url);
      return { call: () => client.chat.completions.create({ model: MODEL, messages: MESSAGES }) };
    }
    case 'openai-agentmeter': {
      const { default: OpenAI } = await import('openai');
      const client = lib.instrumentOpenAI(await openAIClient(OpenAI, url), {
        pricing: await lib.loadPricing(),
        tracer: await discardingTracer(),
      });
      const bare = await openAIClient(OpenAI, url); // instrumentOpenAI patches its client only
      return {
        call: () => client.chat.completions.create({ model: MODEL, messages: MESSAGES }),
        pair: () => bare.chat.completions.create({ model: MODEL, messages: MESSAGES }),
      };
    }
    case 'openai-openllmetry': {
      const { default: OpenAI } = await import('openai');
      const traceloop = await import('@traceloop/node-server-sdk');
      traceloop.initialize({
        appName: 'bench',
        apiKey: 'bench-no-export',
        disableBatch: false,
        exporter: discardingExporter(),
        instrumentModules: { openAI: OpenAI },
        traceloopSyncEnabled: false,
        silenceInitializationMessage: true,
      });
      const client = await openAIClient(OpenAI, url);
      return { call: () => client.chat.completions.create({ model: MODEL, messages: MESSAGES }) };
    }
    case 'openai-openlit': {
      const openaiModule = await import('openai');
      const { Openlit: openlit } = await import('openlit');
      // OpenLIT takes no exporter object (its `tracer` option skips its instrumentations), so it
      // exports OTLP/HTTP to the parent's sink, batched (its default), every 5 s.
      openlit.init({
        applicationName: 'bench',
        otlpEndpoint: process.env.BENCH_OTLP_SINK,
        disableMetrics: true,
        disableEvents: true,
        pricingJson: {},
        instrumentations: { openai: openaiModule },
      });
      const client = await openAIClient(openaiModule.default, url);
      return { call: () => client.chat.completions.create({ model: MODEL, messages: MESSAGES }) };
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

async function timed(call) {
  const t0 = process.hrtime.bigint();
  await call();
  return Number(process.hrtime.bigint() - t0) / 1_000;
}

const BLOCK = 25; // calls per alternating block
const WARMUP_STEP = 1000; // warm-up calls per point of the warm-up curve

function medianOf(values) {
  return Float64Array.from(values).sort()[values.length >> 1];
}

/** Runs `n` calls of `fn`, each timed into `into` from `at`; returns the process CPU µs spent. */
async function block(fn, n, into, at) {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) into[at + i] = await timed(fn);
  const cpu = process.cpuUsage(cpu0);
  return cpu.user + cpu.system;
}

async function runChild(scenario, url, calls, warmup) {
  const { call, pair } = await setup(scenario, url);
  // Warm-up, timed too when there is a pair: the JIT's progress per WARMUP_STEP calls.
  const warmupCurve = [];
  for (let at = 0; at < warmup; at += WARMUP_STEP) {
    const n = Math.min(WARMUP_STEP, warmup - at);
    const c = new Float64Array(n);
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      c[i] = await timed(call);
      if (pair) b[i] = await timed(pair);
    }
    if (pair) warmupCurve.push(medianOf(c) - medianOf(b));
  }
  // With a same-process bare call (ours only: the peers patch the SDK globally), the two run in
  // alternating blocks of BLOCK calls, which goes first swapped every block. The process CPU time
  // of each block is summed: µs of CPU per call, GC and span batching included.
  const samples = new Float64Array(calls);
  const pairSamples = pair ? new Float64Array(calls) : undefined;
  let cpu = 0;
  let pairCpu = 0;
  for (let at = 0, b = 0; at < calls; at += BLOCK, b++) {
    const n = Math.min(BLOCK, calls - at);
    if (pair && b % 2 === 1) pairCpu += await block(pair, n, pairSamples, at);
    cpu += await block(call, n, samples, at);
    if (pair && b % 2 === 0) pairCpu += await block(pair, n, pairSamples, at);
  }
  process.stdout.write(
    JSON.stringify({
      scenario,
      exportedSpans,
      cpuPerCall: cpu / calls,
      pairCpuPerCall: pair ? pairCpu / calls : undefined,
      samples: Array.from(samples),
      pairSamples: pairSamples && Array.from(pairSamples),
      warmupCurve,
    }),
    // exit once written (a pipe is asynchronous): the peers' batch processors and timers would
    // otherwise keep the child alive
    () => process.exit(0),
  );
}

// ---------------------------------------------------------------- parent: rounds and the table

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function child(scenario, url, calls, warmup, sink) {
  return new Promise((resolve) => {
    const proc = spawn(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        '--scenario',
        scenario,
        '--url',
        url,
        '--calls',
        String(calls),
        '--warmup',
        String(warmup),
      ],
      { env: { ...process.env, BENCH_OTLP_SINK: sink }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (err += d));
    proc.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out));
      else
        resolve({
          error: (
            err
              .trim()
              .split('\n')
              .find((l) => /Error|error/.test(l)) ?? err.trim()
          ).slice(0, 300),
        });
    });
  });
}

async function runParent() {
  const calls = Number(arg('calls', '5000'));
  const rounds = Number(arg('rounds', '5'));
  const warmup = Number(arg('warmup', '10000'));
  const perRound = Math.ceil(calls / rounds);
  const provider = await startFakeOpenAI();
  const sink = await startFakeOpenAI(); // OTLP/HTTP sink: 200 {} for every export
  // The peers are not project dependencies (about 200 MB): run them only when installed.
  const installed = async (pkg) =>
    import(pkg).then(
      () => true,
      () => false,
    );
  const missing = [];
  if (!(await installed('@traceloop/node-server-sdk'))) missing.push('openai-openllmetry');
  if (!(await installed('openlit'))) missing.push('openai-openlit');
  if (missing.length > 0) {
    console.log(
      `skipping ${missing.join(', ')}: npm install --no-save @traceloop/node-server-sdk@0.27.0 openlit@1.15.0`,
    );
  }
  const only = arg('only', '').split(',').filter(Boolean);
  const names = Object.keys(SCENARIOS).filter(
    (n) => !missing.includes(n) && (only.length === 0 || only.includes(n)),
  );
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const errors = {};
  const spans = {};
  const pairs = {};
  const curves = {}; // per round: added p50 per WARMUP_STEP warm-up calls
  const cpus = {}; // per round: process CPU µs per call
  const pairCpus = {};
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      if (errors[name]) continue;
      const res = await child(name, provider.url, perRound, warmup, sink.url);
      if (res.error) errors[name] = res.error;
      else {
        samples[name].push(...res.samples);
        (cpus[name] ??= []).push(res.cpuPerCall);
        if (res.pairSamples) (pairCpus[name] ??= []).push(res.pairCpuPerCall);
        if (res.pairSamples) (pairs[name] ??= { call: [], bare: [] }).bare.push(...res.pairSamples);
        if (res.pairSamples) pairs[name].call.push(...res.samples);
        spans[name] = (spans[name] ?? 0) + res.exportedSpans;
        if (res.warmupCurve.length > 0) (curves[name] ??= []).push(res.warmupCurve);
      }
    }
  }
  const otlpExports = sink.otherRequests();
  await provider.close();
  await sink.close();

  const stats = {};
  for (const name of names) {
    if (errors[name]) continue;
    const sorted = samples[name].sort((a, b) => a - b);
    stats[name] = { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  }
  const median = (xs) =>
    xs ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : undefined;
  const f = (v) => (v === undefined ? '—' : v.toFixed(1));
  console.log(
    `instrumentation overhead: ${calls} calls per scenario (${rounds} rounds × ${perRound}, ${warmup} warm-up calls per round), Node ${process.version}`,
  );
  console.log('');
  console.log(
    '| scenario | p50 µs | p99 µs | added p50 µs | added p99 µs | CPU µs/call | added CPU µs/call |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const name of names) {
    const s = stats[name];
    const { label, baseline } = SCENARIOS[name];
    if (!s) {
      console.log(`| ${label} | skipped: ${errors[name]} | | | | | |`);
      continue;
    }
    const b = baseline && stats[baseline];
    const cpu = median(cpus[name]);
    const bCpu = baseline && median(cpus[baseline]);
    console.log(
      `| ${label} | ${f(s.p50)} | ${f(s.p99)} | ${b ? f(s.p50 - b.p50) : ''} | ${b ? f(s.p99 - b.p99) : ''} | ${f(cpu)} | ${bCpu ? f(cpu - bCpu) : ''} |`,
    );
  }
  const added = (name, p) =>
    stats[name] &&
    stats[SCENARIOS[name].baseline] &&
    stats[name][p] - stats[SCENARIOS[name].baseline][p];
  console.log('');
  console.log(
    `spans exported (discarded) in the timed runs: ${['routed', 'openai-agentmeter', 'openai-openllmetry'].map((n) => `${n} ${spans[n] ?? 0}`).join(', ')}; OpenLIT OTLP/HTTP exports to the local sink: ${otlpExports}`,
  );
  for (const ours of ['routed', 'openai-agentmeter']) {
    for (const peer of ['openai-openllmetry', 'openai-openlit']) {
      if (added(ours, 'p50') === undefined || added(peer, 'p50') === undefined) continue;
      console.log(
        `added ${ours} / added ${peer}: p50 ${(added(ours, 'p50') / added(peer, 'p50')).toFixed(2)}×, p99 ${(added(ours, 'p99') / added(peer, 'p99')).toFixed(2)}×`,
      );
    }
  }
  console.log('');
  console.log(
    `Same process, alternating blocks of ${BLOCK} calls with a bare call (no process-to-process noise):`,
  );
  console.log('');
  console.log(
    '| scenario | p50 µs | bare p50 µs | added p50 µs | p99 µs | bare p99 µs | added p99 µs | CPU µs/call | bare CPU | added CPU |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const pairAdded = {};
  for (const [name, { call, bare }] of Object.entries(pairs)) {
    call.sort((a, b) => a - b);
    bare.sort((a, b) => a - b);
    const [c50, b50, c99, b99] = [
      percentile(call, 0.5),
      percentile(bare, 0.5),
      percentile(call, 0.99),
      percentile(bare, 0.99),
    ];
    pairAdded[name] = c50 - b50;
    const [cpu, bCpu] = [median(cpus[name]), median(pairCpus[name])];
    console.log(
      `| ${SCENARIOS[name].label} | ${f(c50)} | ${f(b50)} | ${f(c50 - b50)} | ${f(c99)} | ${f(b99)} | ${f(c99 - b99)} | ${f(cpu)} | ${f(bCpu)} | ${f(cpu - bCpu)} |`,
    );
  }
  console.log('');
  console.log(
    `Warm-up: added p50 µs per ${WARMUP_STEP} warm-up calls (median over rounds), until the JIT settles:`,
  );
  console.log('');
  for (const [name, rounds] of Object.entries(curves)) {
    const points = rounds[0].map((_, i) => median(rounds.map((curve) => curve[i])));
    console.log(
      `- ${SCENARIOS[name].label}: ${points.map((v, i) => `${(i + 1) * WARMUP_STEP}: ${f(v)}`).join(', ')}`,
    );
  }
  console.log('');
  // The router's own cost is best read without the socket: the in-memory fetch pair.
  for (const [name, value] of [
    ['routed-no-http', pairAdded['routed-no-http']],
    ['routed (HTTP, same process)', pairAdded.routed],
    ['routed (HTTP, across processes)', added('routed', 'p50')],
  ]) {
    if (value === undefined) continue;
    console.log(
      `goal ≤ 20 µs p50 added per routed call, ${name}: ${value <= 20 ? 'met' : 'NOT met'} (${value.toFixed(1)} µs)`,
    );
  }
}

const scenario = arg('scenario');
if (scenario) {
  await runChild(scenario, arg('url'), Number(arg('calls', '1000')), Number(arg('warmup', '1000')));
} else {
  await runParent();
}
