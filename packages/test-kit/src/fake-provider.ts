/**
 * A fake LLM provider: a real HTTP server on 127.0.0.1 speaking OpenAI Chat Completions
 * (`POST /v1/chat/completions`) and Anthropic Messages (`POST /v1/messages`), JSON and SSE, with
 * the providers' own usage conventions and error bodies. Each test scripts it: a queue of steps
 * (a reply, an error, a hang, a reset connection), global or per model, else the default reply.
 *
 * Used by the provider, wrapper and router tests and by `bench/instrumentation`: with no delays
 * configured a reply is one write, so the server costs little beside the code under measure.
 *
 *   const fake = await startFakeProvider();
 *   fake.enqueue(fakeErrors.rateLimited({ retryAfterSeconds: 2 }), { kind: 'reply', text: 'ok' });
 *   openAIProvider({ baseURL: fake.openaiBaseURL, apiKey: 'k' });
 *   new Anthropic({ baseURL: fake.anthropicBaseURL, apiKey: 'k' });
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type Dialect = 'openai' | 'anthropic';

/** Raw usage objects, exactly as the provider would send them (its convention, not semconv). */
export type WireUsage = Record<string, unknown>;

interface Delays {
  /** Before the response head. */
  latencyMs?: number;
}

export interface ReplyStep extends Delays {
  kind: 'reply';
  /** Default `Hello from the fake provider.` */
  text?: string;
  /** How a stream splits the text; default one chunk per word. */
  chunks?: string[];
  /** Default: the request's model. */
  model?: string;
  /** Default `stop` (OpenAI) / `end_turn` (Anthropic). */
  finishReason?: string;
  /** OpenAI `usage`; default `{ prompt_tokens: 10, completion_tokens: <chunks>, total_tokens }`. */
  openaiUsage?: WireUsage;
  /** Anthropic `usage` (message_start's in a stream); default `{ input_tokens: 10, output_tokens: <chunks> }`. */
  anthropicUsage?: WireUsage;
  /** Stream: what `message_delta.usage` repeats beside the final `output_tokens` (newer API versions). */
  anthropicDeltaUsage?: WireUsage;
  /** Stream: after the head, before the first content chunk. */
  ttftMs?: number;
  /** Stream: between content chunks. */
  chunkDelayMs?: number;
  /** Stream: destroy the connection after this many content chunks. */
  resetAfterChunks?: number;
  /** Stream: end the response cleanly after this many content chunks, without the closing events. */
  endAfterChunks?: number;
  /** Stream: send this provider error as an event after `afterChunks` content chunks. */
  streamError?: { afterChunks: number; error: ErrorStep };
}

export interface ErrorStep extends Delays {
  kind: 'error';
  status: number;
  headers?: Record<string, string>;
  /** Body `{ error: { message, type, param: null, code } }`. */
  openai?: { type: string; code?: string | null; message: string };
  /** Body `{ type: 'error', error: { type, message } }`. */
  anthropic?: { type: string; message: string };
}

/** Accept the request and never answer (until the client gives up or the server closes). */
export interface HangStep {
  kind: 'hang';
}

/** Destroy the connection without an answer. */
export interface ResetStep extends Delays {
  kind: 'reset';
}

export type FakeStep = ReplyStep | ErrorStep | HangStep | ResetStep;

