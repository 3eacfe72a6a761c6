/**
 * Span attribute names: the public contract between instrumentation, ingester and users.
 * Code never spells an attribute string inline; it imports one of these constants.
 *
 * `GenAi` follows the OpenTelemetry GenAI semantic conventions (development status);
 * `Agentmeter` holds only what those conventions lack. `Deprecated` and `Foreign` list
 * spellings we read on ingest but never write.
 */

/** OpenTelemetry GenAI semantic conventions, current spellings. */
export const GenAi = {
  OPERATION_NAME: 'gen_ai.operation.name',
  PROVIDER_NAME: 'gen_ai.provider.name',
  REQUEST_MODEL: 'gen_ai.request.model',
  REQUEST_MAX_TOKENS: 'gen_ai.request.max_tokens',
  REQUEST_TEMPERATURE: 'gen_ai.request.temperature',
  REQUEST_STREAM: 'gen_ai.request.stream',
  RESPONSE_MODEL: 'gen_ai.response.model',
  RESPONSE_ID: 'gen_ai.response.id',
  RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  RESPONSE_TIME_TO_FIRST_CHUNK: 'gen_ai.response.time_to_first_chunk',
  USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read.input_tokens',
  USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_creation.input_tokens',
  USAGE_REASONING_OUTPUT_TOKENS: 'gen_ai.usage.reasoning.output_tokens',
  /** Not (yet) semconv: the cost key Langfuse and OpenLIT read (semconv PR #443 is open). */
  USAGE_COST: 'gen_ai.usage.cost',
  CONVERSATION_ID: 'gen_ai.conversation.id',
  /** Prompt and response content: only when capture is enabled, and always redacted. */
  INPUT_MESSAGES: 'gen_ai.input.messages',
  OUTPUT_MESSAGES: 'gen_ai.output.messages',
  AGENT_NAME: 'gen_ai.agent.name',
  AGENT_ID: 'gen_ai.agent.id',
  ERROR_TYPE: 'error.type',
  SERVER_ADDRESS: 'server.address',
} as const;

/** agentmeter's own attributes: routing, decisions, cost, tenancy. */
export const Agentmeter = {
  CATEGORY: 'agentmeter.category',
  /** `explicit` | `detected` */
  CATEGORY_SOURCE: 'agentmeter.category.source',
  /** `best_first` | `progressive` | `cheap_first` | `complexity` */
  STRATEGY: 'agentmeter.routing.strategy',
  ROLE: 'agentmeter.routing.role',
  ATTEMPT: 'agentmeter.routing.attempt',
  ESCALATED: 'agentmeter.routing.escalated',
  ESCALATED_FROM: 'agentmeter.routing.escalated_from',
  ESCALATION_REASON: 'agentmeter.routing.escalation_reason',
  /** Normalised error class: rate_limit, timeout, network, auth, not_found, validation, server, quota, budget. */
  ERROR_CATEGORY: 'agentmeter.error.category',
  /** `allowed` | `blocked` | `fallback` | `downgraded` */
  QUOTA_DECISION: 'agentmeter.quota.decision',
  /** `allowed` | `alerted` | `blocked` | `downgraded` */
  BUDGET_DECISION: 'agentmeter.budget.decision',
  BUDGET_ID: 'agentmeter.budget.id',
  /** `allowed` | `delayed` | `rejected` */
  RATE_LIMIT_DECISION: 'agentmeter.rate_limit.decision',
  COST_USD: 'agentmeter.cost.usd',
  COST_INPUT_USD: 'agentmeter.cost.input_usd',
  COST_OUTPUT_USD: 'agentmeter.cost.output_usd',
  COST_CACHE_READ_USD: 'agentmeter.cost.cache_read_usd',
  COST_CACHE_WRITE_USD: 'agentmeter.cost.cache_write_usd',
  PRICE_VERSION: 'agentmeter.cost.price_version',
  RESPONSE_CACHE_HIT: 'agentmeter.response_cache.hit',
  RESPONSE_CACHE_SAVED_USD: 'agentmeter.response_cache.saved_usd',
  TIME_TO_FIRST_TOKEN_MS: 'agentmeter.time_to_first_token_ms',
  PROJECT: 'agentmeter.project',
  USER: 'agentmeter.user',
  AGENT: 'agentmeter.agent',
  WORKFLOW: 'agentmeter.workflow',
} as const;

