/**
 * The OTLP/HTTP trace receiver: `POST /v1/traces` (protobuf or JSON, optionally gzip), plus
 * `/healthz`, `/readyz` and `/metrics`. Status codes follow the OTLP/HTTP specification:
 * 200 (with `partial_success` when spans were refused), 400 malformed, 401 unauthenticated,
 * 413 too large, 415 unsupported type or encoding, 429 back-pressure and 503 store unavailable
 * (both with Retry-After, the only two a client retries).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { listen, type ListenerLimits } from '@agentmeter/store';
import { BodyError, readBody, type BodyLimits } from './body.js';
import { BackpressureError } from './group-commit.js';
import { InsertError } from './span-store.js';
import {
  exportResponse,
  statusBody,
  type EncodedBody,
  type OtlpEncoding,
} from './otlp-response.js';
import { decodeTraceRequestJson } from './otlp/json.js';
import { decodeTraceRequestProtobuf } from './otlp/protobuf.js';
import { OtlpDecodeError, type DecodedTraceRequest } from './otlp/types.js';
import type { Pipeline } from './pipeline.js';

export interface ReceiverOptions extends BodyLimits, ListenerLimits {
  host: string;
  port: number;
  apiKeys: string[];
  /** Seconds a client is told to wait after 429/503. */
  retryAfterSeconds?: number;
}

export interface RunningReceiver {
  url: string;
  port: number;
  /** Stops accepting; in-flight requests finish (see `Listener.close`). */
  close(deadlineMs: number): Promise<void>;
}

/** gRPC status codes used in google.rpc.Status bodies. */
const Grpc = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNAUTHENTICATED: 16,
  UNAVAILABLE: 14,
  UNIMPLEMENTED: 12,
};

export async function startReceiver(
  pipeline: Pipeline,
  options: ReceiverOptions,
): Promise<RunningReceiver> {
  const keys = options.apiKeys.map((k) => Buffer.from(k));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') return sendText(res, 200, 'ok\n');
    if (req.method === 'GET' && path === '/readyz') {
      const ready = await pipeline.ready();
      return sendText(res, ready ? 200 : 503, ready ? 'ready\n' : 'store unavailable\n');
    }
    if (req.method === 'GET' && path === '/metrics') {
      return sendText(res, 200, pipeline.metrics.render(), 'text/plain; version=0.0.4');
    }
    if (path !== '/v1/traces')
      return respond(res, 404, statusBody('json', Grpc.UNIMPLEMENTED, `no route ${path}`));
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return respond(res, 405, statusBody('json', Grpc.UNIMPLEMENTED, 'use POST'));
    }
    const encoding = encodingOf(req.headers['content-type']);
    if (!encoding) {
      req.resume();
      return respond(
        res,
        415,
        statusBody(
          'json',
          Grpc.INVALID_ARGUMENT,
          `unsupported Content-Type '${req.headers['content-type'] ?? ''}' (application/x-protobuf or application/json)`,
        ),
      );
    }
    if (keys.length > 0 && !authorised(req, keys)) {
      req.resume();
      res.setHeader('WWW-Authenticate', 'Bearer');
      return respond(
        res,
        401,
        statusBody(encoding, Grpc.UNAUTHENTICATED, 'missing or wrong API key'),
      );
    }
    let body: Buffer;
    try {
      body = await readBody(req, options);
    } catch (err) {
      if (err instanceof BodyError) {
        if (err.status === 413) res.setHeader('Connection', 'close');
        return respond(res, err.status, statusBody(encoding, Grpc.INVALID_ARGUMENT, err.message));
      }
      throw err;
    }
    let request: DecodedTraceRequest;
    try {
      request =
        encoding === 'protobuf'
          ? decodeTraceRequestProtobuf(body)
          : decodeTraceRequestJson(body.toString('utf8'));
    } catch (err) {
      if (err instanceof OtlpDecodeError) {
        return respond(res, 400, statusBody(encoding, Grpc.INVALID_ARGUMENT, err.message));
      }
      throw err;
    }
    try {
      const outcome = await pipeline.ingest(request);
      return respond(res, 200, exportResponse(encoding, outcome.rejected, outcome.rejectMessage));
    } catch (err) {
      const retryAfter = String(options.retryAfterSeconds ?? 1);
      if (err instanceof BackpressureError) {
        res.setHeader('Retry-After', retryAfter);
        return respond(
          res,
          429,
          statusBody(encoding, Grpc.RESOURCE_EXHAUSTED, `ingester busy: ${err.message}`),
        );
      }
      if (err instanceof InsertError) {
        res.setHeader('Retry-After', retryAfter);
        return respond(res, 503, statusBody(encoding, Grpc.UNAVAILABLE, err.message));
      }
      throw err;
    }
  }

  function respond(res: ServerResponse, status: number, body: EncodedBody): void {
    pipeline.metrics.request(status);
    send(res, status, body);
  }

  const listener = await listen(
    'OTLP receiver',
    options.host,
    options.port,
    options,
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          respond(res, 500, statusBody('json', 13, `internal error: ${(err as Error).message}`));
      });
    },
    'otlp',
  );
  return { url: listener.url, port: listener.port, close: (ms) => listener.close(ms) };
}

function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

function authorised(req: IncomingMessage, keys: Buffer[]): boolean {
  const header = req.headers['authorization'];
  const presented =
    typeof header === 'string' && /^bearer /i.test(header)
      ? header.slice(7).trim()
      : (req.headers['x-api-key'] as string | undefined);
  if (!presented) return false;
  const given = Buffer.from(presented);
  return keys.some((k) => k.length === given.length && timingSafeEqual(k, given));
}

function send(res: ServerResponse, status: number, body: EncodedBody): void {
  res.writeHead(status, { 'Content-Type': body.contentType, 'Content-Length': body.body.length });
  res.end(body.body);
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
