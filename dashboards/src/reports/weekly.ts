/**
 * Seed 000's weekly report (its `generate_weekly_report`), its seven sections measured by the
 * dashboards' own panels, each with the seed's decision triggers evaluated. Section 7 replaces
 * the CI security scans, which agentmeter does not see, with agentmeter's own checks: calls the
 * price catalog could not price (cost missing, not $0) and alert notifications that fail.
 */
import { AccessEvents } from '@agentmeter/store';
import {
  AlertQueries,
  CostQueries,
  RoutingQueries,
  TenancyQueries,
  UsageQueries,
} from '../queries.js';
import {
  AUTH_FAILURES_PER_HOUR_ALERT,
  BEST_FIRST_SPEND_BANDS,
  ESCALATION_BANDS,
  EXPECTED_CATEGORY_SHARE,
} from '@agentmeter/conventions';
import { DecisionLevels, mostUrgent, type Finding } from './decisions.js';
import type { Panels } from './panels.js';
import { BEST_FIRST_ESCALATION } from './queries.js';

/** The seed's other trigger values (the bands the dashboards draw too are in `seeds.ts`). */
export const WEEKLY_TRIGGERS = {
  /** "High-risk category >10% of total phases". */
  highRiskShare: 0.1,
  /** Item 1 ❌ "Most phases uncategorized", or in the fallback category: detection is failing. */
  mostCalls: 0.5,
  /** Item 1: a category "matches" within half its expected share either way (`<` bounds: below). */
  expectationTolerance: 0.5,
  /** "Cost trend increasing >20% week-over-week". */
  costTrend: 0.2,
  /** Item 5: "any single category >50% of spend, investigate why". */
  singleCategorySpend: 0.5,
  /** ">10 rate limit hits from legitimate users" (every refused address counts). */
  rateLimitHits: 10,
  /** A ratio says little on fewer calls (seed 004's minimum volume, the default rules' too). */
  minCalls: 10,
} as const;

/** The seed's fallback when no heuristic matches (`detect_category`). */
const FALLBACK_CATEGORY = 'core_backend_high';

type Num = number | string | null;
/** ClickHouse's JSON quotes 64-bit integers and prints NaN as null. */
const n = (v: Num): number => (v === null ? NaN : Number(v));

export interface CategoryRow {
  readonly category: string;
  readonly calls: number;
  readonly share: number;
  /** The seed's expected share; undefined for a category it does not name. */
  readonly expected: number | undefined;
  readonly matches: boolean | undefined;
}

export interface EscalationRow {
  readonly category: string;
  readonly calls: number;
  readonly escalations: number;
  readonly rate: number;
  readonly band: string;
}

export interface CostRow {
  readonly category: string;
  readonly usd: number;
  readonly share: number;
  readonly calls: number;
}

export interface QuotaRow {
  readonly category: string;
  readonly provider: string;
  readonly severity: 'CRITICAL' | 'WARNING' | '';
  readonly quotaBlocks: number;
  readonly budgetBlocks: number;
  readonly downgrades: number;
}

export interface AccessSource {
  readonly address: string;
  readonly listener: string;
  readonly user: string;
  readonly events: number;
  readonly maxPerHour: number;
}

export interface UnpricedRow {
  readonly provider: string;
  readonly model: string;
  readonly calls: number;
  readonly share: number;
}

export interface DeliveryRow {
  readonly receiver: string;
  readonly integration: string;
  readonly sent: number;
  readonly failed: number;
  readonly lastError: string;
}

interface Section {
  readonly findings: Finding[];
}

export interface WeeklyReport {
  readonly from: number;
  readonly to: number;
  readonly label: string;
  readonly generatedAt: number;
  readonly categories: Section & { calls: number; rows: CategoryRow[] };
  readonly escalation: Section & { rows: EscalationRow[]; bestFirst: EscalationRow[] };
  readonly cost: Section & {
    usd: number;
    previousUsd: number;
    /** Against the week before; undefined when that week cost nothing. */
    change: number | undefined;
    bestFirstShare: number;
    rows: CostRow[];
  };
  readonly quota: Section & { rows: QuotaRow[] };
  readonly auth: Section & { failures: number; sources: AccessSource[] };
  readonly rateLimits: Section & { hits: number; sources: AccessSource[] };
  readonly checks: Section & { unpriced: UnpricedRow[]; deliveries: DeliveryRow[] };
}

