/**
 * One HTTP request, the way ClickHouse's HTTP handler treats it: health endpoints, then
 * parameters, authentication, body, the query (URL part first, then the body), the session if
 * any, the engine's answer with ClickHouse's headers, or a ClickHouse exception with its status
 * and code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClickHouseHttpError, fromEngineError } from '../errors.js';
import type { QueryResult } from '../executor.js';
import { nativeForClientRevision } from '../native/client-revision.js';
import type { QueryLimits, ResolvedOptions } from '../options.js';
import type { Settings } from '../sql/settings-sql.js';
import { authenticate } from './auth.js';
import { readBody } from './body.js';
import { parseRequestParams } from './request-params.js';
import { requestQuery } from './request-query.js';
import { sendError, sendResult, sendText } from './respond.js';
import type { HttpSessions } from './sessions.js';
import { UserGate } from './user-gate.js';

const HEALTH_PATHS = new Set(['/ping', '/replicas_status']);
const METHODS = new Set(['GET', 'HEAD', 'POST']);

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createRequestHandler(
  options: ResolvedOptions,
  sessions: HttpSessions,
): RequestHandler {
  const { executor } = options;
  const info = executor.info;
  const gate = new UserGate(options.maxConcurrentQueriesPerUser, options.maxQueuedQueriesPerUser);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const isGet = method === 'GET' || method === 'HEAD';
    if (!METHODS.has(method)) {
      res.setHeader('Allow', 'GET, HEAD, POST');
      return sendError(
        req,
        res,
        { info },
        ClickHouseHttpError.of('UNSUPPORTED_METHOD', `HTTP method ${method} is not supported`),
      );
    }
    if (HEALTH_PATHS.has(url.pathname)) return sendText(req, res, { info }, 200, 'Ok.\n');
    if (url.pathname !== '/') {
      return sendText(
        req,
        res,
        { info },
        404,
        `There is no handle ${url.pathname}\n\nUse / or /ping for health checks.\nSend queries with POST / or GET /?query=...\n`,
      );
    }
    if (isGet && !url.searchParams.has('query')) return sendText(req, res, { info }, 200, 'Ok.\n');

    let queryId: string | undefined;
    const abort = new AbortController();
    res.on('close', () =>
      abort.abort(ClickHouseHttpError.of('STD_EXCEPTION', 'The client went away')),
    );
    try {
      const params = parseRequestParams(url, req.headers);
      queryId = params.queryId;
      const principal = authenticate(req, url, options.users, options.apiKeys);
      const body = await readBody(req, {
        maxBytes: options.maxBodyBytes,
        maxDecompressedBytes: options.maxDecompressedBodyBytes,
      });
      const query = requestQuery(params.query, params.params, req.headers['content-type'], body);
      const session = params.session && sessions.acquire(principal, params.session);
      // The URL's settings apply over the session's, the caps over both.
      const settings = withLimits(
        new Map([...(session?.state.settings ?? []), ...params.settings]),
        options.limits,
      );
      const readonly = principal.readonly || isGet || Number(settings.get('readonly') ?? 0) > 0;
      const running = gate.run(principal.name, abort.signal, () =>
        (session?.state ?? executor).execute({
          sql: query.sql,
          defaultFormat: params.defaultFormat,
          database: params.database,
          settings,
          params: query.params,
          queryId: params.queryId,
          user: principal.name,
          readonly,
          signal: abort.signal,
        }),
      );
      // The session is held until its query ends, past the request's deadline if need be.
      if (session) running.then(session.release, session.release);
      const result = await withDeadline(options.listener.requestTimeoutMs, abort, running);
      const output: QueryResult =
        result.format === 'Native'
          ? { ...result, body: nativeForClientRevision(result.body, params.clientProtocolVersion) }
          : result;
      await sendResult(req, res, { info, queryId }, output, {
        enabled: params.compressResponse,
        level: params.compressionLevel,
      });
    } catch (err) {
      sendError(req, res, { info, queryId }, fromEngineError(err));
    }
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => res.destroy(err instanceof Error ? err : undefined));
  };
}

/**
 * Every query runs under the caps: time, memory, and result size (the embedded engine holds a
 * result in memory before it is sent), each the client's value if lower, else the cap. A result
 * over the cap is an error, not a silently cut answer.
 */
function withLimits(settings: Settings, limits: QueryLimits): Settings {
  const capped = new Map(settings);
  const cap = (name: string, max: number) => {
    const requested = Number(settings.get(name));
    capped.set(name, String(requested > 0 && requested < max ? requested : max));
  };
  cap('max_execution_time', limits.maxExecutionTimeSeconds);
  cap('max_memory_usage', limits.maxMemoryUsageBytes);
  cap('max_result_bytes', limits.maxResultBytes);
  capped.set('result_overflow_mode', 'throw');
  // Queries yield the cores to ingestion: their threads run at nice 10 (ClickHouse restores the
  // thread's priority when the query ends).
  capped.set('os_thread_priority', '10');
  return capped;
}

/**
 * The engine stops a query at `max_execution_time`; this bounds the whole request (waiting for
 * a session included) in case it does not. A query still running then keeps its session until it
 * ends, so an overloaded engine is not handed more work.
 */
async function withDeadline<T>(
  ms: number,
  abort: AbortController,
  running: Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = ClickHouseHttpError.of(
        'TIMEOUT_EXCEEDED',
        `Timeout exceeded: the request took longer than ${ms} ms`,
      );
      abort.abort(err);
      reject(err);
    }, ms);
  });
  running.catch(() => {});
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
