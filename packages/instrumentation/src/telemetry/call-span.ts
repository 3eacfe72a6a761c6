/**
 * One provider call = one span, written here and nowhere else: the router, the SDK wrappers and
 * the response cache all record calls through these functions, so every call span carries the
 * same GenAI semconv + `agentmeter.*` attributes (constants from @agentmeter/shared).
 */
import {
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { Agentmeter, CategorySource, GenAi, ErrorCategory } from '@agentmeter/shared/attributes';
import { classifyError } from '@agentmeter/shared/errors';
import { nanosToUsd } from '@agentmeter/shared/money';
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
}

export interface Decisions {
  quota?: 'allowed' | 'blocked' | 'fallback' | 'downgraded';
  budget?: 'allowed' | 'alerted' | 'blocked' | 'downgraded';
  budgetId?: string;
  rateLimit?: 'allowed' | 'delayed' | 'rejected';
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

/** Starts the span of one provider call (name `chat <model>`, as the semconv names it). */
export function startCallSpan(tracer: Tracer, start: CallStart, parent?: Context): Span {
  const operation = start.operation ?? 'chat';
  const attributes: Attributes = {
    [GenAi.OPERATION_NAME]: operation,
    [GenAi.PROVIDER_NAME]: start.provider,
    [GenAi.REQUEST_MODEL]: start.requestModel,
  };
  if (start.stream !== undefined) attributes[GenAi.REQUEST_STREAM] = start.stream;
  if (start.serverAddress) attributes[GenAi.SERVER_ADDRESS] = start.serverAddress;
  if (start.maxTokens !== undefined) attributes[GenAi.REQUEST_MAX_TOKENS] = start.maxTokens;
  if (start.temperature !== undefined) attributes[GenAi.REQUEST_TEMPERATURE] = start.temperature;
  if (start.category) {
    attributes[Agentmeter.CATEGORY] = start.category;
    attributes[Agentmeter.CATEGORY_SOURCE] = CategorySource.EXPLICIT;
  }
  if (start.inputMessages !== undefined) attributes[GenAi.INPUT_MESSAGES] = start.inputMessages;
  Object.assign(attributes, routingAttributes(start.routing), tenancyAttributes(start.tenancy));
  return tracer.startSpan(
    `${operation} ${start.requestModel}`,
    { kind: SpanKind.CLIENT, attributes },
    parent,
  );
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

export function endCallSuccess(span: Span, s: CallSuccess): void {
  const { response, cost } = s;
  const u = response.usage;
  const attributes: Attributes = {
    [GenAi.RESPONSE_MODEL]: response.model,
    [GenAi.USAGE_INPUT_TOKENS]: u.inputTokens,
    [GenAi.USAGE_OUTPUT_TOKENS]: u.outputTokens,
    [GenAi.RESPONSE_FINISH_REASONS]: response.finishReasons,
  };
  if (response.responseId) attributes[GenAi.RESPONSE_ID] = response.responseId;
  if (u.cacheReadTokens) attributes[GenAi.USAGE_CACHE_READ_INPUT_TOKENS] = u.cacheReadTokens;
  if (u.cacheWriteTokens) attributes[GenAi.USAGE_CACHE_CREATION_INPUT_TOKENS] = u.cacheWriteTokens;
  if (u.reasoningTokens) attributes[GenAi.USAGE_REASONING_OUTPUT_TOKENS] = u.reasoningTokens;
  if (response.timeToFirstTokenMs !== undefined) {
    attributes[Agentmeter.TIME_TO_FIRST_TOKEN_MS] = response.timeToFirstTokenMs;
    // The semconv spelling, in seconds, for readers that know only it.
    attributes[GenAi.RESPONSE_TIME_TO_FIRST_CHUNK] = response.timeToFirstTokenMs / 1000;
  }
  if (s.outputMessages !== undefined) attributes[GenAi.OUTPUT_MESSAGES] = s.outputMessages;
  if (s.cacheHit) {
    attributes[Agentmeter.RESPONSE_CACHE_HIT] = true;
    attributes[Agentmeter.RESPONSE_CACHE_SAVED_USD] = nanosToUsd(s.cacheHit.savedNanos);
    attributes[Agentmeter.COST_USD] = 0;
    attributes[GenAi.USAGE_COST] = 0;
  } else if (cost?.priced) {
    const usd = nanosToUsd(cost.costNanos);
    attributes[Agentmeter.COST_USD] = usd;
    // Until the semconv has a cost key: the one Langfuse and OpenLIT read.
    attributes[GenAi.USAGE_COST] = usd;
    attributes[Agentmeter.COST_INPUT_USD] = nanosToUsd(cost.parts.input + cost.parts.request);
    attributes[Agentmeter.COST_OUTPUT_USD] = nanosToUsd(cost.parts.output);
    attributes[Agentmeter.COST_CACHE_READ_USD] = nanosToUsd(cost.parts.cacheRead);
    attributes[Agentmeter.COST_CACHE_WRITE_USD] = nanosToUsd(cost.parts.cacheWrite);
  }
  if (cost) attributes[Agentmeter.PRICE_VERSION] = cost.priceVersion;
  Object.assign(attributes, decisionAttributes(s.decisions));
  span.setAttributes(attributes);
  span.setStatus({ code: SpanStatusCode.OK });
  span.end();
}

/** Ends the span of a failed call (or of a call refused by a quota or budget before it was made). */
export function endCallError(span: Span, error: unknown, decisions?: Decisions): void {
  const { type, category } = describeError(error);
  span.setAttributes({
    [GenAi.ERROR_TYPE]: type,
    [Agentmeter.ERROR_CATEGORY]: category,
    ...decisionAttributes(decisions),
  });
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

function routingAttributes(r: RoutingAttributes | undefined): Attributes {
  if (!r) return {};
  const a: Attributes = {
    [Agentmeter.CATEGORY]: r.category,
    [Agentmeter.CATEGORY_SOURCE]: r.categorySource,
    [Agentmeter.STRATEGY]: r.strategy,
    [Agentmeter.ROLE]: r.role,
    [Agentmeter.ATTEMPT]: r.attempt,
    [Agentmeter.ESCALATED]: r.escalated,
  };
  if (r.escalatedFrom) a[Agentmeter.ESCALATED_FROM] = r.escalatedFrom;
  if (r.escalationReason) a[Agentmeter.ESCALATION_REASON] = r.escalationReason;
  return a;
}

function tenancyAttributes(t: Tenancy | undefined): Attributes {
  const a: Attributes = {};
  if (t?.project) a[Agentmeter.PROJECT] = t.project;
  if (t?.user) a[Agentmeter.USER] = t.user;
  if (t?.agent) a[Agentmeter.AGENT] = t.agent;
  if (t?.workflow) a[Agentmeter.WORKFLOW] = t.workflow;
  return a;
}

function decisionAttributes(d: Decisions | undefined): Attributes {
  const a: Attributes = {};
  if (d?.quota) a[Agentmeter.QUOTA_DECISION] = d.quota;
  if (d?.budget) a[Agentmeter.BUDGET_DECISION] = d.budget;
  if (d?.budgetId) a[Agentmeter.BUDGET_ID] = d.budgetId;
  if (d?.rateLimit) a[Agentmeter.RATE_LIMIT_DECISION] = d.rateLimit;
  return a;
}