/** Spellings of older GenAI semconv releases, read on ingest. */
export const Deprecated = {
  SYSTEM: 'gen_ai.system',
  USAGE_PROMPT_TOKENS: 'gen_ai.usage.prompt_tokens',
  USAGE_COMPLETION_TOKENS: 'gen_ai.usage.completion_tokens',
  /** Underscore spellings used before semconv v1.40 (OpenLLMetry and others). */
  USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read_input_tokens',
  USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_creation_input_tokens',
} as const;

/** Attributes other emitters write that carry what we store. */
export const Foreign = {
  /** Anthropic TypeScript SDK's native spans. */
  ANTHROPIC_CACHE_WRITE_INPUT_TOKENS: 'gen_ai.usage.cache_write.input_tokens',
  ANTHROPIC_CACHE_WRITE_5M: 'anthropic.usage.cache_creation.ephemeral_5m_input_tokens',
  ANTHROPIC_CACHE_WRITE_1H: 'anthropic.usage.cache_creation.ephemeral_1h_input_tokens',
  /** OpenLIT. */
  OPENLIT_REASONING_TOKENS: 'gen_ai.usage.reasoning_tokens',
  OPENLIT_CACHE_READ: 'gen_ai.usage.prompt_tokens_details.cache_read',
  OPENLIT_CACHE_WRITE: 'gen_ai.usage.prompt_tokens_details.cache_write',
  OPENLIT_APPLICATION_NAME: 'gen_ai.application_name',
  OPENLIT_ENVIRONMENT: 'gen_ai.environment',
  OPENLIT_REQUEST_USER: 'gen_ai.request.user',
  OPENLIT_IS_STREAM: 'gen_ai.request.is_stream',
  OPENLIT_TTFT: 'gen_ai.server.time_to_first_token',
  /** OpenLLMetry (Traceloop). */
  LLM_REQUEST_TYPE: 'llm.request.type',
  LLM_USAGE_TOTAL_TOKENS: 'llm.usage.total_tokens',
  TRACELOOP_WORKFLOW_NAME: 'traceloop.workflow.name',
  TRACELOOP_SPAN_KIND: 'traceloop.span.kind',
  /** LiteLLM's OTel callback. */
  LITELLM_TOTAL_COST: 'gen_ai.cost.total_cost',
  /** Generic OTel identity attributes. */
  USER_ID: 'user.id',
  SESSION_ID: 'session.id',
} as const;

/**
 * The Vercel AI SDK's telemetry (`experimental_telemetry`), read on ingest. Its LLM call spans
 * (`ai.*.doGenerate`, `ai.*.doStream`, `ai.*.doEmbed`) also carry `gen_ai.*`; the outer
 * `ai.generateText`-style spans carry only `ai.*` totals and are not calls.
 */
export const AiSdk = {
  OPERATION_ID: 'ai.operationId',
  /** `<provider>.<api>`, e.g. `openai.chat`, `anthropic.messages`, `google.vertex.chat`. */
  MODEL_PROVIDER: 'ai.model.provider',
  MODEL_ID: 'ai.model.id',
  RESPONSE_MODEL: 'ai.response.model',
  RESPONSE_FINISH_REASON: 'ai.response.finishReason',
  RESPONSE_MS_TO_FIRST_CHUNK: 'ai.response.msToFirstChunk',
  /** v5+: input tokens; v6 includes cache reads and writes in it for every provider. */
  USAGE_INPUT_TOKENS: 'ai.usage.inputTokens',
  USAGE_OUTPUT_TOKENS: 'ai.usage.outputTokens',
  /** v4 spellings. */
  USAGE_PROMPT_TOKENS: 'ai.usage.promptTokens',
  USAGE_COMPLETION_TOKENS: 'ai.usage.completionTokens',
  /** Embedding calls. */
  USAGE_TOKENS: 'ai.usage.tokens',
  /** v5+: cache reads (v5's Anthropic provider leaves them out of `inputTokens`). */
  USAGE_CACHED_INPUT_TOKENS: 'ai.usage.cachedInputTokens',
  /** v6: the parts of `inputTokens`. */
  USAGE_INPUT_NO_CACHE_TOKENS: 'ai.usage.inputTokenDetails.noCacheTokens',
  USAGE_INPUT_CACHE_READ_TOKENS: 'ai.usage.inputTokenDetails.cacheReadTokens',
  USAGE_INPUT_CACHE_WRITE_TOKENS: 'ai.usage.inputTokenDetails.cacheWriteTokens',
  USAGE_REASONING_TOKENS: 'ai.usage.reasoningTokens',
  USAGE_OUTPUT_REASONING_TOKENS: 'ai.usage.outputTokenDetails.reasoningTokens',
  TELEMETRY_FUNCTION_ID: 'ai.telemetry.functionId',
  TELEMETRY_USER_ID: 'ai.telemetry.metadata.userId',
  TELEMETRY_SESSION_ID: 'ai.telemetry.metadata.sessionId',
} as const;

