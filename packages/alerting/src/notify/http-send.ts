/**
 * One HTTP attempt of an integration, bounded in time (on the injected clock) and in how much of
 * the answer is read, with its outcome classified as Alertmanager's notifiers do: 2xx is sent;
 * 5xx, 408, 429, timeouts and network errors are worth retrying; any other status (other 4xx,
 * a redirect, which is not followed) will fail the same way again.
 */
import type { Clock } from '@agentmeter/conventions';
import type { SendOutcome } from './integration.js';

export interface HttpLimits {
  /** The whole exchange, answer included (default 10 s). */
  readonly timeoutMs: number;
  /** Bytes of the answer read at most; the rest is not read (default 64 KiB). */
  readonly maxResponseBytes: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { timeoutMs: 10_000, maxResponseBytes: 64 * 1024 };

export interface HttpRequest {
  readonly url: string;
  readonly method: 'POST' | 'PUT';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Characters of an error answer kept in the delivery log. */
const ERROR_EXCERPT_CHARS = 300;

const isRetryableStatus = (status: number): boolean =>
  status >= 500 || status === 408 || status === 429;

export async function sendHttp(
  request: HttpRequest,
  limits: HttpLimits,
  clock: Clock,
): Promise<SendOutcome> {
  const controller = new AbortController();
  const timer = clock.setTimer(() => controller.abort(), limits.timeoutMs, { background: true });
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: controller.signal,
    });
    const { text, truncated } = await readCapped(response, limits.maxResponseBytes);
    const status = response.status;
    if (status >= 200 && status < 300) {
      return truncated
        ? {
            ok: true,
            httpStatus: status,
            warning: `answer longer than ${limits.maxResponseBytes} bytes was not read`,
          }
        : { ok: true, httpStatus: status };
    }
    const excerpt = text.trim().slice(0, ERROR_EXCERPT_CHARS);
    const location = response.headers.get('location');
    return {
      ok: false,
      retryable: isRetryableStatus(status),
      httpStatus: status,
      error: `HTTP ${status}${location ? ` (redirect to ${location} not followed)` : ''}${excerpt ? `: ${excerpt}` : ''}`,
    };
  } catch (error) {
    const reason = controller.signal.aborted
      ? `no answer within ${limits.timeoutMs} ms`
      : networkReason(error);
    return { ok: false, retryable: true, httpStatus: undefined, error: reason };
  } finally {
    clock.clearTimer(timer);
  }
}

async function readCapped(
  response: Response,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const reader = response.body?.getReader();
  if (!reader) return { text: '', truncated: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
    const room = maxBytes - size;
    if (value.length > room) {
      chunks.push(value.subarray(0, room));
      await reader.cancel();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(value);
    size += value.length;
  }
}

/** fetch reports "fetch failed" and puts the reason (ECONNREFUSED, ...) in `cause`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return (error as Error).message ?? String(error);
}
