/**
 * One POST to a provider, with one deadline over the request and the body read (a stream that
 * stalls halfway times out like a server that never answers), the caller's abort signal honoured,
 * and every failure mapped to a ProviderError. No retries: the router owns them.
 */
import { ProviderError, type ProviderClient } from '../types.js';
import { httpError, transportError } from './errors.js';

/** A provider client that also says where it sends its calls (for `server.address`). */
export interface HttpProviderClient extends ProviderClient {
  readonly baseURL: string;
}

/** Deadline of a call, stream included, unless the client is given another. */
export const DEFAULT_TIMEOUT_MS = 600_000;

export interface PostRequest {
  provider: string;
  url: string;
  /** Built once per client, `content-type: application/json` included. */
  headers: Record<string, string>;
  body: unknown;
  timeoutMs: number;
  fetch: typeof fetch;
  signal?: AbortSignal | undefined;
}

/**
 * POSTs `request.body` as JSON and returns what `read` makes of a 2xx response. An error status
 * becomes a ProviderError from its body and headers; a timeout or a broken connection, during the
 * request or during `read`, becomes a `timeout` or `network` ProviderError. An abort by the
 * caller's own signal is rethrown as it is: it is not the provider's failure, and not retryable.
 */
export async function postJSON<T>(
  request: PostRequest,
  read: (response: Response) => Promise<T>,
): Promise<T> {
  const { provider, signal } = request;
  const controller = new AbortController();
  let timedOut = false;
  // A timer cleared when the call settles, rather than AbortSignal.timeout(), which would keep
  // one pending timer per call alive for the whole timeout.
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('provider request timed out', 'TimeoutError'));
  }, request.timeoutMs);
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const failure = (error: unknown): unknown => {
    if (error instanceof ProviderError) return error;
    if (signal?.aborted && !timedOut) return error;
    return transportError(provider, error, timedOut);
  };
  try {
    let response: Response;
    try {
      response = await request.fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: JSON.stringify(request.body),
        signal: controller.signal,
      });
    } catch (error) {
      throw failure(error);
    }
    if (!response.ok) {
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw failure(error);
      }
      throw httpError(provider, response.status, response.headers, parseBody(text));
    }
    try {
      return await read(response);
    } catch (error) {
      throw failure(error);
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** An error body as JSON when it is JSON, else as text (proxies answer with HTML or plain text). */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Parses a 2xx JSON body; a body that is not JSON is the provider's (or its proxy's) fault. */
export async function readJSON(provider: string, response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ProviderError(`${provider}: response is not JSON`, 'server', {
      provider,
      status: response.status,
      errorType: 'invalid_response',
      cause: error,
    });
  }
}
