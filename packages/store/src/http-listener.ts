/**
 * The HTTP listener every agentmeter service uses, with the limits a hostile or careless client
 * must not get around: a bound on open connections (a flood of idle sockets must not take the
 * file descriptors the engine needs), a deadline for the first request's headers counted from the
 * connection (so sockets that never send a byte are closed too), a keep-alive idle timeout, a
 * whole-request timeout, and a
 * graceful close that stops accepting, lets in-flight requests finish with `Connection: close`,
 * closes idle keep-alive connections at once, and cuts whatever is left at a deadline.
 */
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { accessEventOf, type AccessEvent } from './access-log.js';

export interface ListenerLimits {
  maxConnections: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Receiving a whole request may take at most this long. */
  requestTimeoutMs: number;
  /** Told of every answer that refused credentials or rate-limited (401, 403, 429). */
  onAccessRefused?: ((e: AccessEvent) => void) | undefined;
}

export interface Listener {
  readonly server: Server;
  /** e.g. `http://127.0.0.1:4318` */
  readonly url: string;
  readonly port: number;
  /** True from the moment `close` is called. */
  readonly closing: boolean;
  /**
   * Stops accepting, lets requests in flight finish (their responses close the connection),
   * and resolves once every connection is gone or `deadlineMs` has passed (then they are cut).
   */
  close(deadlineMs: number): Promise<void>;
}

/** A listener could not take its address; callers that know its settings explain it further. */
export class ListenError extends Error {
  readonly code = 'AGENTMETER_LISTEN_FAILED';
  /** Another socket already listens on the address (EADDRINUSE). */
  readonly addressInUse: boolean;

  constructor(
    /** What was to listen, e.g. `OTLP receiver`. */
    readonly what: string,
    readonly host: string,
    readonly port: number,
    cause: NodeJS.ErrnoException,
  ) {
    const inUse = cause.code === 'EADDRINUSE';
    super(
      inUse
        ? `${what}: ${host}:${port} is already in use (another agentmeter, or another program, listens there); stop it or choose another port`
        : `${what}: cannot listen on ${host}:${port}: ${cause.message}`,
      { cause },
    );
    this.addressInUse = inUse;
  }
}

/** How often Node checks the header and request deadlines (its default is 30 s). */
const DEADLINE_CHECK_MS = 1_000;

export async function listen(
  what: string,
  host: string,
  port: number,
  limits: ListenerLimits,
  handler: RequestListener,
  /** Short name in access events: `otlp`, `clickhouse-http`, `alerting`. */
  listenerName: string = what,
): Promise<Listener> {
  const active = new Set<ServerResponse>();
  /** Connections that have not yet delivered a request, and the timer that closes them. */
  const awaitingFirstRequest = new WeakMap<Socket, NodeJS.Timeout>();
  let closing = false;
  const server = createServer(
    { connectionsCheckingInterval: Math.min(DEADLINE_CHECK_MS, limits.headersTimeoutMs) },
    (req, res) => {
      const timer = awaitingFirstRequest.get(req.socket);
      if (timer) {
        clearTimeout(timer);
        awaitingFirstRequest.delete(req.socket);
      }
      active.add(res);
      const onAccess = limits.onAccessRefused;
      if (onAccess) {
        res.once('finish', () => {
          const e = accessEventOf(listenerName, req, res.statusCode, Date.now());
          if (e) onAccess(e);
        });
      }
      res.once('close', () => {
        active.delete(res);
        if (closing) server.closeIdleConnections();
      });
      if (closing) res.setHeader('Connection', 'close');
      handler(req, res);
    },
  );
  // Node's header deadline starts with the first byte: a socket that never sends one would be
  // kept forever. This one starts at the connection.
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    awaitingFirstRequest.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new ListenError(what, host, port, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    server,
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    get closing() {
      return closing;
    },
    close(deadlineMs) {
      closing = true;
      for (const res of active) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
      }
      return new Promise<void>((resolve) => {
        const deadline = setTimeout(() => server.closeAllConnections(), deadlineMs);
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
