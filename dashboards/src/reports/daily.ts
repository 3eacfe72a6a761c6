/**
 * Seed 004's daily summary (`generateRecommendations`): calls, success and error rates, the
 * health score and share of each provider, cost and cache savings against the day before, and
 * recommendations at the seed's severities (critical, warning, info).
 */
import { CostQueries, HealthQueries, UsageQueries } from '../queries.js';
import { ERROR_RATE_BANDS, HEALTH_SCORE_BANDS } from '@agentmeter/conventions';
import type { Panels } from './panels.js';

/** Seed 004's other numbers (the error-rate and health-score bands are in `seeds.ts`). */
export const DAILY_TRIGGERS = {
  /** `HYBRID_MIN_JOBS_FOR_ANALYSIS`: fewer calls get no verdict. */
  minCalls: 10,
  /** Cost anomaly: more than 25 % over the day before a warning, 50 % critical. */
  costIncrease: { warning: 0.25, critical: 0.5 },
  /** Trend early warning: the error rate up by more than half. */
  errorRateRise: 0.5,
  /** `calculateTrend`: within ±5 % is flat. */
  flat: 0.05,
} as const;

export const Severities = { CRITICAL: 'critical', WARNING: 'warning', INFO: 'info' } as const;
export type Severity = (typeof Severities)[keyof typeof Severities];

export interface Recommendation {
  readonly severity: Severity;
  readonly text: string;
}

export interface ProviderHealth {
  readonly provider: string;
  readonly calls: number;
  readonly share: number;
  readonly successRate: number;
  readonly p95Ms: number;
  readonly rateLimited: number;
  /** Undefined below the minimum volume. */
  readonly healthScore: number | undefined;
}

export interface Trend {
  readonly previous: number;
  readonly current: number;
  /** Relative change; undefined when the previous value is 0. */
  readonly change: number | undefined;
  readonly direction: 'up' | 'down' | 'flat';
}

export interface DailySummary {
  readonly from: number;
  readonly to: number;
  readonly label: string;
  readonly generatedAt: number;
  readonly calls: number;
  readonly successRate: number;
  readonly errorRate: number;
  /** The lowest score of a provider with enough calls: the fleet is as healthy as its worst. */
  readonly healthScore: number | undefined;
  readonly providers: ProviderHealth[];
  readonly cost: Trend;
  readonly errorTrend: Trend;
  readonly cacheSavedUsd: number;
  readonly cacheHitRate: number;
  readonly recommendations: Recommendation[];
}

type Num = number | string | null;
const n = (v: Num): number => (v === null ? NaN : Number(v));
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function trend(previous: number, current: number): Trend {
  const change = previous > 0 ? current / previous - 1 : undefined;
  const direction =
    change === undefined
      ? current > 0
        ? 'up'
        : 'flat'
      : change > DAILY_TRIGGERS.flat
        ? 'up'
        : change < -DAILY_TRIGGERS.flat
          ? 'down'
          : 'flat';
  return { previous, current, change, direction };
}

