/**
 * Where budgets stand now: period-to-date spend per budget and scope value, read with
 * `@agentmeter/budgets`' own spend statement (the one the routing client's ClickHouse ledger
 * runs), the limit, the percent spent, the reset, and a forecast of the spend at the end of the
 * budget's own period (daily, ISO week or month in its time zone; LiteLLM's projection always
 * ran to the end of the calendar month, their bug #31934). One statement for all budgets.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import {
  compileMatch,
  matchesValue,
  periodWindow,
  spendStatement,
  ROLLUP_COLUMN,
  type BudgetConfig,
  type Scope,
  type SpendGroup,
} from '@agentmeter/budgets';
import { NANOS_PER_USD } from '@agentmeter/conventions';

const MINUTE = 60_000;

export interface BudgetSpend {
  readonly budgetId: string;
  readonly scope: Scope;
  /** The scope's value this spend is of; '' for a global budget and a pooled (`match`) one. */
  readonly scopeValue: string;
  readonly limitUsd: number;
  readonly spentUsd: number;
  /** Spent, in percent of the limit. */
  readonly percent: number;
  /** Spent ÷ elapsed × the period's length. */
  readonly forecastUsd: number;
  /** Share of the period elapsed, in percent. */
  readonly elapsedPercent: number;
  /** Epoch ms. */
  readonly periodStart: number;
  /** Epoch ms: the next period's start. */
  readonly resetsAt: number;
}

/** The label a scope's value is reported under: the column it is read from. */
export function scopeLabel(scope: Exclude<Scope, 'global'>): string {
  return scope === 'user' ? 'user_id' : ROLLUP_COLUMN[scope];
}

/**
 * Every budget's spend at `nowMs`: one entry for a global or pooled budget, one per value that
 * spent this period for a budget counted per value. Throws when the query fails.
 */
export async function budgetStatus(
  client: Pick<ClickHouseClient, 'query'>,
  budgets: readonly BudgetConfig[],
  nowMs: number,
  database = 'agentmeter',
): Promise<BudgetSpend[]> {
  return (await budgetSpends(client, budgets, nowMs, database)).flat();
}

/** `budgetStatus`, the entries of each budget apart (in the order of `budgets`). */
export async function budgetSpends(
  client: Pick<ClickHouseClient, 'query'>,
  budgets: readonly BudgetConfig[],
  nowMs: number,
  database = 'agentmeter',
): Promise<BudgetSpend[][]> {
  if (budgets.length === 0) return [];
  // Budgets that read the same spend (same scope, period and values) share one part of it.
  const groups: SpendGroup[] = [];
  const byKey = new Map<string, number>();
  const plans = budgets.map((budget) => {
    const window = periodWindow(budget.period, budget.time_zone, nowMs);
    const matcher = budget.match && compileMatch(budget.match);
    // Exact names are read as such; prefixes read every value of the scope and match here.
    const values =
      matcher && matcher.prefixes.length === 0
        ? new Set(matcher.exact)
        : (null as Set<string> | null);
    // Spend up to the end of the minute holding now, as the rules' windows read.
    const end = Math.min(window.end, Math.floor(nowMs / MINUTE) * MINUTE + MINUTE);
    const group: SpendGroup = { scope: budget.scope, start: window.start, end, values };
    const key = JSON.stringify([group.scope, group.start, end, values && [...values].sort()]);
    let g = byKey.get(key);
    if (g === undefined) byKey.set(key, (g = groups.push(group) - 1));
    return { budget, window, matcher, g };
  });
  const { query, params } = spendStatement(database, groups);
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  const rows = await rs.json<{ g: number; v: string; nanos: string }>();
  const byGroup = groups.map((): { v: string; nanos: string }[] => []);
  for (const row of rows) byGroup[Number(row.g)]!.push(row);
  return plans.map(({ budget, window, matcher, g }) => {
    const spent = new Map<string, number>();
    for (const row of byGroup[g]!) {
      // Calls without the scope's value count toward no per-value budget.
      if (budget.scope !== 'global' && row.v === '') continue;
      if (matcher && !matchesValue(matcher, row.v)) continue;
      const key = budget.scope === 'global' || matcher ? '' : row.v;
      spent.set(key, (spent.get(key) ?? 0) + Number(row.nanos));
    }
    const pooled = budget.scope === 'global' || matcher !== undefined;
    if (pooled && !spent.has('')) spent.set('', 0);
    return [...spent].map(([value, nanos]) => spend(budget, window, value, nanos, nowMs));
  });
}

function spend(
  budget: BudgetConfig,
  window: { start: number; end: number },
  scopeValue: string,
  nanos: number,
  nowMs: number,
): BudgetSpend {
  const spentUsd = nanos / NANOS_PER_USD;
  const length = window.end - window.start;
  const elapsed = Math.min(Math.max(nowMs - window.start, 0), length);
  return {
    budgetId: budget.id,
    scope: budget.scope,
    scopeValue,
    limitUsd: budget.limit_usd,
    spentUsd,
    percent: (spentUsd / budget.limit_usd) * 100,
    forecastUsd: elapsed > 0 ? (spentUsd * length) / elapsed : spentUsd,
    elapsedPercent: length > 0 ? (elapsed / length) * 100 : 100,
    periodStart: window.start,
    resetsAt: window.end,
  };
}
