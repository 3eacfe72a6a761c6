/**
 * Small in-memory pieces for the router tests: scripted provider clients, a clock that advances
 * only when the code under test sleeps, a hand-written budget guard, and a real tracer provider
 * exporting into memory.
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import type { Tracer } from '@opentelemetry/api';
import { parseRoutingConfig } from '../src/config/load.js';
import type { RoutingConfig, RoutingConfigInput } from '../src/config/schema.js';
import type { BudgetStatus, GuardContext, SpendDecision, SpendGuard } from '@agentmeter/budgets';
import {
  ProviderError,
  type ChatRequest,
  type ChatResponse,
  type ProviderClient,
  type ProviderErrorKind,
  type TokenUsage,
} from '../src/types.js';

export type Step =
  | { reply: string; usage?: TokenUsage; model?: string }
  | { error: ProviderErrorKind; retryAfterMs?: number; status?: number };

/** A provider client answering from a script (then `ok`), recording every request. */
export class ScriptedProvider implements ProviderClient {
  readonly requests: ChatRequest[] = [];
  readonly #script: Step[] = [];

  constructor(readonly name: string) {}

  /** Queues steps, answered in order by the next calls. */
  then(...steps: Step[]): this {
    this.#script.push(...steps);
    return this;
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    this.requests.push(request);
    const step = this.#script.shift() ?? { reply: 'ok' };
    if ('error' in step) {
      throw new ProviderError(`scripted ${step.error}`, step.error, {
        provider: this.name,
        status: step.status,
        retryAfterMs: step.retryAfterMs,
      });
    }
    return {
      text: step.reply,
      model: step.model ?? request.model,
      usage: step.usage ?? { inputTokens: 100, outputTokens: 20 },
      finishReasons: ['stop'],
    };
  }

  models(): string[] {
    return this.requests.map((r) => r.model);
  }
}

export interface Tracing {
  tracer: Tracer;
  spans(): ReadableSpan[];
  /** Provider-call spans only (not the routing span). */
  calls(): ReadableSpan[];
  routes(): ReadableSpan[];
}

export function tracing(): Tracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const spans = () => exporter.getFinishedSpans();
  return {
    tracer: provider.getTracer('test'),
    spans,
    calls: () => spans().filter((s) => !s.name.startsWith('agentmeter.route')),
    routes: () => spans().filter((s) => s.name.startsWith('agentmeter.route')),
  };
}

/**
 * A hand-written SpendGuard (not the BudgetEngine): one budget over all calls, with a fixed
 * decision past its limit, for the paths the engine never takes.
 */
export class FixedBudget implements SpendGuard {
  constructor(
    readonly over: SpendDecision,
    readonly limitNanos = 0,
  ) {}
  check(ctx: GuardContext): SpendDecision {
    return ctx.estimatedCostNanos <= this.limitNanos ? { action: 'allow' } : this.over;
  }
  record(): void {}
}

export function budgetStatus(id: string): BudgetStatus {
  return {
    budgetId: id,
    scope: 'global',
    scopeValue: '',
    action: 'downgrade',
    period: 'daily',
    timeZone: 'UTC',
    periodStart: new Date(Date.UTC(2026, 0, 15)),
    resetsAt: new Date(Date.UTC(2026, 0, 16)),
    spentNanos: 1,
    estimatedNanos: 1,
    limitNanos: 1,
  };
}

/** A config over two providers with one policy per strategy, plus whatever a test adds. */
export function testConfig(extra: Partial<RoutingConfigInput> = {}): RoutingConfig {
  return parseRoutingConfig({
    models: {
      'gpt-4o': { provider: 'openai', downgrade_to: 'gpt-4o-mini' },
      'gpt-4o-mini': { provider: 'openai' },
      'gpt-5': { provider: 'openai', downgrade_to: 'gpt-4o' },
      'claude-sonnet-4-5': { provider: 'anthropic', downgrade_to: 'claude-haiku-4-5' },
      'claude-haiku-4-5': { provider: 'anthropic' },
      'claude-opus-4-5': { provider: 'anthropic' },
    },
    llm_routing_policies: {
      security_auth_change: {
        strategy: 'best_first',
        builder_primary: 'gpt-5',
        auditor_primary: 'claude-opus-4-5',
      },
      core_backend_high: {
        strategy: 'progressive',
        builder_primary: 'gpt-4o',
        auditor_primary: 'claude-sonnet-4-5',
        escalate_to: { builder: 'gpt-5', auditor: 'claude-opus-4-5', after_attempts: 2 },
      },
      docs: {
        strategy: 'cheap_first',
        builder_primary: 'gpt-4o-mini',
        auditor_primary: 'gpt-4o-mini',
        escalate_to: { builder: 'gpt-4o', after_attempts: 3 },
      },
    },
    complexity_models: {
      low: { builder: 'gpt-4o-mini', auditor: 'claude-haiku-4-5' },
      high: { builder: 'gpt-5', auditor: 'claude-opus-4-5' },
    },
    default_complexity: 'low',
    quota_enforcement: {
      never_fallback_categories: ['security_auth_change'],
    },
    ...extra,
  });
}

export const messages = [
  { role: 'user' as const, content: 'Write the docs for the export module.' },
];
