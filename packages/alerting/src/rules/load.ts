/**
 * Rule files → rules. Every file is read and checked before anything is refused, so one start
 * lists every problem of every file: the file, where in it (`groups[0].rules[2].window`), what
 * was expected and what was found. Rules come out normalised (`rule.ts`).
 */
import {
  formatPath,
  issuesToProblems,
  ProblemsError,
  readConfigDocument,
  type Problem,
} from '@agentmeter/conventions';
import { Severities, type Severity } from '../model.js';
import type { Dimension } from './metrics.js';
import {
  DisableRuleSchema,
  RULE_SCHEMAS,
  RuleFileSchema,
  RuleGroupSchema,
  type RuleGroup,
  type RuleInput,
} from './schema.js';
import {
  RULE_KINDS,
  SEVERITY_ORDER,
  type Condition,
  type Filter,
  type Rule,
  type RuleKind,
} from './rule.js';

export interface LoadedRules {
  readonly rules: readonly Rule[];
  /** Rules written as `alert` and `enabled: false` alone: they turn off the default rule of that name. */
  readonly disabled: readonly DisabledRule[];
}

export interface DisabledRule {
  readonly name: string;
  /** `<file>: groups[0].rules[1]`, for a problem about it. */
  readonly at: string;
}

export class RuleFileError extends ProblemsError<'AGENTMETER_RULES_INVALID'> {
  constructor(problems: readonly Problem[]) {
    super('AGENTMETER_RULES_INVALID', 'alert rules are invalid:', problems);
  }
}

/** Reads and checks every file; throws one RuleFileError listing all problems. */
export function loadRuleFiles(paths: readonly string[]): LoadedRules {
  const checked = paths.map((path) => {
    const document = readConfigDocument(path, 'rule file');
    if ('failure' in document) {
      const { message, problems } = document.failure;
      return refused(path, problems.length > 0 ? problems : [{ path: '(root)', message }]);
    }
    return checkRules(document.value, path);
  });
  return combine(checked);
}

/** Checks one rule document (a parsed file, or a rule group sent to the API). */
export function parseRules(input: unknown, source: string): LoadedRules {
  return combine([checkRules(input, source)]);
}

interface Checked {
  readonly source: string;
  /** Names of the groups the file defines. */
  readonly groups: string[];
  readonly rules: Rule[];
  readonly disabled: DisabledRule[];
  /** Paths from the file's root, prefixed with the file. */
  readonly problems: Problem[];
}

function refused(source: string, problems: readonly Problem[]): Checked {
  return {
    source,
    groups: [],
    rules: [],
    disabled: [],
    problems: problems.map((p) => located(source, p.path, p.message)),
  };
}

/** `rules.yaml: groups[0].rules[2]`: a place in a file. */
function place(source: string, path: string): string {
  return `${source}: ${path}`;
}

function located(source: string, path: string, message: string): Problem {
  return { path: place(source, path), message };
}

function combine(checked: readonly Checked[]): LoadedRules {
  const problems = checked.flatMap((c) => c.problems);
  // Rule ids are `<group>/<alert>`: a group name may appear in one file only.
  const owner = new Map<string, string>();
  for (const c of checked) {
    c.groups.forEach((name, i) => {
      const first = owner.get(name);
      if (first === undefined) owner.set(name, c.source);
      else {
        problems.push(
          located(c.source, `groups[${i}].name`, `group "${name}" is also defined in ${first}`),
        );
      }
    });
  }
  if (problems.length > 0) throw new RuleFileError(problems);
  return {
    rules: checked.flatMap((c) => c.rules),
    disabled: checked.flatMap((c) => c.disabled),
  };
}

function checkRules(input: unknown, source: string): Checked {
  const out: Checked = { source, groups: [], rules: [], disabled: [], problems: [] };
  const report = (prefix: readonly PropertyKey[], problems: readonly Problem[]) => {
    for (const p of problems) out.problems.push(located(source, within(prefix, p.path), p.message));
  };
  const file = RuleFileSchema.safeParse(input ?? {});
  if (!file.success) {
    report([], issuesToProblems(file.error.issues, input));
    return out;
  }
  file.data.groups.forEach((rawGroup, g) => {
    const parsed = RuleGroupSchema.safeParse(rawGroup);
    if (!parsed.success) report(['groups', g], issuesToProblems(parsed.error.issues, rawGroup));
    // A bad name or interval hides none of the group's rule problems.
    const group = parsed.success ? parsed.data : salvage(rawGroup);
    if (out.groups.includes(group.name)) {
      report(
        ['groups', g, 'name'],
        [{ path: '(root)', message: `duplicate group name "${group.name}"` }],
      );
    } else if (group.name) out.groups.push(group.name);
    const names = new Map<string, number>();
    group.rules.forEach((raw, r) => {
      const at = ['groups', g, 'rules', r];
      const first = typeof raw.alert === 'string' ? names.get(raw.alert) : undefined;
      if (first !== undefined) {
        const message = `duplicate alert name "${String(raw.alert)}" in group "${group.name}" (also rules[${first}])`;
        report([...at, 'alert'], [{ path: '(root)', message }]);
      } else if (typeof raw.alert === 'string') names.set(raw.alert, r);
      const result = checkRule(raw, group, source);
      if ('problems' in result) report(at, result.problems);
      else if ('disabled' in result) {
        out.disabled.push({ name: result.disabled, at: place(source, formatPath(at)) });
      } else out.rules.push(result.rule);
    });
  });
  return out;
}

