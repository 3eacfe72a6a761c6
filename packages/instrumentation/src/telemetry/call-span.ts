/**
 * One provider call = one span, written here and nowhere else: the router, the SDK wrappers and
 * the response cache all record calls through these functions, so every call span carries the
 * same GenAI semconv + `agentmeter.*` attributes (constants from @agentmeter/conventions).
 */
import {
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import {
  Agentmeter,
  CategorySource,
  classifyError,
  ErrorCategory,
  GenAi,
  nanosToUsd,
  type BudgetDecisionValue,
  type QuotaDecisionValue,
  type RateLimitDecisionValue,
} from '@agentmeter/conventions';
import type { PriceResult } from '@agentmeter/pricing';
import { ProviderError, type ChatResponse } from '../types.js';

export interface RoutingAttributes {
  category: string;
  categorySource: 'explicit' | 'detected';
  strategy: string;
  role: string;
  attempt: number;
  escalated: boolean;
  escalatedFrom?: string;
  escalationReason?: string;
}

export interface Tenancy {
  project?: string;
  user?: string;
  agent?: string;
  workflow?: string;
  /** The session or thread the call belongs to: `gen_ai.conversation.id` (stored as `conversation_id`). */
  conversation?: string;
}

export interface Decisions {
  quota?: QuotaDecisionValue;
  budget?: BudgetDecisionValue;
  budgetId?: string;
  rateLimit?: RateLimitDecisionValue;
}

export interface CallStart {
  provider: string;
  requestModel: string;
  operation?: string;
  stream?: boolean;
  routing?: RoutingAttributes;
  /** The caller's own category of an unrouted call (source `explicit`); `routing` takes precedence. */
  category?: string;
  tenancy?: Tenancy;
  serverAddress?: string;
  maxTokens?: number;
  temperature?: number;
  /** Redacted prompt, only when content capture is on. */
  inputMessages?: string;
}

/**
 * Starts the span of one provider call (name `chat <model>`, as the semconv names it).
 *
 * Only the attributes a sampler may decide on (the semconv asks for them at creation) go
 * through `startSpan`, which validates its attributes three times over; the rest are set on the
 * started span one by one, validated once and without an intermediate object, and not at all
 * when the span is not recording (sampled out, or no SDK registered).
 */
export function startCallSpan(tracer: Tracer, start: CallStart, parent?: Context): Span {
  const operation = start.operation ?? 'chat';
  const sampled: Attributes = {
    [GenAi.OPERATION_NAME]: operation,
    [GenAi.PROVIDER_NAME]: start.provider,
    [GenAi.REQUEST_MODEL]: start.requestModel,
  };
  if (start.serverAddress) sampled[GenAi.SERVER_ADDRESS] = start.serverAddress;
  const span = tracer.startSpan(
    `${operation} ${start.requestModel}`,
    { kind: SpanKind.CLIENT, attributes: sampled },
    parent,
  );
  if (!span.isRecording()) return span;
  if (start.stream !== undefined) span.setAttribute(GenAi.REQUEST_STREAM, start.stream);
  if (start.maxTokens !== undefined) span.setAttribute(GenAi.REQUEST_MAX_TOKENS, start.maxTokens);
  if (start.temperature !== undefined)
    span.setAttribute(GenAi.REQUEST_TEMPERATURE, start.temperature);
  if (start.routing !== undefined) setRouting(span, start.routing);
  else if (start.category) {
    span.setAttribute(Agentmeter.CATEGORY, start.category);
    span.setAttribute(Agentmeter.CATEGORY_SOURCE, CategorySource.EXPLICIT);
  }
  if (start.tenancy !== undefined) setTenancy(span, start.tenancy);
  if (start.inputMessages !== undefined)
    span.setAttribute(GenAi.INPUT_MESSAGES, start.inputMessages);
  return span;
}

export interface CallSuccess {
  response: ChatResponse;
  /** The catalog's answer; an unpriced call carries no cost attribute (the ingester marks it unpriced). */
  cost?: PriceResult;
  decisions?: Decisions;
  /** Served from the response cache: zero cost, and what the call would have cost. */
  cacheHit?: { savedNanos: number };
  /** Redacted response, only when content capture is on. */
  outputMessages?: string;
}

/** Ends a successful call's span; its status stays Unset, as the OTel spec asks of instrumentation. */
export function endCallSuccess(span: Span, s: CallSuccess): void {
  if (span.isRecording()) setSuccess(span, s);
  span.end();
}

function setSuccess(span: Span, s: CallSuccess): void {
  const { response, cost } = s;
  const u = response.usage;
  span.setAttribute(GenAi.RESPONSE_MODEL, response.model);
  span.setAttribute(GenAi.USAGE_INPUT_TOKENS, u.inputTokens);
  span.setAttribute(GenAi.USAGE_OUTPUT_TOKENS, u.outputTokens);
  span.setAttribute(GenAi.RESPONSE_FINISH_REASONS, response.finishReasons);
  if (response.responseId) span.setAttribute(GenAi.RESPONSE_ID, response.responseId);
  if (u.cacheReadTokens) span.setAttribute(GenAi.USAGE_CACHE_READ_INPUT_TOKENS, u.cacheReadTokens);
  if (u.cacheWriteTokens)
    span.setAttribute(GenAi.USAGE_CACHE_CREATION_INPUT_TOKENS, u.cacheWriteTokens);
  if (u.reasoningTokens) span.setAttribute(GenAi.USAGE_REASONING_OUTPUT_TOKENS, u.reasoningTokens);
  if (response.timeToFirstTokenMs !== undefined) {
    span.setAttribute(Agentmeter.TIME_TO_FIRST_TOKEN_MS, response.timeToFirstTokenMs);
    // The semconv spelling, in seconds, for readers that know only it.
    span.setAttribute(GenAi.RESPONSE_TIME_TO_FIRST_CHUNK, response.timeToFirstTokenMs / 1000);
  }
  if (s.outputMessages !== undefined) span.setAttribute(GenAi.OUTPUT_MESSAGES, s.outputMessages);
  if (s.cacheHit) {
    span.setAttribute(Agentmeter.RESPONSE_CACHE_HIT, true);
    span.setAttribute(Agentmeter.RESPONSE_CACHE_SAVED_USD, nanosToUsd(s.cacheHit.savedNanos));
    span.setAttribute(Agentmeter.COST_USD, 0);
    span.setAttribute(GenAi.USAGE_COST, 0);
  } else if (cost?.priced) {
    const usd = nanosToUsd(cost.costNanos);
    span.setAttribute(Agentmeter.COST_USD, usd);
    // Until the semconv has a cost key: the one Langfuse and OpenLIT read.
    span.setAttribute(GenAi.USAGE_COST, usd);
    span.setAttribute(Agentmeter.COST_INPUT_USD, nanosToUsd(cost.parts.input + cost.parts.request));
    span.setAttribute(Agentmeter.COST_OUTPUT_USD, nanosToUsd(cost.parts.output));
    span.setAttribute(Agentmeter.COST_CACHE_READ_USD, nanosToUsd(cost.parts.cacheRead));
    span.setAttribute(Agentmeter.COST_CACHE_WRITE_USD, nanosToUsd(cost.parts.cacheWrite));
  }
  if (cost) span.setAttribute(Agentmeter.PRICE_VERSION, cost.priceVersion);
  if (s.decisions !== undefined) setDecisions(span, s.decisions);
}

/** Ends the span of a failed call (or of a call refused by a quota or budget before it was made). */
export function endCallError(span: Span, error: unknown, decisions?: Decisions): void {
  const { type, category } = describeError(error);
  span.setAttribute(GenAi.ERROR_TYPE, type);
  span.setAttribute(Agentmeter.ERROR_CATEGORY, category);
  if (decisions !== undefined) setDecisions(span, decisions);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  span.end();
}

/** `error.type` and the normalised category of an error thrown by a call. */
export function describeError(error: unknown): { type: string; category: string } {
  if (error instanceof ProviderError) {
    const category =
      error.kind === 'context_window' || error.kind === 'content_policy'
        ? ErrorCategory.VALIDATION
        : error.kind;
    return {
      type:
        error.options.errorType ??
        (error.options.status ? String(error.options.status) : error.kind),
      category,
    };
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'QUOTA_BLOCKED') return { type: 'QuotaBlockError', category: ErrorCategory.QUOTA };
  if (code === 'BUDGET_BLOCKED')
    return { type: 'BudgetBlockError', category: ErrorCategory.BUDGET };
  const type = error instanceof Error ? error.constructor.name : '_OTHER';
  const status = (error as { status?: unknown } | undefined)?.status;
  return {
    type,
    category: classifyError(
      `${type} ${error instanceof Error ? error.message : ''}`,
      typeof status === 'number' ? status : undefined,
    ),
  };
}

function setRouting(span: Span, r: RoutingAttributes): void {
  span.setAttribute(Agentmeter.CATEGORY, r.category);
  span.setAttribute(Agentmeter.CATEGORY_SOURCE, r.categorySource);
  span.setAttribute(Agentmeter.STRATEGY, r.strategy);
  span.setAttribute(Agentmeter.ROLE, r.role);
  span.setAttribute(Agentmeter.ATTEMPT, r.attempt);
  span.setAttribute(Agentmeter.ESCALATED, r.escalated);
  if (r.escalatedFrom) span.setAttribute(Agentmeter.ESCALATED_FROM, r.escalatedFrom);
  if (r.escalationReason) span.setAttribute(Agentmeter.ESCALATION_REASON, r.escalationReason);
}

function setTenancy(span: Span, t: Tenancy): void {
  if (t.project) span.setAttribute(Agentmeter.PROJECT, t.project);
  if (t.user) span.setAttribute(Agentmeter.USER, t.user);
  if (t.agent) span.setAttribute(Agentmeter.AGENT, t.agent);
  if (t.workflow) span.setAttribute(Agentmeter.WORKFLOW, t.workflow);
  if (t.conversation) span.setAttribute(GenAi.CONVERSATION_ID, t.conversation);
}

function setDecisions(span: Span, d: Decisions): void {
  if (d.quota) span.setAttribute(Agentmeter.QUOTA_DECISION, d.quota);
  if (d.budget) span.setAttribute(Agentmeter.BUDGET_DECISION, d.budget);
  if (d.budgetId) span.setAttribute(Agentmeter.BUDGET_ID, d.budgetId);
  if (d.rateLimit) span.setAttribute(Agentmeter.RATE_LIMIT_DECISION, d.rateLimit);
}
