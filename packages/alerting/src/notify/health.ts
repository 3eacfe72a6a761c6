/**
 * Whether each integration of each contact point is getting its notifications through. One
 * that failed `failuresBeforeUnhealthy` attempts in a row, or gave up a delivery, is unhealthy
 * until an attempt succeeds; changes are reported as they happen, so the service can raise its
 * own alert and fail its readiness check rather than let notifications vanish unnoticed.
 */

export interface IntegrationHealth {
  readonly receiver: string;
  readonly integration: string;
  /** When the failures in a row began. */
  readonly since: number;
  readonly lastError: string;
  readonly failures: number;
}

export interface HealthChange extends IntegrationHealth {
  readonly healthy: boolean;
}

interface Streak {
  receiver: string;
  integration: string;
  since: number;
  lastError: string;
  failures: number;
  unhealthy: boolean;
}

export class DeliveryHealth {
  private readonly streaks = new Map<string, Streak>();

  constructor(
    private readonly failuresBeforeUnhealthy: number,
    private readonly onChange: (change: HealthChange) => void,
  ) {}

  succeeded(receiver: string, integration: string): void {
    const key = `${receiver}\u0000${integration}`;
    const streak = this.streaks.get(key);
    if (!streak) return;
    this.streaks.delete(key);
    if (streak.unhealthy) this.onChange({ ...view(streak), healthy: true });
  }

  failed(receiver: string, integration: string, at: number, error: string, gaveUp: boolean): void {
    const key = `${receiver}\u0000${integration}`;
    const streak = this.streaks.get(key) ?? {
      receiver,
      integration,
      since: at,
      lastError: error,
      failures: 0,
      unhealthy: false,
    };
    this.streaks.set(key, streak);
    streak.failures++;
    streak.lastError = error;
    if (!streak.unhealthy && (gaveUp || streak.failures >= this.failuresBeforeUnhealthy)) {
      streak.unhealthy = true;
      this.onChange({ ...view(streak), healthy: false });
    }
  }

  unhealthy(): IntegrationHealth[] {
    return [...this.streaks.values()].filter((s) => s.unhealthy).map(view);
  }
}

const view = (s: Streak): IntegrationHealth => ({
  receiver: s.receiver,
  integration: s.integration,
  since: s.since,
  lastError: s.lastError,
  failures: s.failures,
});
