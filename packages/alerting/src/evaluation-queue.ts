/**
 * Group evaluations waiting for the engine, earliest deadline first. Each group's evaluation is
 * due within its interval; without a queue, a 1 s group's statement waited behind every 1 m
 * group's that was started before it (the embedded engine runs bound statements one at a time),
 * 2.5 s in `bench/alerting.mjs`, past its interval. At most `concurrency` evaluations run at
 * once: enough to overlap one group's statements with another's JavaScript, few enough that the
 * one due next is never far from the head of the engine's line.
 */
export class EvaluationQueue {
  private readonly waiting: { deadline: number; seq: number; start: () => void }[] = [];
  private running = 0;
  private seq = 0;

  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
  }

  /** Runs `task` when no earlier deadline waits and a slot is free; FIFO between equal deadlines. */
  run<T>(deadline: number, task: () => Promise<T>): Promise<T> {
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
      this.waiting.push({ deadline, seq: this.seq++, start });
      this.waiting.sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
      this.next();
    });
  }

  /** Evaluations waiting for a slot (for `/metrics`). */
  get length(): number {
    return this.waiting.length;
  }

  private next(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      this.waiting.shift()!.start();
    }
  }
}
