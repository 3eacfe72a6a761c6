/**
 * HTTP sessions (`session_id`), kept as ClickHouse keeps them: each is its user's own, serves one
 * request at a time (a concurrent one is refused with SESSION_IS_LOCKED, not queued), keeps the
 * `session_timeout` of the request that created it, and closes that long after its last request
 * ends. Their number is bounded: when all are taken a new session is refused, rather than a live
 * one evicted with its temporary tables.
 */
import type { Clock, Timer } from '@agentmeter/conventions';
import { ClickHouseHttpError } from '../errors.js';
import type { ExecutorSession, QueryExecutor } from '../executor.js';
import type { SessionLimits } from '../options.js';
import type { Principal } from './auth.js';
import type { SessionParams } from './request-params.js';

/** ClickHouse's `default_session_timeout`. */
const DEFAULT_TIMEOUT_SECONDS = 60;

interface Entry {
  readonly key: string;
  readonly state: ExecutorSession;
  readonly timeoutMs: number;
  busy: boolean;
  expiry: Timer | undefined;
}

export interface SessionLease {
  readonly state: ExecutorSession;
  /** Ends the request's hold; the session closes after its timeout, or now with `close_session`. */
  release(): void;
}

export class HttpSessions {
  readonly #sessions = new Map<string, Entry>();

  constructor(
    private readonly executor: QueryExecutor,
    private readonly limits: SessionLimits,
    private readonly clock: Clock,
  ) {}

  /** The session for this request, created unless `session_check=1`, held until released. */
  acquire(principal: Principal, params: SessionParams): SessionLease {
    const timeoutSeconds = this.timeoutOf(params);
    // A read-only login under a writer's name (an API key is any name's password) is someone else.
    const key = JSON.stringify([principal.name, principal.readonly, params.id]);
    const entry = this.#sessions.get(key) ?? this.create(key, params, timeoutSeconds);
    if (entry.busy) {
      throw ClickHouseHttpError.of(
        'SESSION_IS_LOCKED',
        `Session ${params.id} is locked by a concurrent client`,
      );
    }
    if (entry.expiry !== undefined) this.clock.clearTimer(entry.expiry);
    entry.busy = true;
    return { state: entry.state, release: () => this.release(entry, params.close) };
  }

  /** Closes every session (the server is stopping). */
  close(): void {
    for (const entry of this.#sessions.values()) this.end(entry);
  }

  private create(key: string, params: SessionParams, timeoutSeconds: number): Entry {
    if (params.check) {
      throw ClickHouseHttpError.of('SESSION_NOT_FOUND', `Session ${params.id} not found`);
    }
    const { maxSessions } = this.limits;
    if (this.#sessions.size >= maxSessions) {
      throw ClickHouseHttpError.of(
        'USER_SESSION_LIMIT_EXCEEDED',
        `Cannot open session ${params.id}: all ${maxSessions} sessions (maxSessions) are open. A session closes session_timeout seconds after its last query, or with close_session=1; reuse a session_id, or retry later`,
      );
    }
    const entry: Entry = {
      key,
      state: this.executor.openSession(),
      timeoutMs: timeoutSeconds * 1000,
      busy: false,
      expiry: undefined,
    };
    this.#sessions.set(key, entry);
    return entry;
  }

  private release(entry: Entry, close: boolean): void {
    entry.busy = false;
    if (this.#sessions.get(entry.key) !== entry) return; // closed meanwhile
    if (close) return this.end(entry);
    entry.expiry = this.clock.setTimer(() => this.end(entry), entry.timeoutMs, {
      background: true,
    });
  }

  private end(entry: Entry): void {
    if (entry.expiry !== undefined) this.clock.clearTimer(entry.expiry);
    this.#sessions.delete(entry.key);
    entry.state.close();
  }

  private timeoutOf(params: SessionParams): number {
    const { maxTimeoutSeconds } = this.limits;
    const seconds = params.timeoutSeconds ?? Math.min(DEFAULT_TIMEOUT_SECONDS, maxTimeoutSeconds);
    if (seconds > maxTimeoutSeconds) {
      throw ClickHouseHttpError.of(
        'INVALID_SESSION_TIMEOUT',
        `Session timeout '${seconds}' is larger than max_session_timeout: ${maxTimeoutSeconds} (clickhouseHttp.maxSessionTimeoutSeconds)`,
      );
    }
    return seconds;
  }
}
