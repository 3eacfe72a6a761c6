/**
 * Time as code that decides something sees it: the router's retries and cooldowns, the
 * ingester's group commit, the alert state machine. Injected everywhere, so tests drive time
 * with a manual clock (`@agentmeter/test-kit`) instead of sleeping.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  /**
   * Calls `fn` once after `ms` milliseconds, unless cleared. A `background` timer (a periodic
   * refresh) does not keep the process alive on its own.
   */
  setTimer(fn: () => void, ms: number, options?: TimerOptions): Timer;
  clearTimer(timer: Timer): void;
}

export interface TimerOptions {
  background?: boolean;
}

/** An opaque timer handle of the clock that made it. */
export type Timer = { readonly __timer: unique symbol } | ReturnType<typeof setTimeout>;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  setTimer: (fn, ms, options) => {
    const timer = setTimeout(fn, ms);
    return options?.background ? timer.unref() : timer;
  },
  clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};
