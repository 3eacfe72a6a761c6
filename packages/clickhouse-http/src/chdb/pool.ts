/**
 * A fixed set of engine sessions lent out one request at a time, with a bounded wait line. The
 * engine shares the machine's cores with ingestion, so past the line a query is refused (and the
 * client may retry) rather than piled up.
 */
import { ClickHouseHttpError } from '../errors.js';

interface Waiter<T> {
  resolve(item: T): void;
  reject(err: unknown): void;
}

export class Pool<T> {
  readonly #size: number;
  readonly #maxQueued: number;
  readonly #idle: T[];
  readonly #waiters: Waiter<T>[] = [];
  #closing: ((items: T[]) => void) | undefined;
  #closed = false;

  constructor(items: readonly T[], maxQueued: number) {
    this.#size = items.length;
    this.#idle = [...items];
    this.#maxQueued = maxQueued;
  }

  acquire(signal?: AbortSignal): Promise<T> {
    if (this.#closed)
      return Promise.reject(ClickHouseHttpError.of('STD_EXCEPTION', 'The server is shutting down'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const item = this.#idle.pop();
    if (item !== undefined) return Promise.resolve(item);
    if (this.#waiters.length >= this.#maxQueued) {
      return Promise.reject(
        ClickHouseHttpError.of(
          'TOO_MANY_SIMULTANEOUS_QUERIES',
          `Too many simultaneous queries: ${this.#size} running, ${this.#waiters.length} waiting. Retry later`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject,
      };
      const onAbort = (): void => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  release(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter.resolve(item);
      return;
    }
    this.#idle.push(item);
    if (this.#closing && this.#idle.length === this.#size) this.#closing(this.#idle.splice(0));
  }

  /** Refuses new work, fails the waiting, and resolves with every item once all are back. */
  close(): Promise<T[]> {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(ClickHouseHttpError.of('STD_EXCEPTION', 'The server is shutting down'));
    }
    if (this.#idle.length === this.#size) return Promise.resolve(this.#idle.splice(0));
    return new Promise((resolve) => (this.#closing = resolve));
  }
}
