/**
 * `agentmeter demo`: a simulated fleet of agents sending realistic LLM spans over OTLP, so that a
 * newcomer sees data in ClickHouse and Grafana within a minute. The mix follows the routing
 * seed's expectations: category shares, strategies, escalation rates, a few rate-limit errors,
 * a rare quota block, prompt caching on Anthropic models, and one unpriced private model.
 * Costs are left for the ingester to price from the catalog, as for any uninstrumented emitter.
 * It refuses to start when nothing answers at its URL, and reports as it goes (demo-report.ts).
 */
import { trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  Agentmeter,
  BudgetDecisions,
  CategorySource,
  ErrorCategory,
  GenAi,
  QuotaDecisions,
  Resource,
  systemClock,
  type Clock,
} from '@agentmeter/conventions';
import { loadPricing, type PriceCallInput } from '@agentmeter/pricing';
import { DEFAULT_DATABASE } from '@agentmeter/schema';
import { DemoExporter } from './demo-exporter.js';
import { DemoTally, type DemoOutput, type DemoReport } from './demo-report.js';

export interface DemoOptions {
  url: string;
  minutes: number;
  ratePerSecond: number;
  backfillHours: number;
  /** Seed of the pseudo-random fleet (the same seed sends the same spans). */
  seed?: number;
  /** Decides the history's hours (busier in working hours), the live ticks and the progress. */
  clock?: Clock;
  /** Progress and summary; default stdout. */
  output?: DemoOutput;
  /** The price overrides the ingester prices with, so that the simulated cost is its cost. */
  pricingOverridesFile?: string | undefined;
  /** The database the summary's example query reads. */
  database?: string | undefined;
}

interface Route {
  category: string;
  share: number;
  strategy: 'best_first' | 'progressive' | 'cheap_first';
  primary: Model;
  escalateTo?: Model;
  afterAttempts: number;
  escalationRate: number;
}

interface Model {
  provider: string;
  name: string;
  /** Typical input and output tokens of a call. */
  input: number;
  output: number;
  msPerOutputToken: number;
}

const OPUS: Model = {
  provider: 'anthropic',
  name: 'claude-opus-4-20250514',
  input: 9000,
  output: 1400,
  msPerOutputToken: 28,
};
const SONNET: Model = {
  provider: 'anthropic',
  name: 'claude-sonnet-4-20250514',
  input: 7000,
  output: 1100,
  msPerOutputToken: 16,
};
const GPT4O: Model = {
  provider: 'openai',
  name: 'gpt-4o',
  input: 6000,
  output: 900,
  msPerOutputToken: 12,
};
const MINI: Model = {
  provider: 'openai',
  name: 'gpt-4o-mini',
  input: 4000,
  output: 700,
  msPerOutputToken: 6,
};
const FLASH: Model = {
  provider: 'gcp.gemini',
  name: 'gemini-2.0-flash',
  input: 5000,
  output: 800,
  msPerOutputToken: 5,
};
const DEEPSEEK: Model = {
  provider: 'deepseek',
  name: 'deepseek-chat',
  input: 5000,
  output: 800,
  msPerOutputToken: 14,
};
const PRIVATE: Model = {
  provider: 'openai',
  name: 'acme-finetune-v2',
  input: 3000,
  output: 400,
  msPerOutputToken: 8,
};

/** Category shares and escalation rates from the routing seed's expected distributions. */
const ROUTES: Route[] = [
  {
    category: 'security_auth_change',
    share: 0.04,
    strategy: 'best_first',
    primary: OPUS,
    afterAttempts: 0,
    escalationRate: 0,
  },
  {
    category: 'external_feature_reuse_remote',
    share: 0.02,
    strategy: 'best_first',
    primary: OPUS,
    afterAttempts: 0,
    escalationRate: 0,
  },
  {
    category: 'schema_contract_change_destructive',
    share: 0.03,
    strategy: 'best_first',
    primary: SONNET,
    afterAttempts: 0,
    escalationRate: 0,
  },
  {
    category: 'external_feature_reuse_internal',
    share: 0.05,
    strategy: 'progressive',
    primary: SONNET,
    escalateTo: OPUS,
    afterAttempts: 2,
    escalationRate: 0.2,
  },
  {
    category: 'schema_contract_change_additive',
    share: 0.1,
    strategy: 'progressive',
    primary: GPT4O,
    escalateTo: SONNET,
    afterAttempts: 1,
    escalationRate: 0.3,
  },
  {
    category: 'core_backend_high',
    share: 0.3,
    strategy: 'progressive',
    primary: GPT4O,
    escalateTo: SONNET,
    afterAttempts: 2,
    escalationRate: 0.15,
  },
  {
    category: 'docs',
    share: 0.2,
    strategy: 'cheap_first',
    primary: MINI,
    escalateTo: GPT4O,
    afterAttempts: 3,
    escalationRate: 0.05,
  },
  {
    category: 'tests',
    share: 0.22,
    strategy: 'cheap_first',
    primary: FLASH,
    escalateTo: DEEPSEEK,
    afterAttempts: 2,
    escalationRate: 0.1,
  },
  {
    category: 'support',
    share: 0.04,
    strategy: 'cheap_first',
    primary: PRIVATE,
    afterAttempts: 0,
    escalationRate: 0,
  },
];

