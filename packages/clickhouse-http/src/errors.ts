/**
 * ClickHouse exceptions as the HTTP interface reports them: a numeric code, a symbolic name, an
 * HTTP status chosen the way ClickHouse's `exceptionCodeToHTTPStatus` chooses it, and the body
 * `Code: <n>. DB::Exception: <message>. (<NAME>) (version <v>)`.
 */

/** The ClickHouse error codes this package raises itself (values from the engine's system.errors). */
export const ErrorCode = {
  UNSUPPORTED_METHOD: 1,
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  SYNTAX_ERROR: 62,
  TIMEOUT_EXCEEDED: 159,
  READONLY: 164,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  QUERY_IS_TOO_LARGE: 229,
  CANNOT_DECOMPRESS: 271,
  SUPPORT_IS_DISABLED: 344,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  SESSION_NOT_FOUND: 372,
  SESSION_IS_LOCKED: 373,
  INVALID_SESSION_TIMEOUT: 374,
  ACCESS_DENIED: 497,
  AUTHENTICATION_FAILED: 516,
  USER_SESSION_LIMIT_EXCEEDED: 700,
  UNSUPPORTED_MEDIA_TYPE: 779,
  STD_EXCEPTION: 1001,
} as const;

export type ErrorName = keyof typeof ErrorCode;

export class ClickHouseHttpError extends Error {
  /** ClickHouse error code, e.g. 62. */
  readonly code: number;
  /** ClickHouse error name, e.g. `SYNTAX_ERROR`. */
  readonly type: string;

  constructor(type: string, code: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClickHouseHttpError';
    this.type = type;
    this.code = code;
  }

  static of(type: ErrorName, message: string): ClickHouseHttpError {
    return new ClickHouseHttpError(type, ErrorCode[type], message);
  }

  get httpStatus(): number {
    return httpStatusOf(this.type);
  }

  /** The response body, exactly as a ClickHouse server words it. */
  toBody(version: string): string {
    return `Code: ${this.code}. DB::Exception: ${this.message}. (${this.type}) (version ${version})\n`;
  }
}

const STATUS_BY_TYPE: ReadonlyMap<string, number> = new Map([
  ['REQUIRED_PASSWORD', 401],
  ...[
    'UNKNOWN_USER',
    'WRONG_PASSWORD',
    'AUTHENTICATION_FAILED',
    'SET_NON_GRANTED_ROLE',
    'ACCESS_DENIED',
  ].map((t) => [t, 403] as const),
  ...[
    'BAD_ARGUMENTS',
    'CANNOT_COMPILE_REGEXP',
    'CANNOT_PARSE_TEXT',
    'CANNOT_PARSE_ESCAPE_SEQUENCE',
    'CANNOT_PARSE_QUOTED_STRING',
    'CANNOT_PARSE_DATE',
    'CANNOT_PARSE_DATETIME',
    'CANNOT_PARSE_NUMBER',
    'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING',
    'CANNOT_PARSE_IPV4',
    'CANNOT_PARSE_IPV6',
    'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
    'CANNOT_PARSE_UUID',
    'DUPLICATE_COLUMN',
    'ILLEGAL_COLUMN',
    'UNKNOWN_ELEMENT_IN_AST',
    'UNKNOWN_TYPE_OF_AST_NODE',
    'THERE_IS_NO_COLUMN',
    'TOO_DEEP_AST',
    'TOO_BIG_AST',
    'UNEXPECTED_AST_STRUCTURE',
    'SYNTAX_ERROR',
    'INCORRECT_DATA',
    'TYPE_MISMATCH',
    'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  ].map((t) => [t, 400] as const),
  ...[
    'UNKNOWN_TABLE',
    'UNKNOWN_FUNCTION',
    'UNKNOWN_IDENTIFIER',
    'UNKNOWN_TYPE',
    'UNKNOWN_STORAGE',
    'UNKNOWN_DATABASE',
    'UNKNOWN_SETTING',
    'UNKNOWN_DIRECTION_OF_SORTING',
    'UNKNOWN_AGGREGATE_FUNCTION',
    'UNKNOWN_FORMAT',
    'UNKNOWN_DATABASE_ENGINE',
    'UNKNOWN_TYPE_OF_QUERY',
    'UNKNOWN_ROLE',
  ].map((t) => [t, 404] as const),
  ['QUERY_IS_TOO_LARGE', 413],
  ['NOT_IMPLEMENTED', 501],
  ['SOCKET_TIMEOUT', 503],
  ['CANNOT_OPEN_FILE', 503],
  ['CANNOT_SCHEDULE_TASK', 503],
  // ClickHouse answers 500 to these two; 503 tells clients and proxies that a retry may succeed.
  ['TOO_MANY_SIMULTANEOUS_QUERIES', 503],
  ['USER_SESSION_LIMIT_EXCEEDED', 503],
  ['HTTP_LENGTH_REQUIRED', 411],
  ['TIMEOUT_EXCEEDED', 408],
  ['UNSUPPORTED_MEDIA_TYPE', 415],
  ['UNSUPPORTED_METHOD', 405],
]);

export function httpStatusOf(type: string): number {
  return STATUS_BY_TYPE.get(type) ?? 500;
}

const ENGINE_MESSAGE = /^Code: (\d+)\. DB::Exception: ([\s\S]*?)\.? \(([A-Z0-9_]+)\)\s*$/;

/** Turns whatever the engine threw into a ClickHouse exception, keeping its code and text. */
export function fromEngineError(err: unknown): ClickHouseHttpError {
  if (err instanceof ClickHouseHttpError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const match = ENGINE_MESSAGE.exec(text);
  if (match) {
    const [, code, message, type] = match as unknown as [string, string, string, string];
    return new ClickHouseHttpError(type, Number(code), message, { cause: err });
  }
  // chdb rejects malformed parameter values itself, before the engine sees them.
  const isBindError = err instanceof Error && (err as { code?: unknown }).code === 'CHDB_BIND';
  const type: ErrorName = isBindError ? 'BAD_ARGUMENTS' : 'STD_EXCEPTION';
  return new ClickHouseHttpError(type, ErrorCode[type], text, { cause: err });
}
