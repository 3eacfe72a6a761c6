/**
 * Validated override files compiled into lookup-ready rules, grouped by provider route, plus
 * the fingerprint that `price_version` carries. Files are layers in the order given (shipped
 * corrections, the user's file, inline overrides): a rule of a later layer that is in force
 * wins over any rule of an earlier one, whatever their dates; within a layer the rule with the
 * latest `effective_from` that has passed wins.
 */
import { createHash } from 'node:crypto';
import { type Ratio, toRatio } from '../decimal.js';
import { type Matcher, compileMatch } from '../match.js';
import { type CompiledPrice, compilePrice } from '../price.js';
import { canonicalProvider } from '@agentmeter/conventions';
import type { ProviderRoute } from '../providers.js';
import type { Dated } from '../schedule.js';
import { type Overrides, parseEffectiveFrom } from './schema.js';

export interface ModelRule extends Dated {
  readonly matches: Matcher;
  /** Explicit prices; replace the catalog's while in force. */
  readonly price?: CompiledPrice;
  /** Factor on the catalog price while in force. */
  readonly multiplier?: Ratio;
}

export interface ProviderMultiplier extends Dated {
  readonly multiplier: Ratio;
}

export interface OverrideRules {
  /** By route key; each list sorted by (layer, `fromMs`), so the last rule in force wins. */
  readonly models: ReadonlyMap<string, readonly ModelRule[]>;
  readonly providers: ReadonlyMap<string, readonly ProviderMultiplier[]>;
  /** Short hash of the pricing content; undefined when there are no rules. */
  readonly fingerprint: string | undefined;
}

/** Provider names the files mention, so that new providers get a route. */
export function overrideProviderNames(files: readonly Overrides[]): string[] {
  return files.flatMap((file) => [...file.providers, ...file.models].map((rule) => rule.provider));
}

/** JSON with sorted keys, so that equal content hashes equally whatever its layout. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hash of what prices depend on; `source` notes are documentation and left out. */
function fingerprintOf(files: readonly Overrides[]): string | undefined {
  const rules = files.flatMap((file) => [
    ...file.providers.map(({ source: _source, ...rule }) => ({ kind: 'provider', ...rule })),
    ...file.models.map(({ source: _source, ...rule }) => ({ kind: 'model', ...rule })),
  ]);
  if (rules.length === 0) return undefined;
  return createHash('sha256').update(canonicalJson(rules)).digest('hex').slice(0, 8);
}

interface Layered extends Dated {
  readonly layer: number;
}

function byLayerThenDate(a: Layered, b: Layered): number {
  if (a.layer !== b.layer) return a.layer - b.layer;
  return a.fromMs === b.fromMs ? 0 : a.fromMs < b.fromMs ? -1 : 1;
}

function push<T extends Dated>(map: Map<string, T[]>, key: string, rule: T): void {
  const list = map.get(key) ?? [];
  list.push(rule);
  map.set(key, list);
}

function fromMs(effectiveFrom: string | undefined): number {
  return effectiveFrom === undefined
    ? Number.NEGATIVE_INFINITY
    : (parseEffectiveFrom(effectiveFrom) ?? Number.NEGATIVE_INFINITY);
}

/** Compiles validated files; `routes` resolves provider names (it includes every name the files use). */
export function compileOverrides(
  files: readonly Overrides[],
  routes: ReadonlyMap<string, ProviderRoute>,
): OverrideRules {
  const keyOf = (provider: string): string =>
    routes.get(canonicalProvider(provider))?.key ?? canonicalProvider(provider);
  const models = new Map<string, (ModelRule & Layered)[]>();
  const providers = new Map<string, (ProviderMultiplier & Layered)[]>();
  files.forEach((file, layer) => {
    for (const rule of file.providers) {
      const multiplier = toRatio(rule.multiplier);
      if (multiplier)
        push(providers, keyOf(rule.provider), {
          layer,
          fromMs: fromMs(rule.effective_from),
          multiplier,
        });
    }
    for (const rule of file.models) {
      const matches = compileMatch(rule.match ?? { equals: rule.model ?? '' });
      const compiled = rule.prices ? compilePrice(rule.prices) : undefined;
      const multiplier = rule.multiplier === undefined ? undefined : toRatio(rule.multiplier);
      push(models, keyOf(rule.provider), {
        layer,
        fromMs: fromMs(rule.effective_from),
        matches,
        ...(compiled?.ok ? { price: compiled.price } : {}),
        ...(multiplier ? { multiplier } : {}),
      });
    }
  });
  for (const list of [...models.values(), ...providers.values()]) list.sort(byLayerThenDate);
  return { models, providers, fingerprint: fingerprintOf(files) };
}
