// Budget check hot path: µs per BudgetEngine.check with 20 budgets (every scope, period and
// action, four time zones), over the in-memory ledger and over the ClickHouse ledger (its
// snapshot loaded once from a stub client: `spent` never does I/O, so no server is needed).
// Usage: npx tsc -b packages/budgets && node bench/budget.mjs
import { BudgetEngine, ClickHouseLedger, InMemoryLedger } from '../packages/budgets/dist/index.js';

const ZONES = ['UTC', 'America/Los_Angeles', 'Asia/Kolkata', 'Pacific/Chatham'];
const PERIODS = ['daily', 'weekly', 'monthly'];
const budgets = [
  {
    id: 'global-month',
    scope: 'global',
    period: 'monthly',
    limit_usd: 500,
    thresholds: [0.8, 0.95, 1],
  },
  { id: 'global-day', scope: 'global', period: 'daily', limit_usd: 50, action: 'block' },
  { id: 'per-user', scope: 'user', period: 'daily', limit_usd: 10, action: 'block' },
  { id: 'per-project', scope: 'project', period: 'monthly', limit_usd: 200 },
  {
    id: 'gpt4',
    scope: 'model',
    match: 'gpt-4*',
    period: 'weekly',
    limit_usd: 100,
    action: 'downgrade',
    downgrade_to: 'gpt-4o-mini',
  },
  {
    id: 'frontier',
    scope: 'model',
    match: ['o3', 'claude-opus*'],
    period: 'daily',
    limit_usd: 30,
    action: 'block',
  },
  ...Array.from({ length: 14 }, (_, i) => ({
    id: `b${i}`,
    scope: ['project', 'agent', 'workflow', 'user', 'model'][i % 5],
    ...(i % 2 === 0
      ? { match: [`value-${i % 7}`, 'acme', 'coder', 'ci', 'ann', 'gpt-4o'][i % 6] }
      : {}),
    period: PERIODS[i % 3],
    time_zone: ZONES[i % 4],
    limit_usd: 1_000 + i,
    action: ['alert_only', 'block', 'downgrade'][i % 3],
    ...(i % 3 === 2 ? { downgrade_to: 'gpt-4o-mini' } : {}),
  })),
];
if (budgets.length !== 20) throw new Error(`expected 20 budgets, got ${budgets.length}`);

const USERS = Array.from({ length: 200 }, (_, i) => `user-${i}`);
const start = Date.parse('2026-11-24T12:00:00Z');
const contexts = Array.from({ length: 4096 }, (_, i) => ({
  provider: 'openai',
  model: ['gpt-4o', 'gpt-4.1', 'o3', 'claude-opus-4-5', 'gpt-4o-mini'][i % 5],
  category: 'docs',
  project: ['acme', 'globex', 'initech'][i % 3],
  agent: ['coder', 'reviewer'][i % 2],
  workflow: ['ci', 'nightly', 'chat'][i % 3],
  user: USERS[i % USERS.length],
  estimatedCostNanos: 20_000_000,
  estimatedTokens: 3_000,
  now: new Date(start + i * 250), // 17 minutes of traffic: no period boundary in the timed part
}));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function run(name, engine) {
  // Warm-up: JIT, counters created for every scope value, spend recorded.
  for (let round = 0; round < 5; round++) {
    for (const ctx of contexts) {
      engine.check(ctx);
      engine.record(ctx, 1_000_000);
    }
  }
  const samples = new Float64Array(200_000);
  let sink = 0;
  for (let i = 0; i < samples.length; i++) {
    const ctx = contexts[i % contexts.length];
    const t0 = process.hrtime.bigint();
    const d = engine.check(ctx);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1_000;
    sink += d.action.length;
  }
  const sorted = Array.from(samples).sort((a, b) => a - b);
  const recordSamples = new Float64Array(50_000);
  for (let i = 0; i < recordSamples.length; i++) {
    const ctx = contexts[i % contexts.length];
    const t0 = process.hrtime.bigint();
    engine.record(ctx, 1_000);
    recordSamples[i] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  const rec = Array.from(recordSamples).sort((a, b) => a - b);
  console.log(
    `${name.padEnd(34)} check p50 ${percentile(sorted, 0.5).toFixed(2)} µs  p99 ${percentile(sorted, 0.99).toFixed(2)} µs` +
      `   record p50 ${percentile(rec, 0.5).toFixed(2)} µs  p99 ${percentile(rec, 0.99).toFixed(2)} µs  (${sink > 0 ? 'ok' : ''})`,
  );
}

// Once per budget and period: the first check after a reset computes the new windows (Intl).
function rollover() {
  const engine = new BudgetEngine({ budgets, ledger: new InMemoryLedger() });
  const times = [];
  for (let day = 0; day < 200; day++) {
    const ctx = { ...contexts[day], now: new Date(start + day * 86_400_000) };
    const t0 = process.hrtime.bigint();
    engine.check(ctx);
    times.push(Number(process.hrtime.bigint() - t0) / 1_000);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${'first check of a new day'.padEnd(34)} check p50 ${percentile(times, 0.5).toFixed(0)} µs  p99 ${percentile(times, 0.99).toFixed(0)} µs`,
  );
}

console.log(
  `BudgetEngine.check, ${budgets.length} budgets, ${USERS.length} users, node ${process.version}`,
);
run('InMemoryLedger', new BudgetEngine({ budgets, ledger: new InMemoryLedger() }));

const stub = {
  query: async () => ({ json: async () => [] }),
};
const fleet = new ClickHouseLedger({ client: stub, clock: () => start, ingestLagMs: 0 });
const fleetEngine = new BudgetEngine({ budgets, ledger: fleet });
for (const ctx of contexts) fleetEngine.check(ctx); // registers every group and value
await fleet.refresh();
run('ClickHouseLedger (loaded snapshot)', fleetEngine);
rollover();
