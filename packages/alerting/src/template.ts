/**
 * Annotation templates in the Go-template style Prometheus and Grafana users write, reduced to
 * what a rule over the rollups needs: `{{ $value }}`, `{{ $labels.provider }}`,
 * `{{ $values.baseline }}`, and `{{ printf "%.2f" $value }}` / `{{ humanizePercentage $value }}`.
 * Anything else inside `{{ }}` is left as written, so a typo shows in the notification instead
 * of vanishing.
 */
import type { Labels } from './model.js';

export interface TemplateData {
  readonly value: number;
  readonly labels: Labels;
  readonly values: Readonly<Record<string, number>>;
}

const ACTION = /\{\{\s*(.*?)\s*\}\}/g;

export function render(template: string, data: TemplateData): string {
  return template.replace(ACTION, (whole, body: string) => evaluate(body, data) ?? whole);
}

export function renderAll(templates: Labels, data: TemplateData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, template] of Object.entries(templates)) out[key] = render(template, data);
  return out;
}

function evaluate(body: string, data: TemplateData): string | undefined {
  const printf = /^printf\s+"%\.(\d)f"\s+(\S+)$/.exec(body);
  if (printf) {
    const n = operand(printf[2]!, data);
    return typeof n === 'number' ? n.toFixed(Number(printf[1])) : undefined;
  }
  const percent = /^humanizePercentage\s+(\S+)$/.exec(body);
  if (percent) {
    const n = operand(percent[1]!, data);
    return typeof n === 'number' ? `${trim(n * 100)}%` : undefined;
  }
  const v = operand(body, data);
  return typeof v === 'number' ? trim(v) : v;
}

function operand(name: string, data: TemplateData): number | string | undefined {
  if (name === '$value') return data.value;
  if (name.startsWith('$labels.')) return data.labels[name.slice('$labels.'.length)];
  if (name.startsWith('$values.')) return data.values[name.slice('$values.'.length)];
  return undefined;
}

/** At most 4 decimals, no trailing zeros: 0.0523, 2150, 12.5. */
function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(4)));
}
