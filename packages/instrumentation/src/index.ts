// The public surface, name by name: internals (span helpers, ledger plumbing) stay private.
export {
  ProviderError,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type ProviderClient,
  type ProviderErrorKind,
  type TokenUsage,
} from './types.js';
export type { Decisions, RoutingAttributes, Tenancy } from './telemetry/call-span.js';
export { loadRoutingConfig, parseRoutingConfig } from './config/load.js';
export { RoutingConfigError, type RoutingConfigErrorCode } from './config/errors.js';
export type { Problem as RoutingConfigProblem } from '@agentmeter/conventions';
export {
  RoutingConfigSchema,
  STRATEGIES,
  RETRYABLE_KINDS,
  type RoutingConfig,
  type RoutingConfigInput,
  type RoutingPolicy,
  type DetectionRule,
  type Strategy,
} from './config/schema.js';
export {
  RoutingClient,
  type RoutingClientOptions,
  type CompleteRequest,
  type CompleteResult,
} from './routing/routing-client.js';
export { RoutingError, type RoutingErrorCode } from './routing/errors.js';
export type { QuotaAction, QuotaActionFn, RouteStrategy } from './routing/guards.js';
export { systemClock, type Clock } from '@agentmeter/conventions';
export { ESCALATION_REASON } from './routing/policy-table.js';
export { ROUTE_SPAN_PREFIX, RouteEvent, RouteEventKey } from './routing/route-span.js';
export { ResponseCache, type ResponseCacheOptions, type CacheKeyInput } from './response-cache.js';
// The catalog the router prices with, so that the quick start needs one import.
export { loadPricing, type PriceCatalog, type PriceResult } from '@agentmeter/pricing';
export { openAIProvider, type OpenAIProviderOptions } from './providers/openai.js';
export { anthropicProvider, type AnthropicProviderOptions } from './providers/anthropic.js';
export { DEFAULT_TIMEOUT_MS, type HttpProviderClient } from './providers/http.js';
export {
  instrumentOpenAI,
  type InstrumentOpenAIOptions,
  type OpenAIClientLike,
  type OpenAIChatBody,
} from './wrappers/openai.js';
export {
  instrumentAnthropic,
  type AnthropicClientLike,
  type AnthropicMessageBody,
} from './wrappers/anthropic.js';
export type { InstrumentOptions } from './wrappers/options.js';
export { StreamAbandonedError } from './wrappers/call.js';
export { captureInputMessages, captureOutputMessages } from './wrappers/content.js';
export { redactSecrets, type SecretKind } from './redact.js';
export * from '@agentmeter/budgets';