function salvage(raw: Record<string, unknown>): RuleGroup {
  const rules = Array.isArray(raw.rules) ? raw.rules : [];
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    interval: 60_000,
    rules: rules.filter(
      (r): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r),
    ),
  };
}

/** A problem path relative to `prefix`, written from the file's root. */
function within(prefix: readonly PropertyKey[], path: string): string {
  if (prefix.length === 0) return path;
  const head = formatPath(prefix);
  if (path === '(root)') return head;
  return path.startsWith('[') ? `${head}${path}` : `${head}.${path}`;
}

function checkRule(
  raw: Record<string, unknown>,
  group: RuleGroup,
  source: string,
): { rule: Rule } | { disabled: string } | { problems: Problem[] } {
  if (raw.enabled === false && Object.keys(raw).every((k) => k === 'alert' || k === 'enabled')) {
    const stub = DisableRuleSchema.safeParse(raw);
    if (stub.success) return { disabled: stub.data.alert };
  }
  const kind = raw.kind ?? 'threshold';
  if (!(RULE_KINDS as readonly unknown[]).includes(kind)) {
    return {
      problems: [
        {
          path: 'kind',
          message: `expected one of ${RULE_KINDS.join(', ')}, found ${JSON.stringify(kind)}`,
        },
      ],
    };
  }
  const input = { ...raw, kind };
  const parsed = RULE_SCHEMAS[kind as RuleKind].safeParse(input);
  if (!parsed.success) return { problems: issuesToProblems(parsed.error.issues, input) };
  return { rule: normalise(group, source, parsed.data as RuleInput) };
}

function normalise(group: RuleGroup, source: string, r: RuleInput): Rule {
  const { severity, ...labels } = r.labels;
  const base = {
    id: `${group.name}/${r.alert}`,
    group: group.name,
    source,
    name: r.alert,
    intervalMs: group.interval,
    forMs: r.for,
    keepFiringForMs: r.keep_firing_for,
    labels,
    annotations: r.annotations,
    enabled: r.enabled,
    noDataState: r.no_data_state,
    execErrState: r.exec_err_state,
  };
  const single = (severity ?? Severities.WARNING) as Severity;
  switch (r.kind) {
    case 'threshold':
      return { ...base, ...measurement(r), kind: r.kind, condition: conditionOf(r, single) };
    case 'anomaly':
      return {
        ...base,
        ...measurement(r),
        kind: r.kind,
        baseline:
          r.baseline === 'trailing_mean'
            ? { kind: r.baseline, windows: r.trailing_windows! }
            : { kind: r.baseline },
        levels: levelsOf(r.change_percent),
        direction: r.direction,
      };
    case 'budget':
      return {
        ...base,
        kind: r.kind,
        // A budget switched off for the router is not alerted on either.
        enabled: r.enabled && r.budget.enabled,
        budget: r.budget,
        forecast: r.forecast,
        thresholdsPercent: r.thresholds_percent,
        forecastMinElapsedPercent: r.forecast_min_elapsed_percent,
        severity: single,
      };
    case 'sql':
      return {
        ...base,
        kind: r.kind,
        query: r.query.replace(/;\s*$/, ''),
        windowMs: r.window,
        condition: conditionOf(r, single),
      };
  }
}

function measurement(r: Extract<RuleInput, { kind: 'threshold' | 'anomaly' }>) {
  return {
    metric: r.metric,
    windowMs: r.window,
    where: r.where as Filter,
    groupBy: r.group_by as Dimension[],
    part: r.part as Filter | undefined,
    minRequests: r.min_requests,
  };
}

function conditionOf(
  r: Extract<RuleInput, { kind: 'threshold' | 'sql' }>,
  severity: Severity,
): Condition {
  const levels = r.thresholds ? levelsOf(r.thresholds) : [{ severity, threshold: r.threshold! }];
  return { op: r.op, levels };
}

function levelsOf(bands: Partial<Record<Severity, number>>) {
  return SEVERITY_ORDER.filter((s) => bands[s] !== undefined).map((s) => ({
    severity: s,
    threshold: bands[s]!,
  }));
}