/**
 * OpenInference (Arize Phoenix; its OpenAI, Anthropic, LangChain, LlamaIndex, Bedrock, Mastra
 * … instrumentations), read on ingest. `llm.token_count.prompt` includes the cache details.
 */
export const OpenInference = {
  /** `LLM`, `EMBEDDING`, `CHAIN`, `AGENT`, `TOOL`, `RETRIEVER`, …: only the first two are calls. */
  SPAN_KIND: 'openinference.span.kind',
  MODEL_NAME: 'llm.model_name',
  EMBEDDING_MODEL_NAME: 'embedding.model_name',
  /** The host (`openai`, `azure`, `aws`, `google`, …). */
  PROVIDER: 'llm.provider',
  /** The model family (`openai`, `anthropic`, `vertexai`, …). */
  SYSTEM: 'llm.system',
  /** JSON of the request parameters: `model`, `stream`. */
  INVOCATION_PARAMETERS: 'llm.invocation_parameters',
  FINISH_REASON: 'llm.finish_reason',
  TOKEN_COUNT_PROMPT: 'llm.token_count.prompt',
  TOKEN_COUNT_COMPLETION: 'llm.token_count.completion',
  TOKEN_COUNT_CACHE_READ: 'llm.token_count.prompt_details.cache_read',
  TOKEN_COUNT_CACHE_WRITE: 'llm.token_count.prompt_details.cache_write',
  TOKEN_COUNT_REASONING: 'llm.token_count.completion_details.reasoning',
  COST_TOTAL: 'llm.cost.total',
} as const;

/**
 * The other major emitters' keys we read (docs/ingest.md lists each with its source): LangChain's
 * own OTel export (LangSmith), Mastra, Semantic Kernel, Spring AI, Pydantic Logfire / pydantic-ai
 * (costs from genai-prices) and LiteLLM's OTel callback.
 */
