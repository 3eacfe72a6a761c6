/**
 * The notification policy tree as Alertmanager walks it (dispatch/route.go): a route whose
 * matchers hold hands the alert to its children, the first child that matches takes it unless
 * it says `continue`, and a route none of whose children matched takes it itself. Children
 * inherit the receiver, `group_by` and timers they do not set. Regular expressions are anchored;
 * a missing label matches as the empty string.
 *
 * Group keys are Alertmanager's (`{}/{team="llm"}:{alertname="HighCost"}`): the route's key
 * (its ancestors' and its own sorted matchers) and the group labels, so a receiver sees the same
 * `groupKey` as from Alertmanager or Grafana for the same tree.
 */
import type { Labels } from '../model.js';
import { GROUP_BY_ALL, type MatchOp, type PolicyConfig, type RouteConfig } from './config.js';

export interface Matcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

export interface Route {
  /** Position in the tree (`0`, `0.2`, `0.2.1`): two routes with the same matchers stay apart. */
  readonly id: string;
  /** Alertmanager's route key. */
  readonly key: string;
  readonly receiver: string;
  /** Label names, or 'all' for `group_by: ['...']`. */
  readonly groupBy: readonly string[] | 'all';
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly matches: (labels: Labels) => boolean;
  readonly continue: boolean;
  readonly routes: readonly Route[];
}

export function compileRoutes(policy: PolicyConfig): Route {
  const root = {
    receiver: policy.receiver,
    group_by: policy.group_by,
    group_wait: policy.group_wait,
    group_interval: policy.group_interval,
    repeat_interval: policy.repeat_interval,
    object_matchers: [],
    continue: false,
    routes: policy.routes,
  } satisfies RouteConfig;
  return compile(root, undefined, '0');
}

/** The root has every field set (the policy's defaults), so each route resolves from its parent. */
function compile(
  config: RouteConfig,
  parent: Omit<Route, 'routes'> | undefined,
  id: string,
): Route {
  const matchers = config.object_matchers
    .map(([name, op, value]) => ({ name, op, value }))
    .sort(compareMatchers);
  const tests = matchers.map(matcherTest);
  const self: Omit<Route, 'routes'> = {
    id,
    key: `${parent ? `${parent.key}/` : ''}{${matchers.map(matcherText).join(',')}}`,
    receiver: (config.receiver ?? parent?.receiver)!,
    groupBy:
      config.group_by === undefined
        ? parent!.groupBy
        : config.group_by.includes(GROUP_BY_ALL)
          ? 'all'
          : config.group_by,
    groupWaitMs: (config.group_wait ?? parent?.groupWaitMs)!,
    groupIntervalMs: (config.group_interval ?? parent?.groupIntervalMs)!,
    repeatIntervalMs: (config.repeat_interval ?? parent?.repeatIntervalMs)!,
    matches: (labels) => tests.every((test) => test(labels)),
    continue: config.continue,
  };
  return { ...self, routes: config.routes.map((child, i) => compile(child, self, `${id}.${i}`)) };
}

/** The routes that take an alert with these labels (at least the root). */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  if (!route.matches(labels)) return [];
  const taken: Route[] = [];
  for (const child of route.routes) {
    const matched = matchRoutes(child, labels);
    taken.push(...matched);
    if (matched.length > 0 && !child.continue) break;
  }
  return taken.length > 0 ? taken : [route];
}

/** The alert's labels that the route groups by (those it has). */
export function groupLabelsOf(route: Route, labels: Labels): Labels {
  if (route.groupBy === 'all') return labels;
  return Object.fromEntries(
    route.groupBy.flatMap((name) => (name in labels ? [[name, labels[name]!]] : [])),
  );
}

/** Alertmanager's `aggrGroup.GroupKey()`: `<route key>:{a="1", b="2"}`. */
export function groupKeyOf(route: Route, groupLabels: Labels): string {
  const pairs = Object.entries(groupLabels)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .sort();
  return `${route.key}:{${pairs.join(', ')}}`;
}

function matcherTest(m: Matcher): (labels: Labels) => boolean {
  if (m.op === '=' || m.op === '!=') {
    const equal = m.op === '=';
    return (labels) => ((labels[m.name] ?? '') === m.value) === equal;
  }
  const pattern = new RegExp(`^(?:${m.value})$`);
  const matching = m.op === '=~';
  return (labels) => pattern.test(labels[m.name] ?? '') === matching;
}

/** Alertmanager's `Matcher.String()`: name, operator, quoted value. */
const matcherText = (m: Matcher): string =>
  `${m.name}${m.op}"${m.value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`;

/** Alertmanager sorts a route's matchers by name, then value, then operator. */
function compareMatchers(a: Matcher, b: Matcher): number {
  return compare(a.name, b.name) || compare(a.value, b.value) || compare(a.op, b.op);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