const SERVICES = ['code-agent', 'review-agent', 'support-bot'];
const PROJECTS = ['acme-web', 'acme-data'];

/** Mulberry32: small, fast, seedable (the demo fleet and the benchmarks' generated rules). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Fleet {
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private route(): Route {
    let r = this.random();
    for (const route of ROUTES) if ((r -= route.share) <= 0) return route;
    return ROUTES[ROUTES.length - 1]!;
  }

  /** Around `typical`, skewed right like real prompt sizes. */
  private around(typical: number): number {
    return Math.max(1, Math.round(typical * Math.exp((this.random() - 0.5) * 1.2)));
  }

  /**
   * Emits one call's span, started at `startMs`; returns what prices the call, or undefined for
   * a failed call (providers do not bill those).
   */
  emit(tracer: Tracer, startMs: number): PriceCallInput | undefined {
    const route = this.route();
    const escalated = route.escalateTo !== undefined && this.random() < route.escalationRate;
    const model = escalated ? route.escalateTo! : route.primary;
    // Attempts count from 1: with after_attempts N, attempts 1..N use the primary, N+1 escalates.
    const attempt = escalated
      ? route.afterAttempts + 1 + Math.floor(this.random() * 2)
      : 1 + (this.random() < 0.1 && route.afterAttempts > 1 ? 1 : 0);
    const role = this.random() < 0.75 ? 'builder' : 'auditor';
    const input = this.around(model.input);
    const output = this.around(model.output);
    const cacheRead = model.provider === 'anthropic' ? Math.floor(input * this.random() * 0.6) : 0;
    const cacheWrite =
      model.provider === 'anthropic' && this.random() < 0.2
        ? Math.floor((input - cacheRead) * 0.5)
        : 0;
    const stream = this.random() < 0.6;
    const durationMs = 250 + output * model.msPerOutputToken * (0.7 + this.random() * 0.6);
    const roll = this.random();
    const error = roll < 0.02 ? 'rate_limit' : roll < 0.025 ? 'timeout' : undefined;
    const quotaBlocked = route.strategy === 'best_first' && this.random() < 0.002;

    const span = tracer.startSpan(`chat ${model.name}`, {
      kind: SpanKind.CLIENT,
      startTime: startMs,
      attributes: {
        [GenAi.OPERATION_NAME]: 'chat',
        [GenAi.PROVIDER_NAME]: model.provider,
        [GenAi.REQUEST_MODEL]: model.name,
        [GenAi.REQUEST_STREAM]: stream,
        [Agentmeter.CATEGORY]: route.category,
        [Agentmeter.CATEGORY_SOURCE]:
          this.random() < 0.7 ? CategorySource.EXPLICIT : CategorySource.DETECTED,
        [Agentmeter.STRATEGY]: route.strategy,
        [Agentmeter.ROLE]: role,
        [Agentmeter.ATTEMPT]: attempt,
        [Agentmeter.ESCALATED]: escalated,
        [Agentmeter.PROJECT]: this.pick(PROJECTS),
        [Agentmeter.USER]: `user-${1 + Math.floor(this.random() * 20)}`,
        [Agentmeter.WORKFLOW]: 'implement-phase',
        [Agentmeter.QUOTA_DECISION]: quotaBlocked ? QuotaDecisions.BLOCKED : QuotaDecisions.ALLOWED,
        [Agentmeter.BUDGET_DECISION]: BudgetDecisions.ALLOWED,
      },
    });
    if (escalated) {
      span.setAttribute(Agentmeter.ESCALATED_FROM, route.primary.name);
      span.setAttribute(Agentmeter.ESCALATION_REASON, 'escalation_threshold_reached');
    }
    if (quotaBlocked) {
      span.setAttribute(GenAi.ERROR_TYPE, 'QuotaBlockError');
      span.setAttribute(Agentmeter.ERROR_CATEGORY, ErrorCategory.QUOTA);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: `quota exhausted for ${model.provider}`,
      });
      span.end(startMs + 1);
      return undefined;
    }
    if (error) {
      span.setAttribute(GenAi.ERROR_TYPE, error === 'rate_limit' ? '429' : 'timeout');
      span.setAttribute(
        Agentmeter.ERROR_CATEGORY,
        error === 'rate_limit' ? ErrorCategory.RATE_LIMIT : ErrorCategory.TIMEOUT,
      );
      span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      span.end(startMs + (error === 'timeout' ? 60_000 : 120));
      return undefined;
    }
    span.setAttributes({
      [GenAi.RESPONSE_MODEL]: model.name,
      [GenAi.USAGE_INPUT_TOKENS]: input,
      [GenAi.USAGE_OUTPUT_TOKENS]: output,
      [GenAi.USAGE_CACHE_READ_INPUT_TOKENS]: cacheRead,
      [GenAi.USAGE_CACHE_CREATION_INPUT_TOKENS]: cacheWrite,
      [GenAi.RESPONSE_FINISH_REASONS]: ['stop'],
    });
    if (stream)
      span.setAttribute(Agentmeter.TIME_TO_FIRST_TOKEN_MS, Math.round(200 + this.random() * 700));
    span.end(startMs + durationMs);
    return {
      provider: model.provider,
      model: model.name,
      timestamp: startMs,
      usage: {
        inputTokens: input,
        outputTokens: output,
        cacheReadTokens: cacheRead,
        cacheWriteTokens: cacheWrite,
      },
    };
  }
}

