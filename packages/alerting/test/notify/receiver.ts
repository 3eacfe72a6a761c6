/**
 * A real HTTP receiver on 127.0.0.1 for notification tests: it records every request (method,
 * path, headers, raw body) and answers with scripted statuses (200 once the script is used up),
 * or never answers (`'hang'`). Tests wait for requests by event, not by sleeping.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The test clock's time when the request arrived. */
  readonly at: number;
  /** performance.now() when it arrived, for latency measurements. */
  readonly arrivedAt: number;
  /** The status answered. */
  readonly status: number | 'hang';
}

export type Answer =
  number | 'hang' | { status: number; body: string; headers?: Record<string, string> };

export class RecordingReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly script: Answer[] = [];
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private readonly hanging: ServerResponse[] = [];

  private constructor(
    private readonly server: Server,
    private readonly now: () => number,
  ) {}

  static async start(now: () => number = Date.now): Promise<RecordingReceiver> {
    const server = createServer();
    const receiver = new RecordingReceiver(server, now);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        receiver.answer(
          req.method!,
          req.url!,
          req.headers,
          Buffer.concat(chunks).toString('utf8'),
          res,
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** Base URL, e.g. http://127.0.0.1:40123 */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The answers to the next requests, in order. */
  answerWith(...answers: Answer[]): void {
    this.script.push(...answers);
  }

  /** Resolves once `count` requests have arrived in all. */
  received(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Parsed JSON bodies of the requests. */
  bodies<T = unknown>(): T[] {
    return this.requests.map((r) => JSON.parse(r.body) as T);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: string,
    res: ServerResponse,
  ): void {
    const answer = this.script.shift() ?? 200;
    const status = typeof answer === 'object' ? answer.status : answer;
    this.requests.push({
      method,
      path,
      headers,
      body,
      at: this.now(),
      arrivedAt: performance.now(),
      status,
    });
    if (answer === 'hang') this.hanging.push(res);
    else if (typeof answer === 'object')
      res.writeHead(answer.status, answer.headers).end(answer.body);
    else res.writeHead(answer).end();
    for (const waiter of this.waiters.filter((w) => this.requests.length >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}
