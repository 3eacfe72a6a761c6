/**
 * One wrapped SDK call: its span (written by the call-span recorder, like every other call's),
 * the SDK's promise observed without being swapped for another kind of object, the stream watched
 * as the caller reads it, the price, and the end of the span exactly once.
 */
import { context, trace, type Span } from '@opentelemetry/api';
import type { PriceCatalog } from '@agentmeter/pricing';
import {
  endCallError,
  endCallSuccess,
  startCallSpan,
  type CallStart,
} from '../telemetry/call-span.js';
import type { ChatResponse } from '../types.js';
import { captureOutputMessages } from './content.js';
import { isAsyncIterable, observeStream } from './observe-stream.js';
import type { WrapperSettings } from './options.js';
import { providerErrorOf } from './sdk-errors.js';

/** How one SDK's call reads: its request (already turned into the span's start) and its response. */
export interface CallShape {
  readonly start: CallStart;
  /** The response of a call that did not stream. */
  readResponse(data: unknown, requestModel: string): ChatResponse;
  /** A reader that folds the stream's items; `startedAt` is a `performance.now()` reading. */
  streamReader(startedAt: number, keepText: boolean): StreamReader;
  /** Readies a stream item for the caller; false withholds it (an item the wrapper asked for and the caller did not). */
  present?(item: unknown): boolean;
}

export interface StreamReader {
  push(item: unknown): void;
  response(requestModel: string): ChatResponse;
}

/** The Stainless `APIPromise` both SDKs return: a Promise with helpers the SDKs' own code relies on. */
interface ApiPromise extends PromiseLike<unknown> {
  _thenUnwrap(transform: (data: unknown) => unknown): unknown;
  asResponse(): PromiseLike<unknown>;
}

function isApiPromise(value: unknown): value is ApiPromise {
  const v = value as Partial<ApiPromise> | null | undefined;
  return typeof v?._thenUnwrap === 'function' && typeof v.asResponse === 'function';
}

/**
 * Recorded on the span (never thrown to the caller) when the caller stops reading a stream before
 * its end: the provider's final usage never arrived, so there are no tokens or cost to record.
 */
export class StreamAbandonedError extends Error {
  constructor() {
    super('the caller closed the stream before it ended');
  }
}

/** What a wrapped call's span starts with: the request's fields and the client's settings. */
export function callStart(
  settings: WrapperSettings,
  request: {
    model: string;
    stream: boolean;
    maxTokens: number | undefined;
    temperature: number | undefined;
    /** Built only when capture is on (it redacts every text). */
    inputMessages: () => string;
  },
): CallStart {
  return {
    provider: settings.provider,
    requestModel: request.model,
    stream: request.stream,
    serverAddress: settings.serverAddress,
    category: settings.category,
    tenancy: settings.tenancy,
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    inputMessages: settings.captureContent ? request.inputMessages() : undefined,
  };
}

/**
 * Runs `invoke` (the SDK's own method) under the call's span and returns what the SDK returned,
 * observed: an `APIPromise` stays an `APIPromise` (the SDKs' `stream()`/`parse()` helpers call
 * `.withResponse()` and `._thenUnwrap()` on it), and a stream stays the SDK's stream object.
 */
export function observeCall(
  settings: WrapperSettings,
  shape: CallShape,
  invoke: () => unknown,
): unknown {
  const recorder = new CallRecorder(settings, shape);
  let result: unknown;
  try {
    // Active while the SDK sends, so HTTP client instrumentation nests under this span.
    result = context.with(trace.setSpan(context.active(), recorder.span), invoke);
  } catch (error) {
    recorder.fail(error);
    throw error;
  }
  const onData = (data: unknown): unknown => {
    recorder.receive(data);
    return data;
  };
  if (isApiPromise(result)) {
    // A failed request rejects the response promise: watched without parsing the body, so a
    // caller who reads the raw response with `.asResponse()` still gets it unread.
    result.asResponse().then(undefined, (error: unknown) => recorder.fail(error));
    // Lazy like the SDK's own: the body is parsed when the caller awaits, not before.
    return result._thenUnwrap(onData);
  }
  return Promise.resolve(result).then(onData, (error: unknown) => {
    recorder.fail(error);
    throw error;
  });
}

class CallRecorder {
  readonly span: Span;
  readonly startedAt = performance.now();
  /** The call's time, which selects the price in force. */
  readonly timestamp = Date.now();
  #ended = false;

  constructor(
    private readonly settings: WrapperSettings,
    private readonly shape: CallShape,
  ) {
    this.span = startCallSpan(settings.tracer, shape.start);
  }

  /** The SDK's parsed response: a complete answer, or a stream still to be read. */
  receive(data: unknown): void {
    // Telemetry never fails the call: a response it cannot read ends the span as failed.
    try {
      if (this.shape.start.stream && isAsyncIterable(data)) this.#watch(data);
      else this.succeed(this.shape.readResponse(data, this.shape.start.requestModel));
    } catch (error) {
      this.fail(error);
    }
  }

  #watch(stream: AsyncIterable<unknown>): void {
    const reader = this.shape.streamReader(this.startedAt, this.settings.captureContent);
    const requestModel = this.shape.start.requestModel;
    observeStream(stream, {
      onItem: (item) => {
        reader.push(item);
        return this.shape.present?.(item) ?? true;
      },
      onEnd: (end) => {
        if (end.reason === 'completed') this.succeed(reader.response(requestModel));
        else this.fail(end.reason === 'failed' ? end.error : new StreamAbandonedError());
      },
    });
  }

  succeed(response: ChatResponse): void {
    if (this.#ended) return;
    this.#ended = true;
    const { catalog } = this.settings;
    if (catalog.current) this.#end(response, catalog.current);
    else void catalog.ready.then((loaded) => this.#end(response, loaded));
  }

  #end(response: ChatResponse, catalog: PriceCatalog | undefined): void {
    try {
      endCallSuccess(this.span, {
        response,
        cost: catalog?.priceCall({
          provider: this.settings.provider,
          model: response.model,
          timestamp: this.timestamp,
          usage: response.usage,
        }),
        outputMessages: this.settings.captureContent
          ? captureOutputMessages(response.text, response.finishReasons)
          : undefined,
      });
    } catch {
      // A span processor that throws must not surface in the caller's promise chain.
    }
  }

  fail(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    try {
      endCallError(this.span, providerErrorOf(this.settings.provider, error));
    } catch {
      // As above: telemetry never fails the call.
    }
  }
}