/** Nothing answers at the demo's target URL. */
export class NotRunningError extends Error {
  readonly code = 'AGENTMETER_NOT_RUNNING';

  constructor(readonly url: string) {
    super(
      `agentmeter is not running at ${url}: start it first with \`npm start\` (or give --url where it listens)`,
    );
  }
}

/** Resolves when anything answers HTTP at `url`; its status does not matter here. */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** Sends the fleet's spans, reporting progress, then what became of them. */
export async function runDemo(o: DemoOptions): Promise<DemoReport> {
  const base = o.url.replace(/\/$/, '');
  if (!(await answers(base))) throw new NotRunningError(o.url);
  const out = o.output ?? process.stdout;
  const clock = o.clock ?? systemClock;
  const catalog = await loadPricing(
    o.pricingOverridesFile ? { overridesFile: o.pricingOverridesFile } : {},
  );
  const fleet = new Fleet(o.seed ?? 42);
  const exporters = SERVICES.map(() => new DemoExporter(`${base}/v1/traces`, clock));
  const providers = SERVICES.map(
    (service, i) =>
      new BasicTracerProvider({
        resource: resourceFromAttributes({
          [Resource.SERVICE_NAME]: service,
          [Resource.DEPLOYMENT_ENVIRONMENT_NAME]: 'demo',
        }),
        spanProcessors: [
          new BatchSpanProcessor(exporters[i]!, {
            maxQueueSize: 20_000,
            maxExportBatchSize: 2_000,
            scheduledDelayMillis: 500,
          }),
        ],
      }),
  );
  const tracers = providers.map((p, i) => p.getTracer(`agentmeter-demo/${SERVICES[i]}`));
  const tracer = (): Tracer =>
    tracers[Math.floor(Math.random() * tracers.length)] ?? trace.getTracer('demo');
  const tally = new DemoTally(out, clock, catalog, exporters);
  // A failed export rejects the flush; its spans are counted as rejected, and the demo goes on.
  const settle = (how: 'forceFlush' | 'shutdown') =>
    Promise.all(providers.map((p) => p[how]().catch(() => {})));

  const now = clock.now();
  if (o.backfillHours > 0) {
    // History with a daily rhythm: busier in working hours.
    const perHour = Math.max(1, Math.round(o.ratePerSecond * 30));
    let unflushed = 0;
    for (let h = o.backfillHours; h > 0; h--) {
      const hourStart = now - h * 3_600_000;
      const hourOfDay = new Date(hourStart).getUTCHours();
      const load = hourOfDay >= 8 && hourOfDay < 19 ? 1 : 0.3;
      const n = Math.round(perHour * load);
      for (let i = 0; i < n; i++)
        tally.sentCall(fleet.emit(tracer(), hourStart + Math.random() * 3_600_000));
      unflushed += n;
      if (unflushed > 5_000) {
        await settle('forceFlush');
        unflushed = 0;
      }
    }
    await settle('forceFlush');
    out.write(`demo: sent ${o.backfillHours}h of history\n`);
  }
  const end = now + o.minutes * 60_000;
  out.write(
    `demo: sending ~${o.ratePerSecond} spans/s to ${o.url} for ${o.minutes} min (Ctrl-C stops)\n`,
  );
  let stopped = false;
  const stop = () => (stopped = true);
  process.once('SIGINT', stop);
  tally.beginLive();
  while (!stopped && clock.now() < end) {
    const tickStart = clock.now();
    for (let i = 0; i < o.ratePerSecond; i++)
      tally.sentCall(fleet.emit(tracer(), tickStart - Math.random() * 1000));
    await clock.sleep(Math.max(0, 1000 - (clock.now() - tickStart)));
    tally.progress();
  }
  process.off('SIGINT', stop);
  await settle('shutdown');
  return tally.summary(o.database ?? DEFAULT_DATABASE);
}