export interface RecordedRequest {
  dialect: Dialect;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface FakeProviderOptions {
  /** Keep every request in `requests` (default true; a benchmark turns it off). */
  recordRequests?: boolean;
  /** When set, requests without this key (Bearer or `x-api-key`) get the provider's 401. */
  apiKey?: string;
  /** What an empty queue answers; default a reply. */
  defaultStep?: FakeStep;
}

export interface FakeProvider {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `url + '/v1'`: the `openai` SDK's and openAIProvider's `baseURL`. */
  readonly openaiBaseURL: string;
  /** `url`: the `@anthropic-ai/sdk`'s and anthropicProvider's `baseURL`. */
  readonly anthropicBaseURL: string;
  readonly requests: RecordedRequest[];
  /** Steps for the next requests, whatever their model. */
  enqueue(...steps: FakeStep[]): void;
  /** Steps for the next requests for `model`; they go before the shared queue. */
  enqueueFor(model: string, ...steps: FakeStep[]): void;
  setDefault(step: FakeStep): void;
  /** Empties the queues and the recorded requests and restores the default reply. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_REPLY: ReplyStep = { kind: 'reply' };

/** Error steps as each provider sends them. */
export const fakeErrors = {
  rateLimited(wait: { retryAfterSeconds?: number; retryAfterMs?: number } = {}): ErrorStep {
    const headers: Record<string, string> = {};
    if (wait.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(wait.retryAfterSeconds);
    if (wait.retryAfterMs !== undefined) headers['retry-after-ms'] = String(wait.retryAfterMs);
    return {
      kind: 'error',
      status: 429,
      headers,
      openai: {
        type: 'requests',
        code: 'rate_limit_exceeded',
        message: 'Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1.',
      },
      anthropic: {
        type: 'rate_limit_error',
        message: 'Number of request tokens has exceeded your per-minute rate limit',
      },
    };
  },
  server(): ErrorStep {
    return {
      kind: 'error',
      status: 500,
      openai: {
        type: 'server_error',
        code: null,
        message: 'The server had an error while processing your request.',
      },
      anthropic: { type: 'api_error', message: 'Internal server error' },
    };
  },
  /** Anthropic's 529 `overloaded_error` (served on both routes; OpenAI itself answers 503). */
  overloaded(): ErrorStep {
    return {
      kind: 'error',
      status: 529,
      openai: { type: 'server_error', code: null, message: 'The engine is currently overloaded.' },
      anthropic: { type: 'overloaded_error', message: 'Overloaded' },
    };
  },
  contextWindow(): ErrorStep {
    return {
      kind: 'error',
      status: 400,
      openai: {
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.",
      },
      anthropic: {
        type: 'invalid_request_error',
        message: 'prompt is too long: 210384 tokens > 200000 maximum',
      },
    };
  },
  contentPolicy(): ErrorStep {
    return {
      kind: 'error',
      status: 400,
      openai: {
        type: 'invalid_request_error',
        code: 'content_policy_violation',
        message: 'Your request was rejected as a result of our safety system.',
      },
      anthropic: {
        type: 'invalid_request_error',
        message: 'Output blocked by content filtering policy',
      },
    };
  },
  auth(): ErrorStep {
    return {
      kind: 'error',
      status: 401,
      openai: {
        type: 'invalid_request_error',
        code: 'invalid_api_key',
        message: 'Incorrect API key provided.',
      },
      anthropic: { type: 'authentication_error', message: 'invalid x-api-key' },
    };
  },
  notFound(): ErrorStep {
    return {
      kind: 'error',
      status: 404,
      openai: {
        type: 'invalid_request_error',
        code: 'model_not_found',
        message: 'The model `nope` does not exist or you do not have access to it.',
      },
      anthropic: { type: 'not_found_error', message: 'model: nope' },
    };
  },
} as const;

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const record = options.recordRequests ?? true;
  const requests: RecordedRequest[] = [];
  let queue: FakeStep[] = [];
  let byModel = new Map<string, FakeStep[]>();
  let defaultStep: FakeStep = options.defaultStep ?? DEFAULT_REPLY;
  let sequence = 0;

  const next = (model: string): FakeStep =>
    byModel.get(model)?.shift() ?? queue.shift() ?? defaultStep;

  const server = createServer((req, res) => {
    const dialect = dialectOf(req);
    if (!dialect) {
      sendJSON(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      } catch {
        sendJSON(res, 400, { error: { message: 'body is not JSON' } });
        return;
      }
      const model = typeof body['model'] === 'string' ? body['model'] : '';
      const stream = body['stream'] === true;
      if (record) {
        requests.push({
          dialect,
          path: req.url ?? '',
          headers: req.headers,
          body,
          model,
          stream,
          at: Date.now(),
        });
      }
      if (options.apiKey !== undefined && !authorised(req, options.apiKey)) {
        void answer(res, dialect, body, fakeErrors.auth(), ++sequence);
        return;
      }
      void answer(res, dialect, body, next(model), ++sequence);
    });
  });
  // Keep-alive as the SDKs and undici use it; close() ends idle and hanging sockets alike.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    requests,
    enqueue: (...steps) => void queue.push(...steps),
    enqueueFor: (model, ...steps) => {
      const steps0 = byModel.get(model) ?? [];
      steps0.push(...steps);
      byModel.set(model, steps0);
    },
    setDefault: (step) => void (defaultStep = step),
    reset: () => {
      queue = [];
      byModel = new Map();
      requests.length = 0;
      defaultStep = options.defaultStep ?? DEFAULT_REPLY;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function dialectOf(req: IncomingMessage): Dialect | undefined {
  if (req.method !== 'POST') return undefined;
  const path = (req.url ?? '').split('?')[0];
  if (path === '/v1/chat/completions') return 'openai';
  if (path === '/v1/messages') return 'anthropic';
  return undefined;
}

function authorised(req: IncomingMessage, apiKey: string): boolean {
  return req.headers['authorization'] === `Bearer ${apiKey}` || req.headers['x-api-key'] === apiKey;
}

const sleep = (ms: number | undefined): Promise<void> | undefined =>
  ms ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined;

async function answer(
  res: ServerResponse,
  dialect: Dialect,
  body: Record<string, unknown>,
  step: FakeStep,
  sequence: number,
): Promise<void> {
  if (step.kind === 'hang') return;
  await sleep(step.latencyMs);
  if (step.kind === 'reset') {
    res.socket?.destroy();
    return;
  }
  if (step.kind === 'error') {
    sendJSON(res, step.status, errorBody(dialect, step), step.headers);
    return;
  }
  const reply = new Reply(dialect, body, step, sequence);
  if (body['stream'] === true) await reply.stream(res);
  else sendJSON(res, 200, reply.json(), reply.headers());
}

function sendJSON(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function errorBody(dialect: Dialect, step: ErrorStep): unknown {
  if (dialect === 'anthropic') {
    const error = step.anthropic ?? { type: 'api_error', message: `error ${step.status}` };
    return { type: 'error', error, request_id: 'req_fake' };
  }
  const error = step.openai ?? {
    type: 'server_error',
    code: null,
    message: `error ${step.status}`,
  };
  return {
    error: { message: error.message, type: error.type, param: null, code: error.code ?? null },
  };
}

/** One reply rendered in a dialect, as JSON or as the events of a stream. */
class Reply {
  readonly model: string;
  readonly chunks: string[];
  readonly id: string;

  constructor(
    readonly dialect: Dialect,
    readonly body: Record<string, unknown>,
    readonly step: ReplyStep,
    sequence: number,
  ) {
    const text = step.text ?? 'Hello from the fake provider.';
    this.model = step.model ?? (typeof body['model'] === 'string' ? body['model'] : 'fake-model');
    this.chunks = step.chunks ?? text.split(/(?<= )/);
    this.id = dialect === 'openai' ? `chatcmpl-fake-${sequence}` : `msg_fake_${sequence}`;
  }

  get text(): string {
    return this.chunks.join('');
  }

  headers(): Record<string, string> {
    return this.dialect === 'openai'
      ? { 'x-request-id': `req_${this.id}` }
      : { 'request-id': `req_${this.id}` };
  }

  openaiUsage(): WireUsage {
    if (this.step.openaiUsage) return this.step.openaiUsage;
    const completion = this.chunks.length;
    return { prompt_tokens: 10, completion_tokens: completion, total_tokens: 10 + completion };
  }

  anthropicUsage(): WireUsage {
    return this.step.anthropicUsage ?? { input_tokens: 10, output_tokens: this.chunks.length };
  }

  json(): unknown {
    const created = Math.floor(Date.now() / 1000);
    if (this.dialect === 'openai') {
      return {
        id: this.id,
        object: 'chat.completion',
        created,
        model: this.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: this.text, refusal: null },
            logprobs: null,
            finish_reason: this.step.finishReason ?? 'stop',
          },
        ],
        usage: this.openaiUsage(),
        system_fingerprint: 'fp_fake',
      };
    }
    return {
      id: this.id,
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [{ type: 'text', text: this.text }],
      stop_reason: this.step.finishReason ?? 'end_turn',
      stop_sequence: null,
      usage: this.anthropicUsage(),
    };
  }

