/**
 * Provider token quotas per period (seed 000: weekly usage tokens against the quota limit).
 * The tracker answers whether a call's estimated tokens would exhaust the provider's quota;
 * what then happens is `quotaAction`'s and the router's. Usage is kept per minute for a bounded
 * history, so a quota whose period changes mid-period is re-summed from what was used, and a
 * changed token limit keeps the usage. Per process: see the README for fleets.
 */
import { QuotasConfigSchema, type QuotaConfig, type QuotasConfigInput } from './config.js';
import { TimeBuckets } from './time-buckets.js';
import { periodWindow, type Period, type PeriodWindow } from './period.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface QuotaCheck {
  readonly provider: string;
  /** `used + estimated` would pass the limit (or the limit is already reached). */
  readonly exhausted: boolean;
  /** Usage has reached `warn_at` of the limit. */
  readonly warning: boolean;
  /** Tokens used in the current period. */
  readonly used: number;
  /** Token limit of the period; Infinity for a provider without a quota. */
  readonly limit: number;
  /** Start of the next period; absent for a provider without a quota. */
  readonly resetsAt?: Date;
}

export interface QuotaWarningEvent {
  readonly provider: string;
  readonly used: number;
  readonly limit: number;
  readonly warnAt: number;
  readonly period: Period;
  readonly periodStart: Date;
  readonly resetsAt: Date;
}

export interface QuotaTrackerOptions {
  /** The `quotas` section: provider → `{ tokens, period, warn_at?, time_zone? }`. */
  quotas: QuotasConfigInput;
  /** Fires once per provider and period when usage reaches `warn_at` of the quota. */
  onWarning?: (event: QuotaWarningEvent) => void;
  /** Errors thrown by `onWarning` (default: `console.warn`). */
  onError?: (error: unknown) => void;
  /** Days of usage kept to re-sum a changed period (default 35). */
  historyDays?: number;
}

interface ProviderState {
  config: QuotaConfig;
  window: PeriodWindow | undefined;
  used: number;
  warned: boolean;
}

export class QuotaTracker {
  private states = new Map<string, ProviderState>();
  private readonly log: TimeBuckets<Map<string, number>>;
  private readonly onWarning: ((event: QuotaWarningEvent) => void) | undefined;
  private readonly onError: (error: unknown) => void;

  constructor(o: QuotaTrackerOptions) {
    this.log = new TimeBuckets(MINUTE, () => new Map(), (o.historyDays ?? 35) * DAY);
    this.onWarning = o.onWarning;
    this.onError = o.onError ?? ((e) => console.warn('agentmeter: onWarning failed:', e));
    this.update(o.quotas);
  }

  /** Replaces the quotas; a provider whose period and time zone stay keeps its usage and warning. */
  update(quotas: QuotasConfigInput): void {
    const previous = this.states;
    this.states = new Map();
    for (const [provider, config] of Object.entries(QuotasConfigSchema.parse(quotas))) {
      const old = previous.get(provider);
      const same =
        old && old.config.period === config.period && old.config.time_zone === config.time_zone;
      this.states.set(provider, {
        config,
        window: same ? old.window : undefined,
        used: same ? old.used : 0,
        warned: same ? old.warned && old.used >= warnTokens(config) : false,
      });
    }
  }

  check(provider: string, estimatedTokens: number, now: Date): QuotaCheck {
    const state = this.states.get(provider);
    if (!state) return { provider, exhausted: false, warning: false, used: 0, limit: Infinity };
    const window = this.current(state, provider, now.getTime());
    this.warn(state, provider, window);
    const used = window === state.window ? state.used : this.sum(provider, window);
    const limit = state.config.tokens;
    return {
      provider,
      exhausted: used >= limit || used + estimatedTokens > limit,
      warning: used >= warnTokens(state.config),
      used,
      limit,
      resetsAt: new Date(window.end),
    };
  }

  /** Records the tokens (input + output) of a call that started at `now`. */
  record(provider: string, tokens: number, now: Date): void {
    if (!Number.isSafeInteger(tokens) || tokens < 0) {
      throw new RangeError(`tokens must be a non-negative integer, got ${tokens}`);
    }
    const at = now.getTime();
    const state = this.states.get(provider);
    // Roll the window over first: a new window is re-summed from the log, without this call.
    const window = state ? this.current(state, provider, at) : undefined;
    const minute = this.log.bucket(at);
    minute.set(provider, (minute.get(provider) ?? 0) + tokens);
    if (state && window && window === state.window) {
      state.used += tokens;
      this.warn(state, provider, window);
    }
  }

  /** The state's window for `now`, rolled over (usage re-summed, warning re-armed) when it moved on. */
  private current(state: ProviderState, provider: string, now: number): PeriodWindow {
    const w = state.window;
    if (w && now >= w.start && now < w.end) return w;
    const next = periodWindow(state.config.period, state.config.time_zone, now);
    // A call from an earlier period is answered for that period without moving back.
    if (w && next.start < w.start) return next;
    state.window = next;
    state.used = this.sum(provider, next);
    state.warned = false;
    return next;
  }

  private sum(provider: string, window: PeriodWindow): number {
    let used = 0;
    for (const minute of this.log.between(window.start, window.end))
      used += minute.get(provider) ?? 0;
    return used;
  }

  private warn(state: ProviderState, provider: string, window: PeriodWindow): void {
    if (state.warned || state.window !== window || state.used < warnTokens(state.config)) return;
    state.warned = true;
    try {
      this.onWarning?.({
        provider,
        used: state.used,
        limit: state.config.tokens,
        warnAt: state.config.warn_at,
        period: state.config.period,
        periodStart: new Date(window.start),
        resetsAt: new Date(window.end),
      });
    } catch (error) {
      this.onError(error);
    }
  }
}

function warnTokens(c: QuotaConfig): number {
  return Math.ceil(c.warn_at * c.tokens);
}
