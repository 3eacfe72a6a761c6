/**
 * `title` and `message` of Grafana's webhook payload: its default templates (`default.title`,
 * `default.message` of grafana/alerting's default_template.go) reproduced as code, and a small
 * subset of Go-template actions for the `title`/`message` settings:
 *
 *   {{ template "default.title" . }}  {{ template "default.message" . }}
 *   {{ .Status }}  {{ .Receiver }}  {{ .ExternalURL }}  {{ .GroupKey }}
 *   {{ .GroupLabels.<name> }}  {{ .CommonLabels.<name> }}  {{ .CommonAnnotations.<name> }}
 *   {{ len .Alerts }}  {{ len .Alerts.Firing }}  {{ len .Alerts.Resolved }}  (or `.Alerts | len`)
 *
 * with `{{-` / `-}}` trimming as in Go. Other actions are refused when the file is loaded
 * (`unsupportedTemplateActions`), not sent as written.
 */
import type { Labels } from '../model.js';
import { goFloat } from './go-format.js';

export const DEFAULT_TITLE = '{{ template "default.title" . }}';
export const DEFAULT_MESSAGE = '{{ template "default.message" . }}';

export interface TextAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly generatorURL: string;
  readonly silenceURL: string;
  readonly dashboardURL: string;
  readonly panelURL: string;
  readonly values: Readonly<Record<string, number>>;
}

/** What templates see: Alertmanager's template data as Grafana extends it. */
export interface TextData {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly TextAlert[];
  readonly groupLabels: Labels;
  readonly commonLabels: Labels;
  readonly commonAnnotations: Labels;
  readonly externalURL: string;
  readonly groupKey: string;
}

type Action = (data: TextData) => string;

const ACTION = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;

export function renderText(template: string, data: TextData): string {
  let out = '';
  let last = 0;
  let trimNext = false;
  for (const match of template.matchAll(ACTION)) {
    const [whole, trimBefore, body, trimAfter] = match as unknown as [
      string,
      string,
      string,
      string,
    ];
    let text = template.slice(last, match.index);
    if (trimNext) text = text.trimStart();
    if (trimBefore) text = text.trimEnd();
    out += text + (parseAction(body)?.(data) ?? whole);
    last = match.index + whole.length;
    trimNext = trimAfter === '-';
  }
  const tail = template.slice(last);
  return out + (trimNext ? tail.trimStart() : tail);
}

/** The actions of `template` this module cannot render, as written. */
export function unsupportedTemplateActions(template: string): string[] {
  return [...template.matchAll(ACTION)]
    .filter((match) => parseAction(match[2]!) === undefined)
    .map((match) => match[0]);
}

function parseAction(body: string): Action | undefined {
  const named = /^template\s+"default\.(title|message)"\s+\.$/.exec(body);
  if (named) return named[1] === 'title' ? defaultTitle : defaultMessage;
  const field = /^\.(Status|Receiver|ExternalURL|GroupKey)$/.exec(body);
  if (field) {
    const key = {
      Status: 'status',
      Receiver: 'receiver',
      ExternalURL: 'externalURL',
      GroupKey: 'groupKey',
    } as const;
    const name = key[field[1] as keyof typeof key];
    return (data) => data[name];
  }
  const label = /^\.(GroupLabels|CommonLabels|CommonAnnotations)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(
    body,
  );
  if (label) {
    const map = {
      GroupLabels: 'groupLabels',
      CommonLabels: 'commonLabels',
      CommonAnnotations: 'commonAnnotations',
    } as const;
    const name = map[label[1] as keyof typeof map];
    const key = label[2]!;
    // A missing key of Go's map[string]string prints its zero value.
    return (data) => data[name][key] ?? '';
  }
  const count =
    /^len\s+\.Alerts(?:\.(Firing|Resolved))?$/.exec(body) ??
    /^\.Alerts(?:\.(Firing|Resolved))?\s*\|\s*len$/.exec(body);
  if (count) {
    const status = count[1]?.toLowerCase();
    return (data) =>
      String(data.alerts.filter((a) => status === undefined || a.status === status).length);
  }
  return undefined;
}

/** `__subject`: `[FIRING:2, RESOLVED:1] <group label values> (<other common label values>)`. */
function defaultTitle(data: TextData): string {
  const firing = data.alerts.filter((a) => a.status === 'firing').length;
  const resolved = data.alerts.length - firing;
  let status = data.status.toUpperCase();
  if (data.status === 'firing')
    status += `:${firing}${resolved > 0 ? `, RESOLVED:${resolved}` : ''}`;
  const groupValues = sortedPairs(data.groupLabels).map(([, v]) => v);
  let title = `[${status}] ${groupValues.join(' ')} `;
  if (Object.keys(data.commonLabels).length > Object.keys(data.groupLabels).length) {
    const rest = sortedPairs(data.commonLabels).filter(([k]) => !(k in data.groupLabels));
    title += `(${rest.map(([, v]) => v).join(' ')})`;
  }
  return title;
}

function defaultMessage(data: TextData): string {
  const firing = data.alerts.filter((a) => a.status === 'firing');
  const resolved = data.alerts.filter((a) => a.status === 'resolved');
  let text = '';
  if (firing.length > 0) {
    text += `**Firing**\n${alertList(firing)}`;
    if (resolved.length > 0) text += '\n\n';
  }
  if (resolved.length > 0) text += `**Resolved**\n${alertList(resolved)}`;
  return text;
}

function alertList(alerts: readonly TextAlert[]): string {
  return alerts
    .map((a) => {
      const values = Object.keys(a.values)
        .sort()
        .map((ref) => `${ref}=${goFloat(a.values[ref]!)}`);
      let text = `\nValue: ${values.length > 0 ? values.join(', ') : '[no value]'}\nLabels:\n`;
      text += sortedPairs(a.labels)
        .map(([k, v]) => ` - ${k} = ${v}\n`)
        .join('');
      text += 'Annotations:\n';
      text += sortedPairs(a.annotations)
        .map(([k, v]) => ` - ${k} = ${v}\n`)
        .join('');
      if (a.generatorURL) text += `Source: ${a.generatorURL}\n`;
      if (a.silenceURL) text += `Silence: ${a.silenceURL}\n`;
      if (a.dashboardURL) text += `Dashboard: ${a.dashboardURL}\n`;
      if (a.panelURL) text += `Panel: ${a.panelURL}\n`;
      return text;
    })
    .join('');
}

/** Alertmanager's `KV.SortedPairs`: `alertname` first, then by name. */
function sortedPairs(labels: Labels): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) =>
    a === 'alertname' ? -1 : b === 'alertname' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
}
