/**
 * The checks zod cannot express per field: every model a policy, a fallback or a downgrade
 * names is listed under `models`; policy keys name roles (`<role>_primary`); escalations name
 * roles of their policy. They walk the raw input defensively so that they run even when the
 * shape has problems too, and a bad file is refused with every problem in one message.
 */
import { formatPath, type Problem } from '@agentmeter/conventions';
import { PRIMARY_SUFFIX } from './schema.js';

type Path = (string | number)[];

const POLICY_KEYS = new Set(['strategy', 'description', 'escalate_to']);

function entries(value: unknown): [string, unknown][] {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.entries(value)
    : [];
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** Lists the cross-reference problems of a raw routing config. */
export function referenceProblems(input: unknown): Problem[] {
  const problems: Problem[] = [];
  const report = (path: Path, message: string): void => {
    problems.push({ path: formatPath(path), message });
  };
  const models = new Map(entries(field(input, 'models')));
  const model = (path: Path, id: unknown): void => {
    if (typeof id === 'string' && id !== '' && !models.has(id))
      report(path, `expected a model listed under \`models\`, found "${id}"`);
  };

  for (const [id, entry] of models)
    model(['models', id, 'downgrade_to'], field(entry, 'downgrade_to'));
  checkPolicies(field(input, 'llm_routing_policies'), report, model);
  checkComplexity(input, report, model);
  checkFallbacks(field(input, 'fallbacks'), models, report, model);
  checkDetection(field(field(input, 'category_detection'), 'rules'), report);
  return problems;
}

type Report = (path: Path, message: string) => void;
type ModelCheck = (path: Path, id: unknown) => void;

function checkPolicies(policies: unknown, report: Report, model: ModelCheck): void {
  for (const [category, policy] of entries(policies)) {
    const base: Path = ['llm_routing_policies', category];
    const roles: string[] = [];
    for (const [key, value] of entries(policy)) {
      if (POLICY_KEYS.has(key)) continue;
      if (!key.endsWith(PRIMARY_SUFFIX) || key.length === PRIMARY_SUFFIX.length) {
        report(
          [...base, key],
          `expected \`<role>_primary\`, \`strategy\`, \`description\` or \`escalate_to\`, found key "${key}"`,
        );
      } else if (typeof value !== 'string' || value === '') {
        report([...base, key], `expected a model id, found ${JSON.stringify(value)}`);
      } else {
        roles.push(key.slice(0, -PRIMARY_SUFFIX.length));
        model([...base, key], value);
      }
    }
    if (roles.length === 0 && typeof policy === 'object' && policy !== null)
      report(base, 'expected at least one `<role>_primary` (e.g. `builder_primary`), found none');

    const escalation = field(policy, 'escalate_to');
    if (escalation === undefined) continue;
    if (field(policy, 'strategy') === 'best_first') {
      report(
        [...base, 'escalate_to'],
        'expected no `escalate_to` with strategy best_first (it always uses the primary), found one',
      );
    }
    let escalated = 0;
    for (const [role, value] of entries(escalation)) {
      if (role === 'after_attempts') continue;
      const path = [...base, 'escalate_to', role];
      if (typeof value !== 'string' || value === '') {
        report(path, `expected a model id, found ${JSON.stringify(value)}`);
        continue;
      }
      escalated++;
      if (!roles.includes(role))
        report(
          path,
          `expected a role of this policy (${roles.join(', ') || 'none'}), found "${role}"`,
        );
      model(path, value);
    }
    if (escalated === 0 && typeof escalation === 'object' && escalation !== null)
      report(
        [...base, 'escalate_to'],
        'expected a model for at least one role (e.g. `builder: gpt-5`), found none',
      );
  }
}

function checkComplexity(input: unknown, report: Report, model: ModelCheck): void {
  const levels = entries(field(input, 'complexity_models'));
  for (const [level, roles] of levels) {
    for (const [role, id] of entries(roles)) model(['complexity_models', level, role], id);
  }
  const fallbackLevel = field(input, 'default_complexity');
  if (typeof fallbackLevel === 'string' && !levels.some(([level]) => level === fallbackLevel)) {
    const names = levels.map(([level]) => level).join(', ') || 'none defined';
    report(
      ['default_complexity'],
      `expected one of the \`complexity_models\` levels (${names}), found "${fallbackLevel}"`,
    );
  }
}

function checkFallbacks(
  fallbacks: unknown,
  models: Map<string, unknown>,
  report: Report,
  model: ModelCheck,
): void {
  for (const [kind, map] of entries(fallbacks)) {
    for (const [from, targets] of entries(map)) {
      model(['fallbacks', kind, from], from);
      if (!Array.isArray(targets)) continue;
      const fromProvider = field(models.get(from), 'provider');
      targets.forEach((to: unknown, index) => {
        const path: Path = ['fallbacks', kind, from, index];
        model(path, to);
        if (to === from) {
          report(path, `expected a model other than "${from}" itself, found "${to}"`);
        } else if (
          // A quota is per provider: the same provider's other model draws on the exhausted quota.
          kind === 'quota' &&
          typeof to === 'string' &&
          fromProvider !== undefined &&
          field(models.get(to), 'provider') === fromProvider
        ) {
          report(
            path,
            `expected a model of a provider other than "${String(fromProvider)}", found "${to}"`,
          );
        }
      });
    }
  }
}

function checkDetection(rules: unknown, report: Report): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((rule: unknown, index) => {
    const path: Path = ['category_detection', 'rules', index];
    if (typeof rule !== 'object' || rule === null) return;
    if (field(rule, 'keywords') === undefined && field(rule, 'files') === undefined)
      report(path, 'expected `keywords` or `files`, found neither');
    if (field(rule, 'and_keywords') !== undefined && field(rule, 'keywords') === undefined)
      report([...path, 'and_keywords'], 'expected `keywords` alongside `and_keywords`, found none');
  });
}
