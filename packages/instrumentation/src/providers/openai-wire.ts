/**
 * OpenAI Chat Completions bodies → ChatResponse: the JSON of a completion, or the chunks of a
 * stream as they arrive. Shared by the HTTP client (which parses the SSE itself) and the SDK
 * wrapper (which sees the SDK's parsed chunks), so both read usage and TTFT the same way.
 */
import type { ChatResponse } from '../types.js';
import { usageFromOpenAI, type OpenAIWireUsage } from './usage.js';

interface CompletionWire {
  id?: string;
  model?: string;
  choices?: { message?: { content?: string | null } | null; finish_reason?: string | null }[];
  usage?: OpenAIWireUsage | null;
}

interface ChunkDelta {
  content?: string | null;
  refusal?: string | null;
  tool_calls?: unknown;
  /** DeepSeek's and several hosts' reasoning text. */
  reasoning_content?: string | null;
  reasoning?: string | null;
}

interface ChunkWire {
  id?: string;
  model?: string;
  choices?: { index?: number; delta?: ChunkDelta | null; finish_reason?: string | null }[];
  usage?: OpenAIWireUsage | null;
}

const NO_USAGE = { inputTokens: 0, outputTokens: 0 };

function choicesOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

export function responseFromCompletion(body: unknown, requestModel: string): ChatResponse {
  const completion = (body ?? {}) as CompletionWire;
  const choices = choicesOf(completion.choices);
  const response: ChatResponse = {
    text: choices[0]?.message?.content ?? '',
    model: completion.model || requestModel,
    usage: completion.usage ? usageFromOpenAI(completion.usage) : NO_USAGE,
    finishReasons: choices.flatMap((c) => (c.finish_reason ? [c.finish_reason] : [])),
  };
  if (completion.id) response.responseId = completion.id;
  return response;
}

function carriesContent(delta: ChunkDelta | null | undefined): boolean {
  return !!(
    delta &&
    (delta.content ||
      delta.refusal ||
      delta.reasoning_content ||
      delta.reasoning ||
      (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0))
  );
}

/** Folds a stream's chunks into a ChatResponse; usage comes from the `include_usage` chunk. */
export class CompletionStreamReader {
  #text = '';
  #model = '';
  #id = '';
  #usage: OpenAIWireUsage | undefined;
  #finish = new Map<number, string>();
  #ttftMs: number | undefined;

  /** `startedAt` is a `performance.now()` reading from before the request was sent. */
  constructor(
    private readonly startedAt: number,
    private readonly keepText = true,
  ) {}

  push(value: unknown): void {
    const chunk = (value ?? {}) as ChunkWire;
    if (chunk.model) this.#model = chunk.model;
    if (chunk.id) this.#id = chunk.id;
    if (chunk.usage) this.#usage = chunk.usage;
    for (const choice of choicesOf(chunk.choices)) {
      if (this.#ttftMs === undefined && carriesContent(choice.delta)) {
        this.#ttftMs = performance.now() - this.startedAt;
      }
      const index = choice.index ?? 0;
      if (this.keepText && index === 0 && choice.delta?.content) this.#text += choice.delta.content;
      if (choice.finish_reason) this.#finish.set(index, choice.finish_reason);
    }
  }

  /** A finish reason arrived: the answer is complete even if the stream's end marker is not. */
  get finished(): boolean {
    return this.#finish.size > 0;
  }

  response(requestModel: string): ChatResponse {
    const response: ChatResponse = {
      text: this.#text,
      model: this.#model || requestModel,
      usage: this.#usage ? usageFromOpenAI(this.#usage) : NO_USAGE,
      finishReasons: [...this.#finish.entries()].sort(([a], [b]) => a - b).map(([, r]) => r),
    };
    if (this.#id) response.responseId = this.#id;
    if (this.#ttftMs !== undefined) response.timeToFirstTokenMs = this.#ttftMs;
    return response;
  }
}