const finding = (level: Finding['level'], trigger: string, detail: string): Finding => ({
  level,
  trigger,
  detail,
});
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const ok = (trigger: string, detail: string) => [finding(DecisionLevels.NONE, trigger, detail)];

/** Seed 000's escalation bands, read as the seed lists them (most severe first). */
export function escalationBand(rate: number, highRisk: boolean): string {
  if (rate > ESCALATION_BANDS.switchToBestFirst) return 'switch to best_first (> 80 %)';
  if (rate > ESCALATION_BANDS.upgradePrimary) return 'upgrade primary model (> 50 %)';
  if (rate >= ESCALATION_BANDS.healthyFrom && rate <= ESCALATION_BANDS.healthyTo)
    return 'well tuned (10–30 %)';
  if (rate < ESCALATION_BANDS.oversized)
    return highRisk ? 'below 5 % (security category: keep)' : 'downgrade primary model (< 5 %)';
  return 'watch (outside 10–30 %)';
}

async function categories(
  p: Panels,
  highRisk: readonly string[],
): Promise<WeeklyReport['categories']> {
  const raw = await p.rows<{ category: string; calls: Num; share: Num }>(
    RoutingQueries.categoryDistribution,
  );
  const rows = raw.map((r): CategoryRow => {
    const share = n(r.share);
    const expected = EXPECTED_CATEGORY_SHARE[r.category];
    const tolerance = WEEKLY_TRIGGERS.expectationTolerance;
    const matches =
      expected === undefined
        ? undefined
        : highRisk.includes(r.category)
          ? share <= expected
          : Math.abs(share - expected) <= expected * tolerance;
    return { category: r.category, calls: n(r.calls), share, expected, matches };
  });
  const calls = rows.reduce((s, r) => s + r.calls, 0);
  const findings: Finding[] = [];
  for (const r of rows) {
    if (highRisk.includes(r.category) && r.share > WEEKLY_TRIGGERS.highRiskShare)
      findings.push(
        finding(
          DecisionLevels.THIS_WEEK,
          'High-risk category >10% of total phases',
          `${r.category} is ${pct(r.share)} of the calls: the category is too broad, split it`,
        ),
      );
    if (
      (r.category === '' || r.category === FALLBACK_CATEGORY) &&
      r.share > WEEKLY_TRIGGERS.mostCalls
    )
      findings.push(
        finding(
          DecisionLevels.THIS_WEEK,
          'Most phases uncategorized (or in the fallback category)',
          `${r.category || 'no category'} holds ${pct(r.share)} of the calls: improve the detection heuristics`,
        ),
      );
  }
  // A high-risk category over 10 % is already flagged, more urgently.
  const off = rows.filter(
    (r) =>
      r.matches === false &&
      !(highRisk.includes(r.category) && r.share > WEEKLY_TRIGGERS.highRiskShare),
  );
  if (off.length > 0)
    findings.push(
      finding(
        DecisionLevels.DEEP_DIVE,
        'Category distribution differs from expectations',
        off.map((r) => `${r.category} ${pct(r.share)} (expected ${pct(r.expected!)})`).join(', '),
      ),
    );
  return {
    calls,
    rows,
    findings: findings.length
      ? findings
      : ok('Category distribution matches expectations', `${calls} calls`),
  };
}

/** The escalation panel's row (and the best_first query's, which names its columns alike). */
const escalationRow = (
  r: { category: string; calls: Num; escalated_calls: Num; escalation_rate: Num },
  highRisk: readonly string[],
): EscalationRow => ({
  category: r.category,
  calls: n(r.calls),
  escalations: n(r.escalated_calls),
  rate: n(r.escalation_rate),
  band: escalationBand(n(r.escalation_rate), highRisk.includes(r.category)),
});

