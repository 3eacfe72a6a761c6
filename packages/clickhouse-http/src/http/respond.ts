/**
 * Responses with the headers a ClickHouse server sends (clickhouse-js reads the query id and the
 * summary, clickhouse-go the exception code) and HTTP compression when the client asked for it
 * with `enable_http_compression=1` and `Accept-Encoding`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, deflate, gzip } from 'node:zlib';
import type { ClickHouseHttpError } from '../errors.js';
import type { QueryResult, ServerInfo } from '../executor.js';
import { contentTypeOf } from './content-type.js';

export interface ResponseContext {
  readonly info: ServerInfo;
  readonly queryId?: string | undefined;
}

export interface ResponseCompression {
  readonly enabled: boolean;
  readonly level: number | undefined;
}

type Encoding = 'gzip' | 'deflate' | 'br';

const COMPRESSORS: Readonly<
  Record<Encoding, (body: Buffer, level: number | undefined) => Promise<Buffer>>
> = {
  gzip: (body, level) => promisify(gzip)(body, { level: level ?? 3 }),
  deflate: (body, level) => promisify(deflate)(body, { level: level ?? 3 }),
  br: (body, level) =>
    promisify(brotliCompress)(body, { params: { [constants.BROTLI_PARAM_QUALITY]: level ?? 3 } }),
};

export function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  status: number,
  text: string,
): void {
  commonHeaders(res, ctx);
  finish(req, res, status, 'text/plain; charset=UTF-8', Buffer.from(text));
}

export async function sendResult(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  result: QueryResult,
  compression: ResponseCompression,
): Promise<void> {
  const encoding = compression.enabled
    ? acceptedEncoding(req.headers['accept-encoding'])
    : undefined;
  const body = encoding ? await COMPRESSORS[encoding](result.body, compression.level) : result.body;
  commonHeaders(res, ctx);
  res.setHeader('X-ClickHouse-Format', result.format);
  res.setHeader('X-ClickHouse-Summary', summaryHeader(result));
  if (encoding) res.setHeader('Content-Encoding', encoding);
  finish(req, res, 200, contentTypeOf(result.format), body);
}

export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  err: ClickHouseHttpError,
): void {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  commonHeaders(res, ctx);
  res.setHeader('X-ClickHouse-Exception-Code', String(err.code));
  // The rest of an oversized body is not worth reading: close the connection after answering.
  if (err.type === 'QUERY_IS_TOO_LARGE') res.setHeader('Connection', 'close');
  finish(
    req,
    res,
    err.httpStatus,
    'text/plain; charset=UTF-8',
    Buffer.from(err.toBody(ctx.info.version)),
  );
}

function commonHeaders(res: ServerResponse, ctx: ResponseContext): void {
  res.setHeader('X-ClickHouse-Server-Display-Name', ctx.info.displayName);
  if (ctx.queryId !== undefined) res.setHeader('X-ClickHouse-Query-Id', ctx.queryId);
  res.setHeader('X-ClickHouse-Timezone', ctx.info.timezone);
}

function finish(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer,
): void {
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', body.length);
  res.writeHead(status);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** gzip, then deflate, then br, among those the client accepts (a q=0 entry refuses one). */
function acceptedEncoding(header: string | undefined): Encoding | undefined {
  const accepted = new Set(
    (header ?? '')
      .split(',')
      .map((part) => part.trim().toLowerCase().split(';'))
      .filter(([, q]) => !/^\s*q\s*=\s*0(\.0*)?\s*$/.test(q ?? ''))
      .map(([name]) => name),
  );
  return (['gzip', 'deflate', 'br'] as const).find((e) => accepted.has(e));
}

function summaryHeader(result: QueryResult): string {
  const { readRows, readBytes, elapsedSeconds } = result.summary;
  return JSON.stringify({
    read_rows: String(readRows),
    read_bytes: String(readBytes),
    written_rows: '0',
    written_bytes: '0',
    total_rows_to_read: '0',
    result_rows: String(readRows),
    result_bytes: String(result.body.length),
    elapsed_ns: String(Math.round(elapsedSeconds * 1e9)),
  });
}