export async function dailySummary(
  p: Panels,
  o: { label: string; generatedAt: number },
): Promise<DailySummary> {
  const before = p.previous();
  const [calls, errors, prevErrors, cost, prevCost, cache, status] = await Promise.all([
    p.row<{ calls: Num }>(UsageQueries.requests),
    p.row<{ error_rate: Num }>(UsageQueries.errorRate),
    before.row<{ error_rate: Num }>(UsageQueries.errorRate),
    p.row<{ spend_usd: Num }>(UsageQueries.costUsd),
    before.row<{ spend_usd: Num }>(UsageQueries.costUsd),
    p.row<{ saved_usd: Num; hit_rate: Num }>(CostQueries.cacheSavings),
    p.rows<{
      provider: string;
      calls: Num;
      success_rate: Num;
      p95_ms: Num;
      rate_limited: Num;
      health_score: Num;
    }>(HealthQueries.providerStatus),
  ]);
  const total = n(calls.calls);
  const errorRate = total > 0 ? n(errors.error_rate) : 0;
  const prevErrorRate = n(prevErrors.error_rate);
  const providers = status.map((r): ProviderHealth => ({
    provider: r.provider,
    calls: n(r.calls),
    share: n(r.calls) / total,
    successRate: n(r.success_rate),
    p95Ms: n(r.p95_ms),
    rateLimited: n(r.rate_limited),
    healthScore: n(r.calls) >= DAILY_TRIGGERS.minCalls ? n(r.health_score) : undefined,
  }));
  const scores = providers.flatMap((r) => (r.healthScore === undefined ? [] : [r.healthScore]));
  const summary = {
    from: p.period.from,
    to: p.period.to,
    label: o.label,
    generatedAt: o.generatedAt,
    calls: total,
    successRate: 1 - errorRate,
    errorRate,
    healthScore: scores.length ? Math.min(...scores) : undefined,
    providers,
    cost: trend(n(prevCost.spend_usd), n(cost.spend_usd)),
    errorTrend: trend(Number.isFinite(prevErrorRate) ? prevErrorRate : 0, errorRate),
    cacheSavedUsd: n(cache.saved_usd),
    cacheHitRate: total > 0 ? n(cache.hit_rate) : 0,
  };
  return { ...summary, recommendations: recommend(summary) };
}

/** Seed 004's recommendations, most severe first; "performing well" when nothing is wrong. */
export function recommend(s: Omit<DailySummary, 'recommendations'>): Recommendation[] {
  const out: Recommendation[] = [];
  const add = (severity: Severity, text: string) => out.push({ severity, text });
  if (s.calls < DAILY_TRIGGERS.minCalls) {
    add(
      Severities.INFO,
      `${s.calls} calls: too few to judge (at least ${DAILY_TRIGGERS.minCalls})`,
    );
    return out;
  }
  if (s.errorRate > ERROR_RATE_BANDS.critical)
    add(
      Severities.CRITICAL,
      `Error rate ${pct(s.errorRate)} is above 5 %: find the failing provider or model, consider rolling back the last change`,
    );
  else if (s.errorRate > ERROR_RATE_BANDS.warning)
    add(Severities.WARNING, `Error rate ${pct(s.errorRate)} is above 2.5 %: monitor closely`);
  for (const p of s.providers) {
    if (p.healthScore === undefined) continue;
    if (p.healthScore < HEALTH_SCORE_BANDS.critical)
      add(
        Severities.CRITICAL,
        `${p.provider} health score ${p.healthScore.toFixed(0)} is below 50: move its traffic to another provider`,
      );
    else if (p.healthScore < HEALTH_SCORE_BANDS.warning)
      add(
        Severities.WARNING,
        `${p.provider} health score ${p.healthScore.toFixed(0)} is below 70: check its errors, latency and rate limits`,
      );
  }
  const cost = s.cost.change;
  if (cost !== undefined && cost > DAILY_TRIGGERS.costIncrease.critical)
    add(
      Severities.CRITICAL,
      `Cost rose ${pct(cost)} on the day before: a spike, check the top models and projects`,
    );
  else if (cost !== undefined && cost > DAILY_TRIGGERS.costIncrease.warning)
    add(Severities.WARNING, `Cost rose ${pct(cost)} on the day before: an unexpected increase`);
  const rise = s.errorTrend.change;
  if (rise !== undefined && rise > DAILY_TRIGGERS.errorRateRise && s.errorRate > 0)
    add(Severities.WARNING, `Monitor error rate trending: up ${pct(rise)} on the day before`);
  for (const p of s.providers)
    if (p.healthScore === undefined)
      add(Severities.INFO, `${p.provider}: ${p.calls} calls, too few to score`);
  if (!out.some((r) => r.severity !== Severities.INFO))
    add(Severities.INFO, 'System performing well');
  return out;
}
