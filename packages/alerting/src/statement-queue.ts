/**
 * The evaluator's statements wait for the engine in deadline order. A batch of 1,000 rules sends
 * its few statements at once; without an order, a 1 s group's one statement queued behind all of
 * them in the engine (4.8 s in `bench/alerting.mjs`, against its 2 s goal). The manager runs each
 * batch under its deadline (`withDeadline`); every statement of that batch, however deep in the
 * evaluator, waits with it (`AsyncLocalStorage`), so the evaluator needs no scheduling of its
 * own. The embedded engine runs bound statements one at a time anyway: one slot there, a few
 * for a server.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClickHouseClient } from '@clickhouse/client';
import { DeadlineOrder } from './deadline-order.js';

type QueryClient = Pick<ClickHouseClient, 'query'>;

const deadlines = new AsyncLocalStorage<number>();

/** Runs `task` with its statements queued at `deadline` (epoch ms; earlier goes first). */
export function withDeadline<T>(deadline: number, task: () => Promise<T>): Promise<T> {
  return deadlines.run(deadline, task);
}

export class StatementQueue {
  private readonly waiting = new DeadlineOrder<() => void>();
  private running = 0;

  constructor(private readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) {
      throw new RangeError(`slots must be a positive integer, got ${slots}`);
    }
  }

  /** `inner` with every query waiting for a slot; outside `withDeadline` a query goes last. */
  client(inner: QueryClient): QueryClient {
    const query = ((params: Parameters<QueryClient['query']>[0]) =>
      this.slot(deadlines.getStore() ?? Infinity, () =>
        inner.query(params),
      )) as QueryClient['query'];
    return { query };
  }

  private slot<T>(deadline: number, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        task()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.next();
          });
      };
      this.waiting.add(deadline, start);
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.slots && this.waiting.length > 0) this.waiting.shift()!();
  }
}
