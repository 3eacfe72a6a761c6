/**
 * Anthropic Messages bodies → ChatResponse: the JSON of a message, or the events of a stream as
 * they arrive. Shared by the HTTP client and the SDK wrapper.
 */
import { fromAnthropicUsage, type AnthropicUsage } from '@agentmeter/pricing';
import type { ChatResponse } from '../types.js';
import { mergeAnthropicUsage } from './usage.js';

interface MessageWire {
  id?: string;
  model?: string;
  content?: { type?: string; text?: string }[];
  stop_reason?: string | null;
  usage?: AnthropicUsage | null;
}

interface EventWire {
  type?: string;
  message?: MessageWire;
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  usage?: AnthropicUsage | null;
}

const NO_USAGE = { inputTokens: 0, outputTokens: 0 };

export function responseFromMessage(body: unknown, requestModel: string): ChatResponse {
  const message = (body ?? {}) as MessageWire;
  const blocks = Array.isArray(message.content) ? message.content : [];
  const response: ChatResponse = {
    text: blocks.map((b) => (b.type === 'text' && b.text ? b.text : '')).join(''),
    model: message.model || requestModel,
    usage: message.usage ? fromAnthropicUsage(message.usage) : NO_USAGE,
    finishReasons: message.stop_reason ? [message.stop_reason] : [],
  };
  if (message.id) response.responseId = message.id;
  return response;
}

/** Folds a stream's events into a ChatResponse; usage is `message_start`'s merged with `message_delta`'s. */
export class MessageStreamReader {
  #text = '';
  #model = '';
  #id = '';
  #usage: AnthropicUsage | undefined;
  #stopReason: string | undefined;
  #ttftMs: number | undefined;

  /** `startedAt` is a `performance.now()` reading from before the request was sent. */
  constructor(
    private readonly startedAt: number,
    private readonly keepText = true,
  ) {}

  push(value: unknown): void {
    const event = (value ?? {}) as EventWire;
    switch (event.type) {
      case 'message_start':
        if (event.message?.model) this.#model = event.message.model;
        if (event.message?.id) this.#id = event.message.id;
        if (event.message?.usage) this.#usage = event.message.usage;
        break;
      case 'content_block_delta':
        // Any delta counts as the first token: text, thinking or a tool call's JSON.
        this.#ttftMs ??= performance.now() - this.startedAt;
        if (this.keepText && event.delta?.type === 'text_delta' && event.delta.text) {
          this.#text += event.delta.text;
        }
        break;
      case 'message_delta':
        if (event.delta?.stop_reason) this.#stopReason = event.delta.stop_reason;
        if (event.usage) {
          this.#usage = this.#usage ? mergeAnthropicUsage(this.#usage, event.usage) : event.usage;
        }
        break;
    }
  }

  /** `message_delta` brought the stop reason: the answer is complete. */
  get finished(): boolean {
    return this.#stopReason !== undefined;
  }

  response(requestModel: string): ChatResponse {
    const response: ChatResponse = {
      text: this.#text,
      model: this.#model || requestModel,
      usage: this.#usage ? fromAnthropicUsage(this.#usage) : NO_USAGE,
      finishReasons: this.#stopReason ? [this.#stopReason] : [],
    };
    if (this.#id) response.responseId = this.#id;
    if (this.#ttftMs !== undefined) response.timeToFirstTokenMs = this.#ttftMs;
    return response;
  }
}
