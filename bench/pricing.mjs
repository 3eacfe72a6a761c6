// Pricing hot-path benchmark: median nanoseconds per priceCall, cold (first call for a
// (provider, model) pair: model lookup + compile + price) and cached (lookup cached).
// Usage: npx tsc -b packages/pricing && node bench/pricing.mjs
import { waitForUpdate } from '@pydantic/genai-prices';
import { loadPricing } from '../packages/pricing/dist/index.js';

const TIMESTAMP = Date.parse('2026-11-24T12:00:00Z');
const USAGE = {
  inputTokens: 12_345,
  outputTokens: 678,
  cacheReadTokens: 2_000,
  cacheWriteTokens: 500,
  reasoningTokens: 300,
};

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function timeEach(calls) {
  return calls.map((call) => {
    const start = process.hrtime.bigint();
    call();
    return Number(process.hrtime.bigint() - start);
  });
}

const providers = (await waitForUpdate()) ?? [];
const pairs = providers.flatMap((provider) =>
  provider.models.filter((_, index) => index % 4 === 0).map((model) => [provider.id, model.id]),
);

// Cold, known provider: a fresh catalog, each pair priced once.
const cold = await loadPricing();
const coldKnown = timeEach(
  pairs.map(
    ([provider, model]) =>
      () =>
        cold.priceCall({ provider, model, timestamp: TIMESTAMP, usage: USAGE }),
  ),
);

// Cold, unknown provider: the fallback scans every provider for the model.
const scan = await loadPricing();
const coldUnknown = timeEach(
  pairs.slice(0, 60).map(
    ([, model], index) =>
      () =>
        scan.priceCall({ provider: `gateway-${index}`, model, timestamp: TIMESTAMP, usage: USAGE }),
  ),
);

// Cached: a warm catalog, a few pairs in rotation, batches of calls.
const warm = await loadPricing();
const hot = [
  ['openai', 'gpt-4o'],
  ['anthropic', 'claude-sonnet-4-5'],
  ['gcp.gemini', 'gemini-2.5-flash'],
  ['deepseek', 'deepseek-v4-pro'],
  ['aws.bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0'],
].map(([provider, model]) => ({ provider, model, timestamp: TIMESTAMP, usage: USAGE }));
const BATCH = 10_000;
let sink = 0;
for (let i = 0; i < 50_000; i++) sink += warm.priceCall(hot[i % hot.length]).priced ? 1 : 0; // warm up the JIT
const batches = [];
for (let batch = 0; batch < 40; batch++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) sink += warm.priceCall(hot[i % hot.length]).priced ? 1 : 0;
  batches.push(Number(process.hrtime.bigint() - start) / BATCH);
}

console.log(`catalog: ${warm.priceVersion}`);
console.log(
  `cold, known provider   (${coldKnown.length} pairs): median ${Math.round(median(coldKnown))} ns/call`,
);
console.log(
  `cold, unknown provider (${coldUnknown.length} pairs): median ${Math.round(median(coldUnknown))} ns/call`,
);
console.log(
  `cached                 (${batches.length} × ${BATCH} calls): median ${Math.round(median(batches))} ns/call`,
);
if (sink === 0) console.log('(no call priced)');
