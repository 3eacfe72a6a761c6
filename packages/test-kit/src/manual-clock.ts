/**
 * A clock that moves only when told: `advance(ms)` runs, in due order, every timer that falls
 * due; a `sleep` moves time forward by its own length at once (the sleeping caller owns the
 * clock) and is recorded. For tests of anything that takes a `Clock` (`@agentmeter/conventions`).
 */
import type { Clock, Timer } from '@agentmeter/conventions';

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  /** Every sleep asked for, in order. */
  readonly sleeps: number[] = [];
  private timers: Pending[] = [];
  private nextId = 0;

  constructor(public ms = Date.UTC(2026, 0, 15, 12)) {}

  now(): number {
    return this.ms;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.advance(ms);
  }

  setTimer(fn: () => void, ms: number): Timer {
    const id = this.nextId++;
    this.timers.push({ id, due: this.ms + Math.max(0, ms), fn });
    return id as unknown as Timer;
  }

  clearTimer(timer: Timer): void {
    this.timers = this.timers.filter((t) => t.id !== (timer as unknown as number));
  }

  /** Timers set and not yet run. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward, running each timer that falls due at its own time, earliest first. */
  advance(ms: number): void {
    const until = this.ms + ms;
    for (;;) {
      const next = this.timers
        .filter((t) => t.due <= until)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.ms = Math.max(this.ms, next.due);
      next.fn();
    }
    this.ms = until;
  }
}
