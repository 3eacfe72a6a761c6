/**
 * `instrumentAnthropic(client)`: every `client.messages.create` call, and `messages.stream()` /
 * `messages.parse()` (which call it), gets one call span with tokens (cache reads and both cache
 * write TTLs), cost, TTFT for streams, and mapped errors. The client is patched in place and
 * returned.
 *
 * One call, one span. The Anthropic SDK (≥ 1.x) emits its own GenAI span for each call whenever a
 * tracer provider is registered. Two spans with usage per call would double every token and cost
 * rollup, so a wrapped client's calls are made through a copy of it with the SDK's spans turned
 * off (`withOptions({ openTelemetry: { traces: { enabled: false } } })`, its public switch), and
 * our span is the only one. Chosen over enriching the SDK's span because:
 * - every call span, routed or wrapped, is then written by the one recorder (`call-span.ts`), with
 *   the same attributes and semantics (the SDK writes `gen_ai.usage.input_tokens` but its cache
 *   writes as `gen_ai.usage.cache_write.input_tokens`, and no cost);
 * - the SDK's span is reachable only through internals (`__span`, `_tracer`) and is ended by the
 *   SDK on its own schedule, so cost could not be added to it reliably;
 * - it works the same for SDK versions without tracing, where there is no span to enrich.
 * The rest of the client (`beta.messages`, `countTokens`, batches) is untouched and keeps the
 * SDK's spans: those are not wrapped calls, so nothing is counted twice.
 */
import { MessageStreamReader, responseFromMessage } from '../providers/anthropic-wire.js';
import { callStart, observeCall, type CallShape } from './call.js';
import { captureInputMessages } from './content.js';
import { settle, type InstrumentOptions, type WrapperSettings } from './options.js';

/** The request fields the span reads; the SDK gets the body untouched. */
export interface AnthropicMessageBody {
  model: string;
  messages: readonly unknown[];
  system?: unknown;
  stream?: boolean | null;
  max_tokens?: number;
  temperature?: number | null;
}

interface MessagesLike {
  create(body: AnthropicMessageBody, options?: unknown): unknown;
  stream?(body: AnthropicMessageBody, options?: unknown): unknown;
}

/** The part of an `@anthropic-ai/sdk` client this wraps; structural, so the SDK stays optional. */
export interface AnthropicClientLike {
  baseURL?: string;
  messages: MessagesLike;
  /** SDK ≥ 1.x: the client's settled `openTelemetry` option. */
  readonly openTelemetry?: { readonly traces: { readonly enabled: boolean } };
  withOptions?(options: { openTelemetry?: unknown }): { messages: MessagesLike };
}

/** Resources already wrapped: wrapping twice would give each call two spans. */
const wrapped = new WeakSet<object>();

export function instrumentAnthropic<Client extends AnthropicClientLike>(
  client: Client,
  options: InstrumentOptions = {},
): Client {
  const messages = client.messages;
  if (wrapped.has(messages)) return client;
  wrapped.add(messages);
  const settings = settle(options, options.provider ?? 'anthropic', client.baseURL);
  const target = withoutSdkSpans(client);
  const create = target.create.bind(target);

  function instrumentedCreate(body: AnthropicMessageBody, requestOptions?: unknown): unknown {
    return observeCall(settings, shapeOf(settings, body), () => create(body, requestOptions));
  }
  // On the copy too: its `stream()` helper calls its own `create`.
  target.create = instrumentedCreate;
  if (target !== messages) {
    messages.create = instrumentedCreate as typeof messages.create;
    // The original's `stream()` would start an SDK span; the copy's starts none.
    if (typeof target.stream === 'function') messages.stream = target.stream.bind(target);
  }
  return client;
}

/** The `messages` resource to make the calls with: the client's own, or an untraced copy's. */
function withoutSdkSpans(client: AnthropicClientLike): MessagesLike {
  const otel = client.openTelemetry;
  if (!otel?.traces.enabled || typeof client.withOptions !== 'function') return client.messages;
  return client.withOptions({
    openTelemetry: { ...otel, traces: { ...otel.traces, enabled: false } },
  }).messages;
}

function shapeOf(settings: WrapperSettings, body: AnthropicMessageBody): CallShape {
  const stream = body.stream === true;
  return {
    start: callStart(settings, {
      model: body.model,
      stream,
      maxTokens: body.max_tokens,
      temperature: body.temperature ?? undefined,
      inputMessages: () => captureInputMessages(body.messages, body.system),
    }),
    readResponse: responseFromMessage,
    streamReader: (startedAt, keepText) => new MessageStreamReader(startedAt, keepText),
  };
}