async function escalation(
  p: Panels,
  highRisk: readonly string[],
): Promise<WeeklyReport['escalation']> {
  type Raw = Parameters<typeof escalationRow>[0];
  const row = (r: Raw) => escalationRow(r, highRisk);
  const rows = (await p.rows<Raw>(RoutingQueries.escalationRateByCategory)).map(row);
  const bestFirst = (await p.bound<Raw>(BEST_FIRST_ESCALATION)).map(row);
  const judged = (r: EscalationRow) => r.calls >= WEEKLY_TRIGGERS.minCalls;
  const findings: Finding[] = [];
  for (const r of bestFirst.filter(judged))
    if (r.rate > ESCALATION_BANDS.upgradePrimary)
      findings.push(
        finding(
          DecisionLevels.IMMEDIATE,
          '>50% escalation rate for best_first category',
          `${r.category}: ${pct(r.rate)} of ${r.calls} calls ran on an escalation model`,
        ),
      );
  for (const r of rows.filter(judged)) {
    const detail = `${r.category}: ${pct(r.rate)} of ${r.calls} calls`;
    if (r.rate > ESCALATION_BANDS.switchToBestFirst)
      findings.push(
        finding(
          DecisionLevels.THIS_WEEK,
          'Escalation rate >80% for any progressive category',
          `${detail}: switch it to best_first`,
        ),
      );
    else if (r.rate > ESCALATION_BANDS.upgradePrimary)
      findings.push(
        finding(
          DecisionLevels.DEEP_DIVE,
          'Escalation rate 50-80% for progressive category',
          `${detail}: upgrade the primary model`,
        ),
      );
    else if (r.rate < ESCALATION_BANDS.oversized && !highRisk.includes(r.category))
      findings.push(
        finding(
          DecisionLevels.DEEP_DIVE,
          'Escalation <5%: overpaying for the primary model',
          `${detail}: consider a cheaper primary`,
        ),
      );
  }
  return {
    rows,
    bestFirst,
    findings: findings.length
      ? findings
      : ok(
          'Escalation rates within expected ranges',
          `${rows.filter(judged).length} categories with ${WEEKLY_TRIGGERS.minCalls}+ calls`,
        ),
  };
}

async function cost(p: Panels): Promise<WeeklyReport['cost']> {
  const [total, previous, share, byCategory] = await Promise.all([
    p.row<{ spend_usd: Num }>(UsageQueries.costUsd),
    p.previous().row<{ spend_usd: Num }>(UsageQueries.costUsd),
    p.row<{ best_first_share: Num }>(CostQueries.bestFirstShare),
    p.rows<{ key: string; spend_usd: Num; share: Num; calls: Num }>(CostQueries.costByGroup, {
      groupby: 'category',
    }),
  ]);
  const usd = n(total.spend_usd);
  const previousUsd = n(previous.spend_usd);
  const change = previousUsd > 0 ? usd / previousUsd - 1 : undefined;
  const bestFirstShare = n(share.best_first_share);
  const rows = byCategory.map((r) => ({
    category: r.key,
    usd: n(r.spend_usd),
    share: n(r.share),
    calls: n(r.calls),
  }));
  const findings: Finding[] = [];
  if (bestFirstShare > BEST_FIRST_SPEND_BANDS.tooBroad)
    findings.push(
      finding(
        DecisionLevels.THIS_WEEK,
        'Best_first categories >40% of total cost',
        `best_first took ${pct(bestFirstShare)} of the spend`,
      ),
    );
  if (change !== undefined && change > WEEKLY_TRIGGERS.costTrend)
    findings.push(
      finding(
        DecisionLevels.DEEP_DIVE,
        'Cost trend increasing >20% week-over-week',
        `$${usd.toFixed(2)} against $${previousUsd.toFixed(2)} the week before (+${pct(change)})`,
      ),
    );
  for (const r of rows)
    if (r.share > WEEKLY_TRIGGERS.singleCategorySpend)
      findings.push(
        finding(
          DecisionLevels.DEEP_DIVE,
          'A single category >50% of spend',
          `${r.category || 'no category'} took ${pct(r.share)}: investigate why`,
        ),
      );
  return {
    usd,
    previousUsd,
    change,
    bestFirstShare,
    rows,
    findings: findings.length
      ? findings
      : ok(
          'Cost stable or decreasing',
          change === undefined
            ? 'no spend the week before'
            : `${change >= 0 ? '+' : ''}${pct(change)} week-over-week`,
        ),
  };
}

