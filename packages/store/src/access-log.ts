/**
 * Refused requests of agentmeter's own listeners (authentication failures, rate limiting), kept
 * in `access_events` so that a rule can alert on them (seed 000: more than 10 failures from one
 * address in an hour) and a dashboard can show them. Events are batched: one insert per second
 * at most, a bounded buffer (a flood of refused requests must not grow memory or hammer the
 * engine; what is dropped is counted), and never the credential itself.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { systemClock, type Clock, type Timer } from '@agentmeter/conventions';
import { Tables } from '@agentmeter/schema';
import type { IncomingMessage } from 'node:http';

export const AccessEvents = { AUTH_FAILED: 'auth_failed', RATE_LIMITED: 'rate_limited' } as const;
export type AccessEventKind = (typeof AccessEvents)[keyof typeof AccessEvents];

export interface AccessEvent {
  readonly at: number;
  /** `otlp`, `clickhouse-http`, `alerting`. */
  readonly listener: string;
  readonly event: AccessEventKind;
  readonly remoteAddress: string;
  /** The user name a request claimed (never its password or key). */
  readonly user: string;
  readonly method: string;
  /** Without the query string (it may carry credentials). */
  readonly path: string;
}

/** What a listener's answer says about access: 401/403 refused credentials, 429 a rate limit. */
export function accessEventOf(
  listener: string,
  req: IncomingMessage,
  status: number,
  at: number,
): AccessEvent | undefined {
  const event =
    status === 401 || status === 403
      ? AccessEvents.AUTH_FAILED
      : status === 429
        ? AccessEvents.RATE_LIMITED
        : undefined;
  if (event === undefined) return undefined;
  return {
    at,
    listener,
    event,
    remoteAddress: req.socket.remoteAddress ?? '',
    user: claimedUser(req),
    method: req.method ?? '',
    path: (req.url ?? '').split('?')[0]!.slice(0, 256),
  };
}

function claimedUser(req: IncomingMessage): string {
  const header = req.headers['x-clickhouse-user'];
  if (typeof header === 'string') return header.slice(0, 64);
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    return decoded.split(':')[0]!.slice(0, 64);
  }
  return '';
}

export interface AccessLogOptions {
  client: Pick<ClickHouseClient, 'insert'>;
  database: string;
  clock?: Clock;
  /** Events held while an insert is pending or the engine is away (default 10,000). */
  maxBuffered?: number;
  flushIntervalMs?: number;
  onError?: (error: unknown) => void;
}

export class AccessLog {
  private buffer: AccessEvent[] = [];
  private timer: Timer | undefined;
  private flushing: Promise<void> | undefined;
  /** Events dropped because the buffer was full. */
  dropped = 0;
  private readonly clock: Clock;

  constructor(private readonly o: AccessLogOptions) {
    this.clock = o.clock ?? systemClock;
  }

  record(e: AccessEvent): void {
    if (this.buffer.length >= (this.o.maxBuffered ?? 10_000)) {
      this.dropped++;
      return;
    }
    this.buffer.push(e);
    this.timer ??= this.clock.setTimer(() => void this.flush(), this.o.flushIntervalMs ?? 1_000, {
      background: true,
    });
  }

  /** Writes what is buffered; resolves when it is stored (or the insert failed and was reported). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    const batch = this.buffer;
    if (batch.length === 0) return;
    this.buffer = [];
    this.flushing = this.o.client
      .insert({
        table: `${this.o.database}.${Tables.ACCESS_EVENTS}`,
        format: 'JSONEachRow',
        values: batch.map((e) => ({
          at: new Date(e.at).toISOString(),
          listener: e.listener,
          event: e.event,
          remote_address: e.remoteAddress,
          user: e.user,
          method: e.method,
          path: e.path,
        })),
        clickhouse_settings: { date_time_input_format: 'best_effort' },
      })
      .then(
        () => undefined,
        (error: unknown) => {
          // Kept for the next flush, within the bound.
          this.buffer = [...batch, ...this.buffer].slice(0, this.o.maxBuffered ?? 10_000);
          this.o.onError?.(error);
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }
}
