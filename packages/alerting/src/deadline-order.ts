/**
 * Items waiting in deadline order, first come first between equal deadlines: the order both the
 * group evaluations (`evaluation-queue.ts`) and their statements (`statement-queue.ts`) wait in.
 */
export class DeadlineOrder<T> {
  private readonly waiting: { deadline: number; seq: number; item: T }[] = [];
  private seq = 0;

  add(deadline: number, item: T): void {
    this.waiting.push({ deadline, seq: this.seq++, item });
    this.waiting.sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
  }

  get length(): number {
    return this.waiting.length;
  }

  /** The earliest deadline waiting (undefined when none). */
  get head(): number | undefined {
    return this.waiting[0]?.deadline;
  }

  /** Removes and returns every item due by `until`, earliest first. */
  takeThrough(until: number): T[] {
    const count = this.waiting.findIndex((w) => w.deadline > until);
    return this.waiting.splice(0, count === -1 ? this.waiting.length : count).map((w) => w.item);
  }

  /** Removes and returns the earliest item. */
  shift(): T | undefined {
    return this.waiting.shift()?.item;
  }
}