export const Emitters = {
  /** LangSmith: `llm`, `embedding` are calls; `chain`, `tool`, `retriever`, … are not. */
  LANGSMITH_SPAN_KIND: 'langsmith.span.kind',
  LANGSMITH_PROVIDER: 'langsmith.metadata.ls_provider',
  /** `{cache_read, cache_creation}` as JSON (JS) or a Python dict repr (Python). */
  LANGSMITH_INPUT_TOKEN_DETAILS: 'gen_ai.usage.input_token_details',
  LANGSMITH_OUTPUT_TOKEN_DETAILS: 'gen_ai.usage.output_token_details',
  LANGSMITH_STREAMING: 'langsmith.request.streaming',
  LANGSMITH_USER_ID: 'langsmith.metadata.user_id',
  LANGSMITH_SESSION_ID: 'langsmith.metadata.session_id',
  LANGSMITH_THREAD_ID: 'langsmith.metadata.thread_id',
  /** Mastra: `model_generation` (v1), `llm_generation` (0.x), `model_inference` are calls. */
  MASTRA_SPAN_TYPE: 'mastra.span.type',
  MASTRA_CACHED_INPUT_TOKENS: 'gen_ai.usage.cached_input_tokens',
  MASTRA_CACHE_WRITE_5M: 'gen_ai.usage.cache_creation.5m_input_tokens',
  MASTRA_CACHE_WRITE_1H: 'gen_ai.usage.cache_creation.1h_input_tokens',
  /** ISO time of the first token. */
  MASTRA_COMPLETION_START_TIME: 'mastra.completion_start_time',
  /** Semantic Kernel's singular spelling. */
  SK_FINISH_REASON: 'gen_ai.response.finish_reason',
  /** Logfire and pydantic-ai: USD from genai-prices. */
  OPERATION_COST: 'operation.cost',
  /** Logfire: the provider's own usage object, as JSON. */
  LOGFIRE_USAGE_RAW: 'gen_ai.usage.raw',
  PYDANTIC_AI_REASONING_TOKENS: 'gen_ai.usage.details.reasoning_tokens',
  /** pydantic-ai, seconds. */
  PYDANTIC_AI_TIME_TO_FIRST_CHUNK: 'gen_ai.client.operation.time_to_first_chunk',
  /** LiteLLM: `"True"` / `"False"`. */
  LITELLM_IS_STREAMING: 'llm.is_streaming',
  LITELLM_USER: 'llm.user',
  LITELLM_END_USER_ID: 'metadata.user_api_key_end_user_id',
  LITELLM_USER_ID: 'metadata.user_api_key_user_id',
  LITELLM_TEAM_ALIAS: 'metadata.user_api_key_team_alias',
  LITELLM_TEAM_ID: 'metadata.user_api_key_team_id',
} as const;

/**
 * Emitters' span-kind keys: the values that are LLM calls, with the operation each is. A span
 * with another value (an agent, chain, tool or retriever span) is not a call, even when it
 * repeats its calls' token totals.
 */
export const CALL_SPAN_KINDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  [OpenInference.SPAN_KIND]: { LLM: 'chat', EMBEDDING: 'embeddings' },
  [Emitters.LANGSMITH_SPAN_KIND]: { llm: 'chat', embedding: 'embeddings' },
  [Emitters.MASTRA_SPAN_TYPE]: {
    model_generation: 'chat',
    llm_generation: 'chat',
    model_inference: 'chat',
  },
};

/**
 * `gen_ai.operation.name` values of spans that are not one model call: an agent or tool span
 * may carry its calls' token totals (semconv allows it on `invoke_agent`), and Spring AI's
 * ChatClient spans are `framework`.
 */
export const NON_CALL_OPERATIONS: ReadonlySet<string> = new Set([
  'invoke_agent',
  'create_agent',
  'execute_tool',
  'invoke_workflow',
  'framework',
]);

/** `gen_ai.system` values that name a framework, not a provider (LangSmith's default, Spring AI). */
export const FRAMEWORK_SYSTEMS: ReadonlySet<string> = new Set(['langchain', 'spring_ai']);

/** Resource attributes (OTel resource semconv) we promote to columns. */
export const Resource = {
  SERVICE_NAME: 'service.name',
  SERVICE_VERSION: 'service.version',
  DEPLOYMENT_ENVIRONMENT: 'deployment.environment',
  DEPLOYMENT_ENVIRONMENT_NAME: 'deployment.environment.name',
} as const;

/** Attribute-name prefixes that mark a span as an LLM span. */
export const LLM_SPAN_PREFIXES = ['gen_ai.', 'agentmeter.', 'llm.'] as const;

/** Values of `agentmeter.category.source`. */
export const CategorySource = { EXPLICIT: 'explicit', DETECTED: 'detected' } as const;

/** Values of the `cost_source` column. */
export const CostSource = { SPAN: 'span', CATALOG: 'catalog', UNPRICED: 'unpriced' } as const;
export type CostSourceValue = (typeof CostSource)[keyof typeof CostSource];

/**
 * Values of the `unpriced_reason` column: why a span is `unpriced` (empty when it is not). The
 * first three are decided at ingest, the rest by the price catalog.
 */