  /** The events before, of, and after the content chunks. */
  events(): { head: string[]; content: string[]; tail: string[] } {
    return this.dialect === 'openai' ? this.openaiEvents() : this.anthropicEvents();
  }

  openaiEvents(): { head: string[]; content: string[]; tail: string[] } {
    const options = this.body['stream_options'] as { include_usage?: boolean } | undefined;
    const includeUsage = options?.include_usage === true;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (choices: unknown[], usage?: WireUsage): string => {
      const data: Record<string, unknown> = {
        id: this.id,
        object: 'chat.completion.chunk',
        created,
        model: this.model,
        system_fingerprint: 'fp_fake',
        choices,
      };
      // With include_usage every chunk carries `usage`, null until the last.
      if (includeUsage) data['usage'] = usage ?? null;
      return `data: ${JSON.stringify(data)}\n\n`;
    };
    const delta = (d: Record<string, unknown>, finish: string | null = null): unknown[] => [
      { index: 0, delta: d, logprobs: null, finish_reason: finish },
    ];
    const tail = [chunk(delta({}, this.step.finishReason ?? 'stop'))];
    if (includeUsage) tail.push(chunk([], this.openaiUsage()));
    tail.push('data: [DONE]\n\n');
    return {
      head: [chunk(delta({ role: 'assistant', content: '', refusal: null }))],
      content: this.chunks.map((piece) => chunk(delta({ content: piece }))),
      tail,
    };
  }

