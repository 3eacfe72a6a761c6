/**
 * The routing client: category → policy → model → quota and budget checks → provider call →
 * price → spans. Everything config-shaped is compiled in the constructor; a call does Map
 * lookups, the guards' checks, one routing span and one span per provider call.
 *
 * Loops, innermost first (each provider call is its own span, all children of the routing span):
 * - retries of one model: retryable kinds only, waiting Retry-After (capped) or a backoff;
 * - fallbacks to other models: on context-window or content-policy errors (their own lists),
 *   after retries are exhausted or while the provider cools down (`fallbacks.default`);
 * - attempts (the client's own loop when `maxAttempts` > 1): a failed or unaccepted attempt is
 *   followed by the next attempt number, which escalates when the policy says so.
 */
import {
  context,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { CategorySource } from '@agentmeter/conventions';
import { loadPricing, type PriceCatalog, type PriceResult } from '@agentmeter/pricing';
import type { RoutingConfig } from '../config/schema.js';
import { quotaAction } from '@agentmeter/budgets';
import { BudgetEngine } from '@agentmeter/budgets';
import { QuotaTracker } from '@agentmeter/budgets';
import { captureInputMessages, captureOutputMessages } from '../wrappers/content.js';
import { ResponseCache } from '../response-cache.js';
import {
  endCallError,
  endCallSuccess,
  startCallSpan,
  type Decisions,
  type RoutingAttributes,
  type Tenancy,
} from '../telemetry/call-span.js';
import {
  ProviderError,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type ProviderClient,
} from '../types.js';
import { AdmissionControl, type Admission, type CallFacts } from './admission.js';
import { CategoryDetector } from './category-detector.js';
import { systemClock, type Clock } from '@agentmeter/conventions';
import { CooldownTracker } from './cooldown.js';
import { CostEstimator, estimateInputTokens } from './cost-estimate.js';
import { RoutingError } from './errors.js';
import type { QuotaActionFn, RouteStrategy } from './guards.js';
import type { QuotaGuard, SpendGuard } from '@agentmeter/budgets';
import { ModelTable, type FallbackKind, type ModelRoute } from './model-table.js';
import { PolicyTable, type Selection } from './policy-table.js';
import { RetryPolicy } from './retry.js';
import { RouteEvent, RouteEventKey, startRouteSpan } from './route-span.js';

const TRACER_NAME = '@agentmeter/instrumentation';

export interface RoutingClientOptions {
  /** From `loadRoutingConfig` / `parseRoutingConfig`. */
  config: RoutingConfig;
  /** Provider clients by `gen_ai.provider.name`, or a list keyed by each client's `name`. */
  providers: Readonly<Record<string, ProviderClient>> | readonly ProviderClient[];
  /**
   * Prices every call. Default: the bundled catalog, loaded when the client is constructed and
   * awaited by the first call. `false`: no pricing (spans carry no cost, budgets see estimates of 0).
   */
  pricing?: PriceCatalog | Promise<PriceCatalog> | false;
  /** Default: the global tracer provider's tracer (set up by `register()`). */
  tracer?: Tracer;
  /** Default: a BudgetEngine over the config's `budgets` section (in-memory ledger), if any. */
  budgets?: SpendGuard;
  /** Default: a QuotaTracker over the config's `quotas` section, if any. */
  quotas?: QuotaGuard;
  /** What `quota_enforcement` does with an exhausted quota; default: block. */
  quotaAction?: QuotaActionFn;
  /** Opt-in response cache. */
  cache?: ResponseCache;
  clock?: Clock;
  /** Record prompts and responses on spans, always through `redactSecrets`. Default false. */
  captureContent?: boolean;
  /** With `captureContent`: a redactor of your own, run on every text before `redactSecrets`. */
  redact?: (text: string) => string;
}

export interface CompleteRequest {
  /** `builder`, `auditor`, or any role the policy names with `<role>_primary`. */
  role: string;
  messages: ChatMessage[];
  /** Explicit category; absent → detected from `description` and `changedFiles`. */
  category?: string;
  description?: string;
  changedFiles?: readonly string[];
  /** Level of `complexity_models` for a category without a policy; default `default_complexity`. */
  complexity?: string;
  /** The caller's attempt number, from 1 (default 1); escalation follows it. */
  attempt?: number;
  /** Attempts this call may make itself (default 1): failed or unaccepted attempts are followed by the next number. */
  maxAttempts?: number;
  /** With `maxAttempts` > 1: is a response good enough? A `false` moves on to the next attempt. */
  accept?: (response: ChatResponse) => boolean;
  maxTokens?: number;
  temperature?: number;
  stream?: boolean;
  signal?: AbortSignal;
  tenancy?: Tenancy;
}

export interface CompleteResult {
  response: ChatResponse;
  model: string;
  provider: string;
  category: string;
  categorySource: 'explicit' | 'detected';
  strategy: RouteStrategy;
  escalated: boolean;
  escalatedFrom?: string;
  attempt: number;
  /** The catalog's price of the call; absent without a catalog and on a cache hit. */
  cost?: PriceResult;
  decisions: Decisions;
  cacheHit: boolean;
  /** On a cache hit: what the call would have cost, integer nano-USD. */
  savedNanos?: number;
}

/** Per `complete()` call: what every attempt, fallback and retry shares. */
interface CallState {
  readonly request: CompleteRequest;
  readonly category: string;
  readonly categorySource: 'explicit' | 'detected';
  readonly routeSpan: Span;
  readonly parent: Context;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly inputMessages: string | undefined;
}

type Admitted = Extract<Admission, { admitted: true }>;

const ZERO_USAGE = Object.freeze({ inputTokens: 0, outputTokens: 0 });

export class RoutingClient {
  readonly config: RoutingConfig;
  readonly #policies: PolicyTable;
  readonly #models: ModelTable;
  readonly #detector: CategoryDetector;
  readonly #cooldown: CooldownTracker;
  readonly #retry: RetryPolicy;
  #admission: AdmissionControl;
  /** Until the catalog has loaded (default pricing only). */
  #pricingReady: Promise<void> | undefined;
  readonly #tracer: Tracer;
  readonly #clock: Clock;
  #pricing: PriceCatalog | undefined;
  readonly #budgets: SpendGuard | undefined;
  readonly #quotas: QuotaGuard | undefined;
  readonly #cache: ResponseCache | undefined;
  readonly #capture: boolean;
  readonly #redact: ((text: string) => string) | undefined;
  readonly #maxFallbacks: number;
  readonly #defaultOutputTokens: number;

  constructor(options: RoutingClientOptions) {
    const { config } = options;
    this.config = config;
    this.#policies = new PolicyTable(config);
    this.#models = new ModelTable(config, clientsByName(options.providers));
    this.#detector = new CategoryDetector(config.category_detection);
    this.#cooldown = new CooldownTracker(config.cooldown);
    this.#retry = new RetryPolicy(config.retry);
    this.#budgets =
      options.budgets ??
      (config.budgets ? new BudgetEngine({ budgets: config.budgets }) : undefined);
    this.#quotas =
      options.quotas ?? (config.quotas ? new QuotaTracker({ quotas: config.quotas }) : undefined);
    const admission = (pricing: PriceCatalog | undefined) =>
      new AdmissionControl({
        models: this.#models,
        estimator: new CostEstimator(pricing),
        quotas: this.#quotas,
        quotaAction: options.quotaAction ?? quotaAction,
        enforcement: config.quota_enforcement,
        budgets: this.#budgets,
      });
    const pricing = options.pricing ?? loadPricing();
    if (pricing === false || !(pricing instanceof Promise)) {
      this.#pricing = pricing || undefined;
      this.#admission = admission(this.#pricing);
    } else {
      this.#admission = admission(undefined);
      this.#pricingReady = pricing.then((catalog) => {
        this.#pricing = catalog;
        this.#admission = admission(catalog);
        this.#pricingReady = undefined;
      });
    }
    this.#tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
    this.#clock = options.clock ?? systemClock;
    this.#cache = options.cache;
    this.#capture = options.captureContent === true;
    this.#redact = options.redact;
    this.#maxFallbacks = config.fallbacks.max_fallbacks;
    this.#defaultOutputTokens = config.cost_estimate.default_output_tokens;
  }

  async complete(request: CompleteRequest): Promise<CompleteResult> {
    if (this.#pricingReady) await this.#pricingReady;
    const first = request.attempt ?? 1;
    const attempts = request.maxAttempts ?? 1;
    if (
      !Number.isSafeInteger(first) ||
      first < 1 ||
      !Number.isSafeInteger(attempts) ||
      attempts < 1
    ) {
      throw new RoutingError(
        'ROUTING_INVALID_OPTIONS',
        `attempt and maxAttempts are whole numbers from 1, got attempt ${first} and maxAttempts ${attempts}`,
      );
    }
    const explicit = request.category !== undefined;
    const category =
      request.category ?? this.#detector.detect(request.description, request.changedFiles);
    const routeSpan = startRouteSpan(this.#tracer, category);
    const call: CallState = {
      request,
      category,
      categorySource: explicit ? CategorySource.EXPLICIT : CategorySource.DETECTED,
      routeSpan,
      parent: trace.setSpan(context.active(), routeSpan),
      inputTokens: estimateInputTokens(request.messages),
      outputTokens: request.maxTokens ?? this.#defaultOutputTokens,
      inputMessages: this.#capture ? this.#inputContent(request.messages) : undefined,
    };
    try {
      // Success leaves the status Unset, as the OTel spec asks of instrumentation libraries.
      return await this.#attempts(call, first, first + attempts - 1);
    } catch (error) {
      if (error instanceof Error) routeSpan.recordException(error);
      routeSpan.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      routeSpan.end();
    }
  }

  async #attempts(call: CallState, first: number, last: number): Promise<CompleteResult> {
    const { request } = call;
    for (let attempt = first; ; attempt++) {
      const selection = this.#policies.select(
        call.category,
        request.role,
        attempt,
        request.complexity,
      );
      if (attempt === last) return this.#attempt(call, selection, attempt);
      try {
        const result = await this.#attempt(call, selection, attempt);
        if (request.accept === undefined || request.accept(result.response)) return result;
        this.#attemptFailed(call, attempt, 'not_accepted');
      } catch (error) {
        // A provider failure or an unavailable provider may not recur on the next attempt's
        // model; quota and budget refusals and configuration errors would.
        if (error instanceof ProviderError) this.#attemptFailed(call, attempt, error.kind);
        else if (error instanceof RoutingError && error.code === 'ROUTING_NO_AVAILABLE_PROVIDER')
          this.#attemptFailed(call, attempt, 'cooldown');
        else throw error;
      }
    }
  }

  #attemptFailed(call: CallState, attempt: number, reason: string): void {
    call.routeSpan.addEvent(RouteEvent.ATTEMPT_FAILED, {
      [RouteEventKey.ATTEMPT]: attempt,
      [RouteEventKey.REASON]: reason,
    });
  }

  /** One attempt: the selected model, or its fallbacks. */
  async #attempt(call: CallState, selection: Selection, attempt: number): Promise<CompleteResult> {
    const { request } = call;
    const routing: RoutingAttributes = {
      category: call.category,
      categorySource: call.categorySource,
      strategy: selection.strategy,
      role: request.role,
      attempt,
      escalated: selection.escalated,
      escalatedFrom: selection.escalatedFrom,
      escalationReason: selection.escalationReason,
    };
    let cacheKey: string | undefined;
    if (this.#cache !== undefined) {
      cacheKey = ResponseCache.key({
        model: selection.model,
        messages: request.messages,
        maxTokens: request.maxTokens,
        temperature: request.temperature,
      });
      const cached = this.#cache.get(cacheKey, this.#clock.now());
      if (cached !== undefined) return this.#cacheHit(call, routing, selection, cached);
    }

    const facts: CallFacts = {
      category: call.category,
      strategy: selection.strategy,
      tenancy: request.tenancy,
      inputTokens: call.inputTokens,
      outputTokens: call.outputTokens,
    };
    let route = this.#models.get(selection.model);
    let tried: string[] | undefined;
    for (let fallbacks = 0; ; fallbacks++) {
      const now = this.#clock.now();
      if (this.#cooldown.isCooling(route.provider, now)) {
        tried ??= [selection.model];
        const next =
          fallbacks < this.#maxFallbacks ? this.#fallback(route, 'default', tried, now) : undefined;
        if (next === undefined) {
          throw new RoutingError(
            'ROUTING_NO_AVAILABLE_PROVIDER',
            `provider ${route.provider} of ${route.model} is cooling down after repeated failures and no fallback is available; retry after its cooldown (\`cooldown.cooldown_seconds\`) or configure \`fallbacks.default.${route.model}\``,
          );
        }
        this.#fellBack(call, route, next, 'cooldown', tried);
        route = next;
        continue;
      }

      const admission = this.#admission.admit(route, facts, now);
      if (!admission.admitted) {
        const span = this.#startCall(call, routing, admission.route);
        endCallError(span, admission.error, admission.decisions);
        throw admission.error;
      }
      try {
        return await this.#callWithRetries(
          call,
          selection,
          routing,
          admission,
          admission.route.model === selection.model ? cacheKey : undefined,
        );
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        tried ??= [selection.model];
        if (!tried.includes(admission.route.model)) tried.push(admission.route.model);
        const kind = fallbackKind(error);
        if (kind === undefined || fallbacks >= this.#maxFallbacks) throw error;
        const next = this.#fallback(admission.route, kind, tried, this.#clock.now());
        if (next === undefined) throw error;
        this.#fellBack(call, admission.route, next, kind, tried);
        route = next;
      }
    }
  }

  /** The first fallback of `kind` not tried yet in this attempt and not cooling down. */
  #fallback(
    route: ModelRoute,
    kind: FallbackKind,
    tried: readonly string[],
    now: number,
  ): ModelRoute | undefined {
    for (const model of route.fallbacks[kind]) {
      if (tried.includes(model)) continue;
      const candidate = this.#models.get(model);
      if (!this.#cooldown.isCooling(candidate.provider, now)) return candidate;
    }
    return undefined;
  }

  #fellBack(
    call: CallState,
    from: ModelRoute,
    to: ModelRoute,
    reason: string,
    tried: string[],
  ): void {
    tried.push(to.model);
    call.routeSpan.addEvent(RouteEvent.FALLBACK, {
      [RouteEventKey.FROM]: from.model,
      [RouteEventKey.TO]: to.model,
      [RouteEventKey.REASON]: reason,
    });
  }

  async #callWithRetries(
    call: CallState,
    selection: Selection,
    routing: RoutingAttributes,
    admission: Admitted,
    cacheKey: string | undefined,
  ): Promise<CompleteResult> {
    const { request } = call;
    const { route, decisions } = admission;
    const chatRequest: ChatRequest = {
      model: route.model,
      messages: request.messages,
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      stream: request.stream,
      signal: request.signal,
    };
    let spanDecisions = decisions;
    for (let retry = 0; ; retry++) {
      const startedAt = this.#clock.now();
      const span = this.#startCall(call, routing, route);
      let response: ChatResponse;
      try {
        response = await context.with(
          trace.setSpan(call.parent, span),
          callProvider,
          undefined,
          route.client,
          chatRequest,
        );
      } catch (error) {
        endCallError(span, error, spanDecisions);
        if (!(error instanceof ProviderError)) throw error;
        const now = this.#clock.now();
        if (this.#cooldown.fail(route.provider, error.kind, now)) {
          call.routeSpan.addEvent(RouteEvent.COOLDOWN, {
            [RouteEventKey.PROVIDER]: route.provider,
          });
        }
        if (
          retry >= this.#retry.numRetries ||
          !this.#retry.isRetryable(error.kind) ||
          this.#cooldown.isCooling(route.provider, now)
        ) {
          throw error;
        }
        const wait = this.#retry.delayMs(error, retry);
        call.routeSpan.addEvent(RouteEvent.RETRY, {
          [RouteEventKey.REASON]: error.kind,
          [RouteEventKey.WAIT_MS]: wait.ms,
          [RouteEventKey.RETRY_AFTER]: wait.retryAfter,
        });
        await this.#clock.sleep(wait.ms);
        if (wait.retryAfter) spanDecisions = { ...decisions, rateLimit: 'delayed' };
        continue;
      }

      return this.#succeeded(call, selection, routing, admission, {
        span,
        response,
        startedAt,
        decisions: spanDecisions,
        cacheKey,
      });
    }
  }

  /** Prices a completed call, ends its span, and records its spend and tokens. */
  #succeeded(
    call: CallState,
    selection: Selection,
    routing: RoutingAttributes,
    { route, budgetContext }: Admitted,
    done: {
      span: Span;
      response: ChatResponse;
      startedAt: number;
      decisions: Decisions;
      cacheKey: string | undefined;
    },
  ): CompleteResult {
    const { response, startedAt, decisions } = done;
    const cost = this.#pricing?.priceCall({
      provider: route.provider,
      model: response.model || route.model,
      timestamp: startedAt,
      usage: response.usage,
    });
    endCallSuccess(done.span, {
      response,
      cost,
      decisions,
      outputMessages: this.#capture ? this.#outputContent(response) : undefined,
    });
    // Spend and tokens count at the call's start, in the period its checks were made for.
    if (budgetContext !== undefined && cost?.priced === true) {
      this.#budgets?.record(budgetContext, cost.costNanos);
    }
    this.#quotas?.record(
      route.provider,
      response.usage.inputTokens + response.usage.outputTokens,
      new Date(startedAt),
    );
    if (done.cacheKey !== undefined) this.#cache?.set(done.cacheKey, response, this.#clock.now());
    return this.#result(call, routing, selection, route, response, {
      cost,
      decisions,
      cacheHit: false,
    });
  }

  /** A cache hit is a call span too: zero tokens used, zero cost, and the cost it saved. */
  #cacheHit(
    call: CallState,
    routing: RoutingAttributes,
    selection: Selection,
    cached: ChatResponse,
  ): CompleteResult {
    const route = this.#models.get(selection.model);
    const saved = this.#pricing?.priceCall({
      provider: route.provider,
      model: cached.model || route.model,
      timestamp: this.#clock.now(),
      usage: cached.usage,
    });
    const savedNanos = saved?.priced === true ? saved.costNanos : 0;
    const span = this.#startCall(call, routing, route);
    endCallSuccess(span, {
      response: { ...cached, usage: ZERO_USAGE, timeToFirstTokenMs: undefined },
      cost: saved,
      cacheHit: { savedNanos },
      outputMessages: this.#capture ? this.#outputContent(cached) : undefined,
    });
    return this.#result(call, routing, selection, route, cached, {
      decisions: {},
      cacheHit: true,
      savedNanos,
    });
  }

  /** What every result says about the route taken, and how the call went. */
  #result(
    call: CallState,
    routing: RoutingAttributes,
    selection: Selection,
    route: ModelRoute,
    response: ChatResponse,
    outcome: Pick<CompleteResult, 'cost' | 'decisions' | 'cacheHit' | 'savedNanos'>,
  ): CompleteResult {
    return {
      response,
      model: route.model,
      provider: route.provider,
      category: call.category,
      categorySource: call.categorySource,
      strategy: selection.strategy,
      escalated: selection.escalated,
      escalatedFrom: selection.escalatedFrom,
      attempt: routing.attempt,
      cost: outcome.cost,
      decisions: outcome.decisions,
      cacheHit: outcome.cacheHit,
      savedNanos: outcome.savedNanos,
    };
  }

  /** The same semconv shape and secret redaction as the SDK wrappers' spans. */
  #inputContent(messages: readonly ChatMessage[]): string {
    const redact = this.#redact;
    return captureInputMessages(
      redact === undefined ? messages : messages.map((m) => ({ ...m, content: redact(m.content) })),
    );
  }

  #outputContent(response: ChatResponse): string {
    const text = this.#redact === undefined ? response.text : this.#redact(response.text);
    return captureOutputMessages(text, response.finishReasons);
  }

  #startCall(call: CallState, routing: RoutingAttributes, route: ModelRoute): Span {
    return startCallSpan(
      this.#tracer,
      {
        provider: route.provider,
        requestModel: route.model,
        stream: call.request.stream,
        maxTokens: call.request.maxTokens,
        temperature: call.request.temperature,
        routing,
        tenancy: call.request.tenancy,
        inputMessages: call.inputMessages,
      },
      call.parent,
    );
  }
}

/** Module-level so that `context.with` gets no per-call closure. */
function callProvider(client: ProviderClient, request: ChatRequest): Promise<ChatResponse> {
  return client.complete(request);
}

/** Which fallback list an error sends the call to; undefined: none (the request itself is at fault). */
function fallbackKind(error: ProviderError): FallbackKind | undefined {
  switch (error.kind) {
    case 'context_window':
      return 'context_window';
    case 'content_policy':
      return 'content_policy';
    case 'validation':
      return undefined;
    default:
      return 'default';
  }
}

function clientsByName(
  providers: RoutingClientOptions['providers'],
): ReadonlyMap<string, ProviderClient> {
  if (Array.isArray(providers)) {
    return new Map((providers as readonly ProviderClient[]).map((client) => [client.name, client]));
  }
  return new Map(Object.entries(providers as Readonly<Record<string, ProviderClient>>));
}
