/**
 * Provider failures → ProviderError. One mapping for the HTTP clients here and for the SDK
 * wrappers, so a 529 from Anthropic or a `context_length_exceeded` from OpenAI means the same
 * thing to the router and on the span whichever path made the call.
 */
import { CATEGORY_BY_ERROR_TYPE, categoryOfStatus } from '@agentmeter/conventions';
import { ProviderError, type ProviderErrorKind } from '../types.js';

/** The fields of a provider's error body that say what went wrong. */
export interface ErrorDetails {
  type?: string;
  code?: string;
  message?: string;
}

/** What both fetch's `Headers` and the SDKs' error headers offer. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** The subset of fields an error body may have, for reading without `any`. */
interface ErrorBodyFields {
  type?: unknown;
  code?: unknown;
  message?: unknown;
  error?: unknown;
  cause?: unknown;
}

function asFields(value: unknown): ErrorBodyFields | undefined {
  return typeof value === 'object' && value !== null ? (value as ErrorBodyFields) : undefined;
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  return typeof value === 'number' ? String(value) : undefined;
}

/**
 * Reads an error body in any of its shapes: OpenAI's `{ error: { message, type, code } }`,
 * Anthropic's `{ type: 'error', error: { type, message } }`, or the inner object alone (what the
 * OpenAI SDK keeps as `APIError.error`). A plain-text body is its own message.
 */
export function errorDetails(body: unknown): ErrorDetails {
  if (typeof body === 'string') return body ? { message: body.slice(0, 500) } : {};
  const outer = asFields(body);
  const inner = asFields(outer?.error) ?? outer;
  if (!inner) return {};
  const details: ErrorDetails = {};
  const type = str(inner.type);
  const code = str(inner.code);
  const message = str(inner.message) ?? str(outer?.error);
  if (type) details.type = type;
  if (code) details.code = code;
  if (message) details.message = message;
  return details;
}

/**
 * The wait a provider asks for: OpenAI's `retry-after-ms` (milliseconds, fractional), else the
 * standard `retry-after` in seconds or as an HTTP date.
 */
export function retryAfterMs(headers: HeaderReader, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// Each provider words these differently; the router falls back to a bigger model or another
// provider on them, so they must be told apart from other 400s.
const CONTEXT_WINDOW =
  /context_length_exceeded|context[ _-]?(?:length|window)|prompt is too long|maximum (?:context|prompt) length|reduce the length|input is too long|too many (?:input )?tokens/i;
const CONTENT_POLICY =
  /content[ _-]?(?:policy|filter|management)|safety system|responsible ai|flagged by|moderation/i;

/** Statuses under which a body can mean a context-window or content-policy refusal. */
const REFUSAL_STATUSES = new Set([400, 403, 413, 422]);

export function errorKind(status: number | undefined, details: ErrorDetails): ProviderErrorKind {
  if (status === undefined || REFUSAL_STATUSES.has(status)) {
    const text = `${details.code ?? ''} ${details.type ?? ''} ${details.message ?? ''}`;
    if (CONTEXT_WINDOW.test(text)) return 'context_window';
    if (CONTENT_POLICY.test(text)) return 'content_policy';
  }
  // The statuses and error types mean what they mean on every span (conventions' one table).
  if (status !== undefined) return categoryOfStatus(status);
  return (
    CATEGORY_BY_ERROR_TYPE[details.code ?? ''] ??
    CATEGORY_BY_ERROR_TYPE[details.type ?? ''] ??
    'server'
  );
}

/** An error response (`status` ≥ 400) → ProviderError. */
export function httpError(
  provider: string,
  status: number,
  headers: HeaderReader,
  body: unknown,
  cause?: unknown,
): ProviderError {
  const details = errorDetails(body);
  const retryAfter = retryAfterMs(headers);
  return new ProviderError(
    `${provider} ${status}: ${details.message ?? 'error response'}`,
    errorKind(status, details),
    {
      provider,
      status,
      errorType: details.code ?? details.type ?? String(status),
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      cause,
    },
  );
}

/** An error event inside a 200 stream (Anthropic `event: error`, OpenAI `data: {"error":…}`). */
export function streamError(provider: string, body: unknown, cause?: unknown): ProviderError {
  const details = errorDetails(body);
  return new ProviderError(
    `${provider} stream error: ${details.message ?? 'error event'}`,
    errorKind(undefined, details),
    { provider, errorType: details.code ?? details.type ?? 'stream_error', cause },
  );
}

/** The request or its body read failed before a complete answer: a timeout or a broken connection. */
export function transportError(provider: string, error: unknown, timedOut: boolean): ProviderError {
  if (timedOut) {
    return new ProviderError(`${provider}: request timed out`, 'timeout', {
      provider,
      errorType: 'timeout',
      cause: error,
    });
  }
  // fetch reports socket failures as `TypeError: fetch failed` with the system error as its cause.
  const code = str(asFields(asFields(error)?.cause)?.code) ?? str(asFields(error)?.code);
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(`${provider}: ${message}${code ? ` (${code})` : ''}`, 'network', {
    provider,
    errorType: code ?? 'network_error',
    cause: error,
  });
}
