/**
 * Fair shares of the engine between users: each user runs at most `concurrent` queries at once
 * and may have `queued` more waiting; past that a query is refused at once with
 * TOO_MANY_SIMULTANEOUS_QUERIES (HTTP 503, retryable) instead of queueing everyone
 * else out. The engine sessions themselves are a second, global bound (the executor's pool).
 */
import { ClickHouseHttpError } from '../errors.js';

interface UserQueue {
  running: number;
  waiting: (() => void)[];
}

export class UserGate {
  private readonly users = new Map<string, UserQueue>();

  constructor(
    private readonly concurrent: number,
    private readonly queued: number,
  ) {}

  /** Runs `task` within the user's share; refuses when the user's line is full. */
  async run<T>(user: string, signal: AbortSignal, task: () => Promise<T>): Promise<T> {
    let queue = this.users.get(user);
    if (!queue) this.users.set(user, (queue = { running: 0, waiting: [] }));
    if (queue.running >= this.concurrent) {
      if (queue.waiting.length >= this.queued) {
        throw ClickHouseHttpError.of(
          'TOO_MANY_SIMULTANEOUS_QUERIES',
          `Too many simultaneous queries for user ${user}: ${queue.running} running, ${queue.waiting.length} waiting (maximum ${this.concurrent} + ${this.queued}). Retry later`,
        );
      }
      await this.wait(queue, signal); // the finishing query hands its slot over
    } else {
      queue.running++;
    }
    try {
      return await task();
    } finally {
      const next = queue.waiting.shift();
      if (next) next();
      else if (--queue.running === 0) this.users.delete(user);
    }
  }

  private wait(queue: UserQueue, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        queue.waiting.splice(queue.waiting.indexOf(go), 1);
        reject(signal.reason);
      };
      const go = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      queue.waiting.push(go);
    });
  }
}
