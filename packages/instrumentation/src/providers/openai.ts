/**
 * ProviderClient for OpenAI Chat Completions over fetch (no SDK), and for every host that speaks
 * the same API (DeepSeek, Groq, Together, xAI, Mistral, ...), each under its own
 * `gen_ai.provider.name` so that its calls are priced at its own prices.
 */
import type { ChatRequest, ChatResponse } from '../types.js';
import { streamError } from './errors.js';
import { defaultBaseURL } from './hosts.js';
import { DEFAULT_TIMEOUT_MS, postJSON, readJSON, type HttpProviderClient } from './http.js';
import { CompletionStreamReader, responseFromCompletion } from './openai-wire.js';
import { readServerSentEvents } from './sse.js';
import { incompleteStream, parseEventData, responseBody } from './stream-body.js';

export interface OpenAIProviderOptions {
  /** `gen_ai.provider.name`: `openai` (default), `deepseek`, `groq`, `together`, `x_ai`, ... */
  name?: string;
  /** Up to and including the version segment, as the `openai` SDK takes it (`https://api.openai.com/v1`). Defaults for known hosts. */
  baseURL?: string;
  apiKey?: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Deadline for the whole call, stream included. Default 600,000 ms. */
  timeoutMs?: number;
  /** Extra headers on every request (organisation, project, gateway keys). */
  headers?: Record<string, string>;
}

export function openAIProvider(options: OpenAIProviderOptions = {}): HttpProviderClient {
  const name = options.name ?? 'openai';
  const baseURL = (options.baseURL ?? defaultBaseURL(name))?.replace(/\/+$/, '');
  if (!baseURL)
    throw new TypeError(`openAIProvider: no baseURL given and none known for "${name}"`);
  const url = `${baseURL}/chat/completions`;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...options.headers,
  };
  if (options.apiKey) headers['authorization'] = `Bearer ${options.apiKey}`;
  // OpenAI's reasoning models refuse `max_tokens`; the compatible hosts mostly know only it.
  const maxTokensField = name === 'openai' ? 'max_completion_tokens' : 'max_tokens';

  async function complete(request: ChatRequest): Promise<ChatResponse> {
    const startedAt = performance.now();
    const body: Record<string, unknown> = { model: request.model, messages: request.messages };
    if (request.maxTokens !== undefined) body[maxTokensField] = request.maxTokens;
    if (request.temperature !== undefined) body['temperature'] = request.temperature;
    if (request.stream) {
      body['stream'] = true;
      // Without it a stream carries no usage at all.
      body['stream_options'] = { include_usage: true };
    }
    return postJSON(
      { provider: name, url, headers, body, timeoutMs, fetch: fetchImpl, signal: request.signal },
      async (response) => {
        if (!request.stream) {
          return responseFromCompletion(await readJSON(name, response), request.model);
        }
        const reader = new CompletionStreamReader(startedAt);
        let done = false;
        for await (const event of readServerSentEvents(responseBody(name, response))) {
          if (event.data === '[DONE]') {
            done = true;
            break;
          }
          const chunk = parseEventData(name, event.data) as { error?: unknown } | null;
          if (chunk?.error) throw streamError(name, chunk);
          reader.push(chunk);
        }
        // Some hosts omit `[DONE]`; a finish reason says the answer is whole all the same.
        if (!done && !reader.finished) throw incompleteStream(name);
        return reader.response(request.model);
      },
    );
  }

  return { name, baseURL, complete };
}
