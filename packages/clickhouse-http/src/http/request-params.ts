/**
 * The URL parameters and headers of a query request, sorted as ClickHouse's HTTP handler sorts
 * them: protocol parameters, `param_<name>` query parameters, and everything else as settings.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ClickHouseHttpError } from '../errors.js';

export interface RequestParams {
  /** The URL `query` parameter; the body, if any, follows it. */
  readonly query: string | undefined;
  /** Absent: the session's current database, else `default`. */
  readonly database: string | undefined;
  readonly defaultFormat: string;
  readonly queryId: string;
  readonly settings: ReadonlyMap<string, string>;
  readonly params: ReadonlyMap<string, string>;
  /** `client_protocol_version`: the Native block layout the client reads; 0 when absent. */
  readonly clientProtocolVersion: number;
  /** `enable_http_compression`: the response may be compressed if the client accepts it. */
  readonly compressResponse: boolean;
  readonly compressionLevel: number | undefined;
  /** `session_id` and its companions; absent without `session_id`. */
  readonly session: SessionParams | undefined;
}

export interface SessionParams {
  readonly id: string;
  /** `session_timeout` in seconds, when given. */
  readonly timeoutSeconds: number | undefined;
  /** `session_check=1`: the session must exist already. */
  readonly check: boolean;
  /** `close_session=1`: the session ends with this request. */
  readonly close: boolean;
}

/** Parameters the protocol consumes or ignores; they are not settings. */
const PROTOCOL_PARAMS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'user',
  'password',
  'quota_key',
  'stacktrace',
  'buffer_size',
  'wait_end_of_query',
  'session_timeout',
  'session_check',
  'close_session',
  'client_protocol_version',
  'compress',
  'decompress',
  'session_id',
  'role',
]);

/**
 * Settings that only steer ClickHouse's HTTP handler. The response here is always complete
 * before it is sent (so `wait_end_of_query` semantics hold and no progress headers are sent).
 */
const HTTP_HANDLER_SETTINGS = new Set([
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_response_buffer_size',
  'http_wait_end_of_query',
  'http_write_exception_in_output_format',
  'http_native_compression_disable_checksumming_on_decompress',
  'cancel_http_readonly_queries_on_client_close',
  'add_http_cors_header',
]);

export const PARAM_PREFIX = 'param_';

export function parseRequestParams(url: URL, headers: IncomingHttpHeaders): RequestParams {
  const search = url.searchParams;
  refuseUnsupported(search);
  const settings = new Map<string, string>();
  const params = new Map<string, string>();
  for (const [key, value] of search) {
    if (key === '' || PROTOCOL_PARAMS.has(key) || HTTP_HANDLER_SETTINGS.has(key)) continue;
    if (key.startsWith(PARAM_PREFIX)) {
      // The first value wins, as in ClickHouse.
      const name = key.slice(PARAM_PREFIX.length);
      if (!params.has(name)) params.set(name, value);
    } else {
      settings.set(key, value);
    }
  }
  return {
    query: search.get('query') ?? undefined,
    database: header(headers, 'x-clickhouse-database') || search.get('database') || undefined,
    defaultFormat:
      header(headers, 'x-clickhouse-format') || search.get('default_format') || 'TabSeparated',
    queryId: search.get('query_id') || header(headers, 'x-clickhouse-query-id') || randomUUID(),
    settings,
    params,
    clientProtocolVersion: unsignedParam(search, 'client_protocol_version') ?? 0,
    compressResponse: isTrue(search.get('enable_http_compression')),
    compressionLevel: unsignedParam(search, 'http_zlib_compression_level'),
    session: sessionParams(search),
  };
}

/** As in ClickHouse, the companions of `session_id` mean nothing without it (the npm client always sends `session_timeout`). */
function sessionParams(search: URLSearchParams): SessionParams | undefined {
  const id = search.get('session_id');
  if (!id) return undefined;
  const timeout = search.get('session_timeout');
  if (timeout !== null && !/^\d+$/.test(timeout)) {
    throw ClickHouseHttpError.of(
      'INVALID_SESSION_TIMEOUT',
      `Invalid session timeout: '${timeout}'`,
    );
  }
  return {
    id,
    timeoutSeconds: timeout === null ? undefined : Number(timeout),
    check: search.get('session_check') === '1',
    close: isTrue(search.get('close_session')),
  };
}

function refuseUnsupported(search: URLSearchParams): void {
  const unsupported: [string, string][] = [
    [
      'compress',
      "ClickHouse's native compression of the response (compress=1); use HTTP compression",
    ],
    [
      'decompress',
      "ClickHouse's native compression of the request (decompress=1); use Content-Encoding",
    ],
  ];
  for (const [name, what] of unsupported) {
    if (isTrue(search.get(name))) throw notSupported(what);
  }
  if (search.get('role')) throw notSupported('roles (role)');
}

function notSupported(what: string): ClickHouseHttpError {
  return ClickHouseHttpError.of(
    'NOT_IMPLEMENTED',
    `${what} is not supported by agentmeter's ClickHouse HTTP interface`,
  );
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function isTrue(value: string | null): boolean {
  return value !== null && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function unsignedParam(search: URLSearchParams, name: string): number | undefined {
  const value = search.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value)) {
    throw ClickHouseHttpError.of(
      'BAD_ARGUMENTS',
      `Cannot parse ${name}=${JSON.stringify(value)} as an unsigned integer`,
    );
  }
  return Number(value);
}