async function quota(p: Panels, highRisk: readonly string[]): Promise<WeeklyReport['quota']> {
  const raw = await p.rows<{
    category: string;
    provider: string;
    quota_blocks: Num;
    budget_blocks: Num;
    downgrades: Num;
  }>(RoutingQueries.quotaIncidentsByCategory);
  const rows = raw.map((r): QuotaRow => {
    const quotaBlocks = n(r.quota_blocks);
    return {
      category: r.category,
      provider: r.provider,
      severity: quotaBlocks === 0 ? '' : highRisk.includes(r.category) ? 'CRITICAL' : 'WARNING',
      quotaBlocks,
      budgetBlocks: n(r.budget_blocks),
      downgrades: n(r.downgrades),
    };
  });
  const findings = rows
    .filter((r) => r.severity !== '')
    .map((r) =>
      r.severity === 'CRITICAL'
        ? finding(
            DecisionLevels.IMMEDIATE,
            'Critical quota incident (never_fallback category blocked)',
            `${r.quotaBlocks} ${r.category} calls blocked on ${r.provider}`,
          )
        : finding(
            DecisionLevels.DEEP_DIVE,
            'Quota incidents: acceptable at 1-2 a month, monitor the trend',
            `${r.quotaBlocks} ${r.category || 'uncategorized'} calls blocked on ${r.provider}`,
          ),
    );
  return {
    rows,
    findings: findings.length
      ? findings
      : ok('Zero quota incidents', 'no call was blocked by a quota'),
  };
}

type RawSource = {
  remote_address: string;
  listener: string;
  event: string;
  claimed_user: string;
  events: Num;
  max_per_hour: Num;
};

const sourcesOf = (raw: RawSource[], event: string): AccessSource[] =>
  raw
    .filter((r) => r.event === event)
    .map((r) => ({
      address: r.remote_address,
      listener: r.listener,
      user: r.claimed_user,
      events: n(r.events),
      maxPerHour: n(r.max_per_hour),
    }));

async function access(p: Panels): Promise<Pick<WeeklyReport, 'auth' | 'rateLimits'>> {
  const [totals, raw] = await Promise.all([
    p.row<{ auth_failures: Num; rate_limited: Num }>(TenancyQueries.accessTotals),
    p.rows<RawSource>(TenancyQueries.accessSources),
  ]);
  const failures = n(totals.auth_failures);
  const hits = n(totals.rate_limited);
  const authSources = sourcesOf(raw, AccessEvents.AUTH_FAILED);
  const limitSources = sourcesOf(raw, AccessEvents.RATE_LIMITED);
  const attacks = authSources
    .filter((s) => s.maxPerHour > AUTH_FAILURES_PER_HOUR_ALERT)
    .map((s) =>
      finding(
        DecisionLevels.IMMEDIATE,
        '>10 auth failures from single IP in 1 hour',
        `${s.address} (${s.listener}): ${s.maxPerHour} in one hour, ${s.events} this week`,
      ),
    );
  const limitFindings =
    hits > WEEKLY_TRIGGERS.rateLimitHits
      ? [
          finding(
            DecisionLevels.DEEP_DIVE,
            '>10 rate limit hits from legitimate users',
            `${hits} rate-limited requests from ${new Set(limitSources.map((s) => s.address)).size} addresses`,
          ),
        ]
      : ok('Rate limit hits within normal usage', `${hits} rate-limited requests`);
  return {
    auth: {
      failures,
      sources: authSources,
      findings: attacks.length
        ? attacks
        : ok('Zero or minimal auth failures', `${failures} refused credentials`),
    },
    rateLimits: { hits, sources: limitSources, findings: limitFindings },
  };
}

