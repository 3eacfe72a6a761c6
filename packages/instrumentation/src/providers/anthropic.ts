/** ProviderClient for the Anthropic Messages API over fetch (no SDK). */
import { ProviderError, type ChatRequest, type ChatResponse } from '../types.js';
import { streamError } from './errors.js';
import { DEFAULT_TIMEOUT_MS, postJSON, readJSON, type HttpProviderClient } from './http.js';
import { MessageStreamReader, responseFromMessage } from './anthropic-wire.js';
import { readServerSentEvents } from './sse.js';
import { incompleteStream, parseEventData, responseBody } from './stream-body.js';

export interface AnthropicProviderOptions {
  /** `gen_ai.provider.name`. Default `anthropic`. */
  name?: string;
  /** Without the version segment, as the `@anthropic-ai/sdk` takes it. Default `https://api.anthropic.com`. */
  baseURL?: string;
  apiKey?: string;
  fetch?: typeof fetch;
  /** Deadline for the whole call, stream included. Default 600,000 ms. */
  timeoutMs?: number;
  /** The API requires `max_tokens`; this is sent when the request has none. Default 4096. */
  defaultMaxTokens?: number;
  /** Default `2023-06-01`. */
  anthropicVersion?: string;
  headers?: Record<string, string>;
}

export function anthropicProvider(options: AnthropicProviderOptions = {}): HttpProviderClient {
  const name = options.name ?? 'anthropic';
  const baseURL = (options.baseURL ?? 'https://api.anthropic.com').replace(/\/+$/, '');
  const url = `${baseURL}/v1/messages`;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'anthropic-version': options.anthropicVersion ?? '2023-06-01',
    ...options.headers,
  };
  if (options.apiKey) headers['x-api-key'] = options.apiKey;

  async function complete(request: ChatRequest): Promise<ChatResponse> {
    const startedAt = performance.now();
    const body = messagesBody(name, request, options.defaultMaxTokens ?? 4096);
    return postJSON(
      { provider: name, url, headers, body, timeoutMs, fetch: fetchImpl, signal: request.signal },
      async (response) => {
        if (!request.stream) {
          return responseFromMessage(await readJSON(name, response), request.model);
        }
        const reader = new MessageStreamReader(startedAt);
        for await (const event of readServerSentEvents(responseBody(name, response))) {
          const data = parseEventData(name, event.data) as { type?: string } | null;
          if (data?.type === 'error') throw streamError(name, data);
          reader.push(data);
          if (data?.type === 'message_stop') break;
        }
        if (!reader.finished) throw incompleteStream(name);
        return reader.response(request.model);
      },
    );
  }

  return { name, baseURL, complete };
}

/** System messages become the `system` parameter; the API takes only user and assistant turns. */
function messagesBody(
  provider: string,
  request: ChatRequest,
  defaultMaxTokens: number,
): Record<string, unknown> {
  const system: string[] = [];
  const messages: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') system.push(message.content);
    else if (message.role === 'user' || message.role === 'assistant') {
      messages.push({ role: message.role, content: message.content });
    } else {
      // A tool result needs the id of the tool_use block it answers, which ChatMessage lacks.
      throw new ProviderError(`${provider}: "tool" messages are not supported`, 'validation', {
        provider,
        errorType: 'unsupported_message_role',
      });
    }
  }
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    messages,
  };
  if (system.length > 0) body['system'] = system.join('\n\n');
  if (request.temperature !== undefined) body['temperature'] = request.temperature;
  if (request.stream) body['stream'] = true;
  return body;
}
