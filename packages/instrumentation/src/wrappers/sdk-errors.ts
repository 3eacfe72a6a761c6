/**
 * The `openai` and `@anthropic-ai/sdk` errors (both Stainless-generated, same shapes) →
 * ProviderError, through the same mapping as the HTTP clients, so a wrapped call's span says
 * `rate_limit` for a 529 exactly as a routed call's does. The caller still gets the SDK's own
 * error: this is for the span only.
 */
import { httpError, streamError, transportError, type HeaderReader } from '../providers/errors.js';

interface SdkErrorFields {
  status?: unknown;
  headers?: unknown;
  error?: unknown;
}

const NO_HEADERS: HeaderReader = { get: () => null };

function headerReader(headers: unknown): HeaderReader {
  return typeof (headers as HeaderReader | undefined)?.get === 'function'
    ? (headers as HeaderReader)
    : NO_HEADERS;
}

/** The names of the error's classes, most derived first (the SDKs do not set `name`). */
function classNames(error: object): string[] {
  const names: string[] = [];
  for (
    let proto: unknown = Object.getPrototypeOf(error);
    proto;
    proto = Object.getPrototypeOf(proto)
  ) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

/** The error to record on the span; the caller's own abort and unknown errors are kept as they are. */
export function providerErrorOf(provider: string, error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const names = classNames(error);
  if (names.includes('APIUserAbortError')) return error;
  if (names.includes('APIConnectionTimeoutError')) return transportError(provider, error, true);
  if (names.includes('APIConnectionError')) {
    // The SDK wraps the fetch failure; its cause has the system error code.
    return transportError(provider, (error as { cause?: unknown }).cause ?? error, false);
  }
  if (!names.includes('APIError')) return error;
  const fields = error as SdkErrorFields;
  if (typeof fields.status === 'number') {
    return httpError(provider, fields.status, headerReader(fields.headers), fields.error, error);
  }
  // An error event inside a stream: no status, the event's body.
  return streamError(provider, fields.error, error);
}
