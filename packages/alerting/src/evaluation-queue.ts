/**
 * Group evaluations waiting for the engine, earliest deadline first, those due together run as
 * one batch. Each group's evaluation is due within its interval; without a queue, a 1 s group's
 * statement waited behind every 1 m group's that was started before it (the embedded engine runs
 * bound statements one at a time), 2.5 s in `bench/alerting.mjs`, past its interval. Waiting
 * groups whose deadlines lie within `coalesceMs` of the earliest run in one batch (a batch starts
 * on the event loop's next turn, so groups whose timers fire together wait together): the evaluator
 * answers a batch with a few statements per window, so ten groups of 100 rules cost about what
 * one group of 1,000 does, not ten times as much. At most `concurrency` batches run at once:
 * enough to overlap one batch's statements with another's JavaScript, few enough that the batch
 * due next is never far from the head of the engine's line.
 */
import { DeadlineOrder } from './deadline-order.js';

export interface EvaluationQueueOptions<T> {
  concurrency: number;
  coalesceMs: number;
  /** `deadline`: the earliest of the batch's. */
  runBatch: (items: T[], deadline: number) => Promise<void>;
}

interface Waiting<T> {
  readonly item: T;
  readonly done: { resolve: () => void; reject: (e: unknown) => void };
}

export class EvaluationQueue<T> {
  private readonly waiting = new DeadlineOrder<Waiting<T>>();
  private running = 0;
  private starting = false;

  constructor(private readonly o: EvaluationQueueOptions<T>) {
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${o.concurrency}`);
    }
  }

  /** Resolves when the batch that took `item` has run; FIFO between equal deadlines. */
  add(deadline: number, item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.add(deadline, { item, done: { resolve, reject } });
      this.startSoon();
    });
  }

  /** Items waiting for a slot (for `/metrics`). */
  get length(): number {
    return this.waiting.length;
  }

  private startSoon(): void {
    if (this.starting) return;
    this.starting = true;
    setImmediate(() => {
      this.starting = false;
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.o.concurrency && this.waiting.length > 0) {
      const deadline = this.waiting.head!;
      const batch = this.waiting.takeThrough(deadline + this.o.coalesceMs);
      this.running++;
      this.o
        .runBatch(
          batch.map((w) => w.item),
          deadline,
        )
        .then(
          () => batch.forEach((w) => w.done.resolve()),
          (e: unknown) => batch.forEach((w) => w.done.reject(e)),
        )
        .finally(() => {
          this.running--;
          this.next();
        });
    }
  }
}
