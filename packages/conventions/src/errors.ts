/**
 * One error taxonomy for every emitter: the instrumentation classifies what it caught, the
 * ingester classifies the `error.type` of spans from others. Values are `ErrorCategory`.
 */
import { ErrorCategory } from './attributes.js';

type Category = (typeof ErrorCategory)[keyof typeof ErrorCategory];

const BY_STATUS: Readonly<Record<number, Category>> = {
  400: ErrorCategory.VALIDATION,
  401: ErrorCategory.AUTH,
  403: ErrorCategory.AUTH,
  404: ErrorCategory.NOT_FOUND,
  408: ErrorCategory.TIMEOUT,
  409: ErrorCategory.VALIDATION,
  413: ErrorCategory.VALIDATION,
  422: ErrorCategory.VALIDATION,
  429: ErrorCategory.RATE_LIMIT,
  504: ErrorCategory.TIMEOUT,
};

/** Ordered: the first pattern that matches the error type or message wins. */
const BY_TEXT: readonly [RegExp, Category][] = [
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

/** Classifies an error from its HTTP status (when known) and its type or message. */
export function classifyError(errorType: string, httpStatus?: number): Category {
  if (httpStatus !== undefined) {
    const byStatus = BY_STATUS[httpStatus];
    if (byStatus) return byStatus;
    if (httpStatus >= 500) return ErrorCategory.SERVER;
  }
  const asStatus = /^\d{3}$/.test(errorType) ? Number(errorType) : undefined;
  if (asStatus !== undefined && httpStatus === undefined) return classifyError('', asStatus);
  for (const [pattern, category] of BY_TEXT) if (pattern.test(errorType)) return category;
  return ErrorCategory.OTHER;
}