async function checks(p: Panels): Promise<WeeklyReport['checks']> {
  const [unpricedRaw, deliveriesRaw] = await Promise.all([
    p.rows<{ provider: string; request_model: string; unpriced_calls: Num; unpriced_share: Num }>(
      UsageQueries.unpricedByModel,
    ),
    p.rows<{ receiver: string; integration: string; sent: Num; failed: Num; last_error: string }>(
      AlertQueries.deliveriesByReceiver,
    ),
  ]);
  const unpriced = unpricedRaw.map((r) => ({
    provider: r.provider,
    model: r.request_model,
    calls: n(r.unpriced_calls),
    share: n(r.unpriced_share),
  }));
  const deliveries = deliveriesRaw.map((r) => ({
    receiver: r.receiver,
    integration: r.integration,
    sent: n(r.sent),
    failed: n(r.failed),
    lastError: r.last_error,
  }));
  const findings: Finding[] = [];
  for (const d of deliveries.filter((d) => d.failed > 0))
    findings.push(
      d.sent === 0
        ? finding(
            DecisionLevels.IMMEDIATE,
            'Alert notifications reach nobody',
            `${d.receiver} (${d.integration}): ${d.failed} failed attempts, none delivered; last error: ${d.lastError}`,
          )
        : finding(
            DecisionLevels.THIS_WEEK,
            'Alert notifications failing',
            `${d.receiver} (${d.integration}): ${d.failed} failed attempts beside ${d.sent} delivered`,
          ),
    );
  const unpricedCalls = unpriced.reduce((s, r) => s + r.calls, 0);
  if (unpricedCalls > 0)
    findings.push(
      finding(
        DecisionLevels.THIS_WEEK,
        'Unpriced calls: their cost is missing from every total',
        `${unpricedCalls} calls of ${unpriced.length} models: add them to the price overrides`,
      ),
    );
  return {
    unpriced,
    deliveries,
    findings: findings.length
      ? findings
      : ok(
          'Every call priced, every notification delivered',
          `${deliveries.reduce((s, d) => s + d.sent, 0)} notifications sent`,
        ),
  };
}

export interface WeeklyOptions {
  readonly label: string;
  readonly generatedAt: number;
  /**
   * The high-risk categories: the routing config's `never_fallback_categories` (seed 000's
   * three by default, which the alerting rules name too). Their quota blocks are critical.
   */
  readonly highRisk: readonly string[];
}

export async function weeklyReport(p: Panels, o: WeeklyOptions): Promise<WeeklyReport> {
  const [c, e, k, q, a, x] = await Promise.all([
    categories(p, o.highRisk),
    escalation(p, o.highRisk),
    cost(p),
    quota(p, o.highRisk),
    access(p),
    checks(p),
  ]);
  return {
    from: p.period.from,
    to: p.period.to,
    label: o.label,
    generatedAt: o.generatedAt,
    categories: c,
    escalation: e,
    cost: k,
    quota: q,
    ...a,
    checks: x,
  };
}

/** The seed's seven sections, in its order, by the report field that holds each. */
export const WEEKLY_SECTIONS = [
  ['categories', '1. Category Distribution'],
  ['escalation', '2. Escalation Rates'],
  ['cost', '3. Cost Breakdown'],
  ['quota', '4. Quota Incidents'],
  ['auth', '5. Authentication Metrics'],
  ['rateLimits', '6. Rate Limiting Metrics'],
  ['checks', '7. agentmeter Checks (in place of CI security scans)'],
] as const satisfies readonly (readonly [keyof WeeklyReport, string])[];

/** Every finding of the report with its section title. */
export function weeklyFindings(r: WeeklyReport): { section: string; finding: Finding }[] {
  return WEEKLY_SECTIONS.flatMap(([key, section]) =>
    r[key].findings.map((finding) => ({ section, finding })),
  );
}

export const weeklyVerdict = (r: WeeklyReport) =>
  mostUrgent(weeklyFindings(r).map((f) => f.finding));