  anthropicEvents(): { head: string[]; content: string[]; tail: string[] } {
    const event = (type: string, data: Record<string, unknown>): string =>
      `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const usage = this.anthropicUsage();
    const finalOutput = typeof usage['output_tokens'] === 'number' ? usage['output_tokens'] : 0;
    return {
      head: [
        event('message_start', {
          message: {
            id: this.id,
            type: 'message',
            role: 'assistant',
            model: this.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            // As the API does: the input side in full, output so far (at most 1).
            usage: { ...usage, output_tokens: Math.min(1, finalOutput) },
          },
        }),
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        event('ping', {}),
      ],
      content: this.chunks.map((text) =>
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
      ),
      tail: [
        event('content_block_stop', { index: 0 }),
        event('message_delta', {
          delta: { stop_reason: this.step.finishReason ?? 'end_turn', stop_sequence: null },
          usage: { ...this.step.anthropicDeltaUsage, output_tokens: finalOutput },
        }),
        event('message_stop', {}),
      ],
    };
  }

  errorEvent(error: ErrorStep): string {
    const body = errorBody(this.dialect, error);
    return this.dialect === 'anthropic'
      ? `event: error\ndata: ${JSON.stringify(body)}\n\n`
      : `data: ${JSON.stringify(body)}\n\n`;
  }

  async stream(res: ServerResponse): Promise<void> {
    const { head, content, tail } = this.events();
    const { ttftMs, chunkDelayMs, resetAfterChunks, endAfterChunks, streamError } = this.step;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...this.headers(),
    });
    // The fast path: everything in one write.
    const cut = resetAfterChunks ?? endAfterChunks;
    if (!ttftMs && !chunkDelayMs && cut === undefined && !streamError) {
      res.end([...head, ...content, ...tail].join(''));
      return;
    }
    res.flushHeaders();
    await sleep(ttftMs);
    res.write(head.join(''));
    for (let i = 0; i < content.length; i++) {
      if (i > 0) await sleep(chunkDelayMs);
      if (i === resetAfterChunks) {
        res.socket?.destroy();
        return;
      }
      if (i === endAfterChunks) {
        res.end();
        return;
      }
      if (streamError && i === streamError.afterChunks) {
        res.end(this.errorEvent(streamError.error));
        return;
      }
      res.write(content[i]);
    }
    res.end(tail.join(''));
  }
}