export const UnpricedReasons = {
  /** An LLM call without a request or response model. */
  NO_MODEL: 'no_model',
  /** An LLM call that reported no tokens and is not known to be free. */
  NO_USAGE: 'no_usage',
  /** The ingester runs without a price catalog. */
  NO_CATALOG: 'no_catalog',
  /** Neither the catalog nor the overrides list the model for that provider. */
  UNKNOWN_MODEL: 'unknown_model',
  /** Unknown provider, and the providers listing the model disagree on its price. */
  AMBIGUOUS_MODEL: 'ambiguous_model',
  /** The model is only priced by overrides not yet in force at the call's time. */
  NO_PRICE_AT_TIME: 'no_price_at_time',
  /** The model has no rate for a kind of token the call reported (e.g. audio). */
  NO_PRICE_FOR_USAGE: 'no_price_for_usage',
  /** The usage or timestamp is malformed (parts exceeding totals). */
  INVALID_USAGE: 'invalid_usage',
  /** The catalog entry could not be compiled. */
  CATALOG_ERROR: 'catalog_error',
} as const;
export type UnpricedReasonValue = (typeof UnpricedReasons)[keyof typeof UnpricedReasons];

/** Values of `agentmeter.quota.decision` (the rollups count `blocked` and `downgraded`). */
export const QuotaDecisions = {
  ALLOWED: 'allowed',
  FALLBACK: 'fallback',
  DOWNGRADED: 'downgraded',
  BLOCKED: 'blocked',
} as const;
export type QuotaDecisionValue = (typeof QuotaDecisions)[keyof typeof QuotaDecisions];

/** Values of `agentmeter.budget.decision` (the rollups count `blocked` and `downgraded`). */
export const BudgetDecisions = {
  ALLOWED: 'allowed',
  ALERTED: 'alerted',
  DOWNGRADED: 'downgraded',
  BLOCKED: 'blocked',
} as const;
export type BudgetDecisionValue = (typeof BudgetDecisions)[keyof typeof BudgetDecisions];

/** Values of `agentmeter.rate_limit.decision`. */
export const RateLimitDecisions = {
  ALLOWED: 'allowed',
  DELAYED: 'delayed',
  REJECTED: 'rejected',
} as const;
export type RateLimitDecisionValue = (typeof RateLimitDecisions)[keyof typeof RateLimitDecisions];

/** Budget `action` in the routing config (seed 003): what a budget does past its limit. */
export const BudgetActions = {
  ALERT_ONLY: 'alert_only',
  BLOCK: 'block',
  DOWNGRADE: 'downgrade',
} as const;
export type BudgetActionValue = (typeof BudgetActions)[keyof typeof BudgetActions];

/** `quota_enforcement.on_quota_exhaustion` in the routing config (seed 000). */
export const QuotaExhaustionActions = {
  RAISE_INCIDENT: 'raise_incident',
  REQUIRE_OVERRIDE: 'require_override',
  DOWNGRADE: 'downgrade',
} as const;
export type QuotaExhaustionActionValue =
  (typeof QuotaExhaustionActions)[keyof typeof QuotaExhaustionActions];

/** What a spend guard answers before a call (a budget's verdict). */
export const GuardActions = {
  ALLOW: 'allow',
  ALERT: 'alert',
  BLOCK: 'block',
  DOWNGRADE: 'downgrade',
} as const;
export type GuardActionValue = (typeof GuardActions)[keyof typeof GuardActions];

/** What `quota_enforcement` decides for a call on an exhausted (or not) provider quota. */
export const QuotaActions = {
  ALLOW: 'allow',
  BLOCK: 'block',
  FALLBACK: 'fallback',
  DOWNGRADE: 'downgrade',
} as const;
export type QuotaActionValue = (typeof QuotaActions)[keyof typeof QuotaActions];

/** Normalised error categories (`agentmeter.error.category`). */
export const ErrorCategory = {
  RATE_LIMIT: 'rate_limit',
  TIMEOUT: 'timeout',
  NETWORK: 'network',
  AUTH: 'auth',
  NOT_FOUND: 'not_found',
  VALIDATION: 'validation',
  SERVER: 'server',
  QUOTA: 'quota',
  BUDGET: 'budget',
  OTHER: 'other',
} as const;
