/**
 * LiteLLM's cooldown, per provider: more than `allowed_fails` failures within a window of
 * `window_seconds` cools the provider down for `cooldown_seconds`, and the router skips it
 * (to a fallback) until then. Only failures that say something about the provider count;
 * a request's own faults (validation, context window, content policy) never do, as LiteLLM
 * never cools down on a 400.
 */
import type { RoutingConfig } from '../config/schema.js';
import type { ProviderErrorKind } from '../types.js';

const PROVIDER_FAULTS: ReadonlySet<ProviderErrorKind> = new Set([
  'rate_limit',
  'timeout',
  'network',
  'server',
  'auth',
]);

interface ProviderState {
  windowStart: number;
  fails: number;
  coolUntil: number;
}

export class CooldownTracker {
  readonly #allowedFails: number;
  readonly #windowMs: number;
  readonly #cooldownMs: number;
  readonly #states = new Map<string, ProviderState>();

  constructor(settings: RoutingConfig['cooldown']) {
    this.#allowedFails = settings.allowed_fails;
    this.#windowMs = settings.window_seconds * 1000;
    this.#cooldownMs = settings.cooldown_seconds * 1000;
  }

  /** Counts a failed call; returns true when it started a cooldown. */
  fail(provider: string, kind: ProviderErrorKind, now: number): boolean {
    if (!PROVIDER_FAULTS.has(kind)) return false;
    let state = this.#states.get(provider);
    if (state === undefined) {
      state = { windowStart: now, fails: 0, coolUntil: 0 };
      this.#states.set(provider, state);
    }
    if (now - state.windowStart >= this.#windowMs) {
      state.windowStart = now;
      state.fails = 0;
    }
    state.fails++;
    if (state.fails <= this.#allowedFails) return false;
    state.coolUntil = now + this.#cooldownMs;
    state.windowStart = now;
    state.fails = 0;
    return true;
  }

  isCooling(provider: string, now: number): boolean {
    const state = this.#states.get(provider);
    return state !== undefined && now < state.coolUntil;
  }
}
