/**
 * The seams of the instrumentation package: what a provider client is, what a call returns, and
 * what the spend guards (quotas, budgets) answer. The router, the provider clients, the SDK
 * wrappers and the guards meet only through these types.
 */
import type { TokenUsage } from '@agentmeter/pricing';
import type { ErrorCategory, HttpErrorCategory } from '@agentmeter/conventions';

export type { TokenUsage };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

export interface ChatRequest {
  /** Model id as the provider names it. */
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /** Stream the response (usage is read from the final chunk/event). */
  stream?: boolean;
  signal?: AbortSignal;
}

export interface ChatResponse {
  text: string;
  /** The model that answered (`gen_ai.response.model`). */
  model: string;
  responseId?: string;
  /** Usage in GenAI semconv meaning: input includes cache reads/writes, output includes reasoning. */
  usage: TokenUsage;
  finishReasons: string[];
  /** Streaming only: ms from request to the first content chunk. */
  timeToFirstTokenMs?: number;
}

/** A client for one provider, named by its `gen_ai.provider.name` value (`openai`, `anthropic`, ...). */
export interface ProviderClient {
  readonly name: string;
  complete(request: ChatRequest): Promise<ChatResponse>;
}

/** Why a provider call failed, normalised (the `agentmeter.error.category` values plus two routing-relevant ones). */
/**
 * What a provider failure means to the router: an error category of the one taxonomy
 * (`@agentmeter/conventions`), or one of the two refusals it falls back on (spans record those
 * as `validation`).
 */
export type ProviderErrorKind =
  HttpErrorCategory | typeof ErrorCategory.NETWORK | 'context_window' | 'content_policy';

export class ProviderError extends Error {
  readonly code = 'PROVIDER_ERROR';
  constructor(
    message: string,
    readonly kind: ProviderErrorKind,
    readonly options: {
      provider: string;
      /** HTTP status, when a response arrived. */
      status?: number;
      /** From the provider's Retry-After (or retry-after-ms) header. */
      retryAfterMs?: number;
      /** The provider's own error type, for `error.type` (e.g. `rate_limit_error`, `429`). */
      errorType?: string;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
  }
}
