/**
 * Which price is valid at a call's timestamp. genai-prices models either have one price or a
 * list of conditional prices (a start date, or a UTC time-of-day window such as DeepSeek's
 * off-peak hours); the list is read from the last entry back and the first that holds wins,
 * falling back to the first entry, exactly as genai-prices selects it.
 */
import { type Compiled, type CompiledPrice, type RawPrices, compilePrice } from './price.js';

const DAY_MS = 86_400_000;

type Constraint =
  | { readonly kind: 'from'; readonly atMs: number }
  | { readonly kind: 'time_of_day'; readonly startSec: number; readonly endSec: number };

interface Variant {
  readonly constraint: Constraint | undefined;
  readonly price: CompiledPrice;
}

/** A catalog model's prices over time. */
export interface CatalogSchedule {
  readonly variants: readonly Variant[];
}

/** The shapes of genai-prices' `ModelInfo.prices`. */
export type RawConstraint =
  | { readonly type: 'start_date'; readonly start_date: string }
  | { readonly type: 'time_of_date'; readonly start_time: string; readonly end_time: string };
interface RawConditional {
  readonly constraint?: RawConstraint;
  readonly prices: RawPrices;
}
export type RawSchedule = RawPrices | readonly RawConditional[];

function isConditional(raw: RawSchedule): raw is readonly RawConditional[] {
  return Array.isArray(raw);
}

const TIME_OF_DAY = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Seconds after UTC midnight of a `HH:MM:SS[.fff](Z|±HH:MM)` time. */
function secondsOfDayUtc(text: string): number | undefined {
  const match = TIME_OF_DAY.exec(text);
  if (!match) return undefined;
  const [, hh, mm, ss, fraction = '', zone, sign, zh = '00', zm = '00'] = match;
  const local = Number(hh) * 3600 + Number(mm) * 60 + Number(ss) + Number(`0.${fraction}`);
  const offset = zone === 'Z' ? 0 : (sign === '+' ? 1 : -1) * (Number(zh) * 3600 + Number(zm) * 60);
  return (local - offset + 86_400) % 86_400;
}

function compileConstraint(raw: RawConstraint | undefined): Constraint | undefined | string {
  if (raw === undefined) return undefined;
  if (raw.type === 'start_date') {
    const atMs = Date.parse(`${raw.start_date}T00:00:00Z`);
    return Number.isNaN(atMs) ? `invalid start_date ${raw.start_date}` : { kind: 'from', atMs };
  }
  const startSec = secondsOfDayUtc(raw.start_time);
  const endSec = secondsOfDayUtc(raw.end_time);
  if (startSec === undefined || endSec === undefined)
    return `invalid time-of-day window ${raw.start_time}-${raw.end_time}`;
  return { kind: 'time_of_day', startSec, endSec };
}

export type CompiledSchedule =
  | { readonly ok: true; readonly schedule: CatalogSchedule }
  | { readonly ok: false; readonly problems: readonly string[] };

export function compileSchedule(raw: RawSchedule): CompiledSchedule {
  const entries: readonly RawConditional[] = isConditional(raw) ? raw : [{ prices: raw }];
  const problems: string[] = [];
  const variants: Variant[] = [];
  for (const entry of entries) {
    const constraint = compileConstraint(entry.constraint);
    const compiled: Compiled = compilePrice(entry.prices);
    if (typeof constraint === 'string') problems.push(constraint);
    if (!compiled.ok) problems.push(...compiled.problems);
    else if (typeof constraint !== 'string') variants.push({ constraint, price: compiled.price });
  }
  if (problems.length > 0 || variants.length === 0)
    return { ok: false, problems: problems.length ? problems : ['no prices'] };
  return { ok: true, schedule: { variants } };
}

function holds(constraint: Constraint, atMs: number): boolean {
  if (constraint.kind === 'from') return atMs >= constraint.atMs;
  const second = (((atMs % DAY_MS) + DAY_MS) % DAY_MS) / 1000;
  return constraint.endSec < constraint.startSec
    ? second >= constraint.startSec || second < constraint.endSec
    : second >= constraint.startSec && second < constraint.endSec;
}

export function selectPrice(schedule: CatalogSchedule, atMs: number): CompiledPrice {
  const { variants } = schedule;
  for (let index = variants.length - 1; index >= 0; index--) {
    const variant = variants[index];
    if (variant && (variant.constraint === undefined || holds(variant.constraint, atMs)))
      return variant.price;
  }
  return (variants[0] as Variant).price;
}

/** An override in force from `fromMs` on. */
export interface Dated {
  readonly fromMs: number;
}

/** The rule in force at `atMs`: the last one in list order that has started (lists are sorted by precedence). */
export function inForce<T extends Dated>(rules: readonly T[], atMs: number): T | undefined {
  for (let index = rules.length - 1; index >= 0; index--) {
    const rule = rules[index];
    if (rule && rule.fromMs <= atMs) return rule;
  }
  return undefined;
}
