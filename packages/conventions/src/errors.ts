/**
 * One error taxonomy for every emitter: the instrumentation classifies what it caught (its
 * provider clients and SDK wrappers), the ingester classifies the `error.type` of spans from
 * others, with the same tables, so one failure lands in one `error_category` whoever saw it.
 * Values are `ErrorCategory`.
 */
import { ErrorCategory } from './attributes.js';

export type ErrorCategoryValue = (typeof ErrorCategory)[keyof typeof ErrorCategory];

/** The categories an HTTP status or a provider's error type can name. */
export type HttpErrorCategory = Extract<
  ErrorCategoryValue,
  'rate_limit' | 'timeout' | 'auth' | 'not_found' | 'validation' | 'server'
>;

/** HTTP statuses whose category is not the default (4xx validation, 5xx server). */
export const CATEGORY_BY_HTTP_STATUS: Readonly<Record<number, HttpErrorCategory>> = {
  401: ErrorCategory.AUTH,
  403: ErrorCategory.AUTH,
  404: ErrorCategory.NOT_FOUND,
  408: ErrorCategory.TIMEOUT,
  // OpenAI's 409 is a lock conflict that succeeds when retried, not a malformed request.
  409: ErrorCategory.SERVER,
  429: ErrorCategory.RATE_LIMIT,
  // A gateway timeout: the request may well succeed if tried again.
  504: ErrorCategory.TIMEOUT,
  // Anthropic's "overloaded": back off and retry, like a rate limit.
  529: ErrorCategory.RATE_LIMIT,
};

/** Providers' error types, for errors that come without an HTTP status (mid-stream events). */
export const CATEGORY_BY_ERROR_TYPE: Readonly<Record<string, HttpErrorCategory>> = {
  rate_limit_error: ErrorCategory.RATE_LIMIT,
  rate_limit_exceeded: ErrorCategory.RATE_LIMIT,
  overloaded_error: ErrorCategory.RATE_LIMIT,
  authentication_error: ErrorCategory.AUTH,
  permission_error: ErrorCategory.AUTH,
  invalid_api_key: ErrorCategory.AUTH,
  not_found_error: ErrorCategory.NOT_FOUND,
  timeout_error: ErrorCategory.TIMEOUT,
  invalid_request_error: ErrorCategory.VALIDATION,
  request_too_large: ErrorCategory.VALIDATION,
};

/** The category of an error response's HTTP status (≥ 400). */
export function categoryOfStatus(status: number): HttpErrorCategory {
  return (
    CATEGORY_BY_HTTP_STATUS[status] ??
    (status >= 500 ? ErrorCategory.SERVER : ErrorCategory.VALIDATION)
  );
}

/** Ordered: the first pattern that matches the error type or message wins. */
const BY_TEXT: readonly [RegExp, ErrorCategoryValue][] = [
  [/quota/i, ErrorCategory.QUOTA],
  [/budget/i, ErrorCategory.BUDGET],
  [/rate.?limit|too.?many.?requests|overloaded/i, ErrorCategory.RATE_LIMIT],
  [/time.?out|deadline/i, ErrorCategory.TIMEOUT],
  [/ECONN|ENOTFOUND|EAI_AGAIN|EPIPE|socket|network|connection/i, ErrorCategory.NETWORK],
  [/auth|permission|forbidden|api.?key/i, ErrorCategory.AUTH],
  [/not.?found/i, ErrorCategory.NOT_FOUND],
  [
    /invalid|validation|bad.?request|unprocessable|context.?length|content.?policy/i,
    ErrorCategory.VALIDATION,
  ],
  [/server|internal|unavailable|5\d\d/i, ErrorCategory.SERVER],
];

/**
 * Classifies an error from its HTTP status (when known; an `error.type` of three digits is read
 * as one), else its provider error type, else words in its type or message.
 */
export function classifyError(errorType: string, httpStatus?: number): ErrorCategoryValue {
  const status = httpStatus ?? (/^\d{3}$/.test(errorType) ? Number(errorType) : undefined);
  if (status !== undefined && status >= 400) return categoryOfStatus(status);
  const byType = CATEGORY_BY_ERROR_TYPE[errorType];
  if (byType) return byType;
  for (const [pattern, category] of BY_TEXT) if (pattern.test(errorType)) return category;
  return ErrorCategory.OTHER;
}
