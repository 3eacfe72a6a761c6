/**
 * One failure, one `error_category`, whoever emitted the span: the instrumentation's provider
 * clients (and SDK wrappers, which share `errorKind`) and the ingester's classification of
 * another emitter's `error.type` agree for every HTTP status and provider error type.
 */
import { describe, expect, it } from 'vitest';
import {
  CATEGORY_BY_ERROR_TYPE,
  classifyError,
  ErrorCategory,
  type ErrorCategoryValue,
} from '@agentmeter/conventions';
import { errorKind } from '../src/providers/errors.js';
import { describeError } from '../src/telemetry/call-span.js';
import { ProviderError } from '../src/types.js';

/** Every status a provider is known to answer with, and what it means. */
const STATUSES: readonly [number, ErrorCategoryValue][] = [
  [400, ErrorCategory.VALIDATION],
  [401, ErrorCategory.AUTH],
  [403, ErrorCategory.AUTH],
  [404, ErrorCategory.NOT_FOUND],
  [408, ErrorCategory.TIMEOUT],
  [409, ErrorCategory.SERVER],
  [413, ErrorCategory.VALIDATION],
  [418, ErrorCategory.VALIDATION],
  [422, ErrorCategory.VALIDATION],
  [429, ErrorCategory.RATE_LIMIT],
  [500, ErrorCategory.SERVER],
  [502, ErrorCategory.SERVER],
  [503, ErrorCategory.SERVER],
  [504, ErrorCategory.TIMEOUT],
  [529, ErrorCategory.RATE_LIMIT],
];

describe('the error taxonomy', () => {
  for (const [status, category] of STATUSES) {
    it(`HTTP ${status} is ${category} on every span`, () => {
      const kind = errorKind(status, {});
      const fromInstrumentation = describeError(
        new ProviderError('x', kind, { provider: 'p', status, errorType: String(status) }),
      ).category;
      const fromIngester = classifyError(String(status));
      expect([kind, fromInstrumentation, fromIngester]).toEqual([category, category, category]);
    });
  }

  it('gives provider error types without a status the same category on both sides', () => {
    for (const [type, category] of Object.entries(CATEGORY_BY_ERROR_TYPE)) {
      expect(errorKind(undefined, { type }), type).toBe(category);
      expect(classifyError(type), type).toBe(category);
    }
  });
});
