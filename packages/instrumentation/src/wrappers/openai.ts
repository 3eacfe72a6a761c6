/**
 * `instrumentOpenAI(client)`: every `client.chat.completions.create` call (and so the SDK's
 * `stream()`, `parse()` and `runTools()` helpers, which call it) gets one call span with tokens,
 * cost, TTFT for streams, and mapped errors. The client is patched in place and returned, so code
 * holding it needs no change. The `openai` SDK emits no spans of its own.
 */
import { providerFromBaseURL } from '../providers/hosts.js';
import { CompletionStreamReader, responseFromCompletion } from '../providers/openai-wire.js';
import { callStart, observeCall, type CallShape } from './call.js';
import { captureInputMessages } from './content.js';
import { settle, type InstrumentOptions, type WrapperSettings } from './options.js';

/** The request fields the span reads; the SDK gets the body untouched (but for stream usage). */
export interface OpenAIChatBody {
  model: string;
  messages: readonly unknown[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
}

/** The part of an `openai` client (v4 and later) this wraps; structural, so the SDK stays optional. */
export interface OpenAIClientLike {
  baseURL?: string;
  chat: { completions: { create(body: OpenAIChatBody, options?: unknown): unknown } };
}

export interface InstrumentOpenAIOptions extends InstrumentOptions {
  /**
   * A stream carries usage only when asked (`stream_options.include_usage`). When the caller did
   * not ask, ask anyway and withhold the extra usage chunk (and the `usage: null` it adds to the
   * others), so the caller reads what it would have read. Turn off for a host that refuses
   * `stream_options`; its streams then have no usage. Default true.
   */
  streamUsage?: boolean;
}

/** Resources already wrapped: wrapping twice would give each call two spans. */
const wrapped = new WeakSet<object>();

export function instrumentOpenAI<Client extends OpenAIClientLike>(
  client: Client,
  options: InstrumentOpenAIOptions = {},
): Client {
  const completions = client.chat.completions;
  if (wrapped.has(completions)) return client;
  wrapped.add(completions);
  const provider = options.provider ?? providerFromBaseURL(client.baseURL) ?? 'openai';
  const settings = settle(options, provider, client.baseURL);
  const streamUsage = options.streamUsage ?? true;
  const create = completions.create.bind(completions);

  function instrumentedCreate(body: OpenAIChatBody, requestOptions?: unknown): unknown {
    const askUsage =
      streamUsage && body.stream === true && body.stream_options?.include_usage !== true;
    const sent = askUsage
      ? { ...body, stream_options: { ...body.stream_options, include_usage: true } }
      : body;
    return observeCall(settings, shapeOf(settings, body, askUsage), () =>
      create(sent, requestOptions),
    );
  }
  completions.create = instrumentedCreate as typeof completions.create;
  return client;
}

function shapeOf(settings: WrapperSettings, body: OpenAIChatBody, askedUsage: boolean): CallShape {
  const stream = body.stream === true;
  return {
    start: callStart(settings, {
      model: body.model,
      stream,
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
      temperature: body.temperature ?? undefined,
      inputMessages: () => captureInputMessages(body.messages),
    }),
    readResponse: responseFromCompletion,
    streamReader: (startedAt, keepText) => new CompletionStreamReader(startedAt, keepText),
    present: askedUsage ? withholdUsage : undefined,
  };
}

/** For a stream whose usage only the wrapper asked for: the stream as the caller asked for it. */
function withholdUsage(item: unknown): boolean {
  const chunk = item as { choices?: unknown; usage?: unknown };
  if (chunk.usage === null) {
    delete chunk.usage;
    return true;
  }
  return !(chunk.usage && Array.isArray(chunk.choices) && chunk.choices.length === 0);
}
