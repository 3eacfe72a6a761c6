/**
 * `agentmeter alerts list | ack <fingerprint> | resolve <fingerprint> | test-send <contact point>`:
 * the alerting API (port 9095) from a terminal. It talks to the running service only, so what
 * it shows is what receivers are told.
 */

export interface AlertsCommandOptions {
  /** Base URL of the alerting API. */
  url: string;
  apiKey: string | undefined;
  by: string;
  comment: string;
  all: boolean;
  out: NodeJS.WritableStream;
}

export class AlertsCommandError extends Error {
  readonly code = 'AGENTMETER_ALERTS_FAILED';
}

interface AlertView {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
  value: string;
  fingerprint: string;
  acknowledged: { by: string; at: string; comment: string } | null;
}

export async function runAlerts(args: string[], o: AlertsCommandOptions): Promise<number> {
  const [action, target] = args;
  switch (action) {
    case undefined:
    case 'list': {
      const data = (await call(o, 'GET', `/api/v1/alerts${o.all ? '?state=all' : ''}`)) as {
        alerts: AlertView[];
      };
      o.out.write(table(data.alerts));
      return 0;
    }
    case 'ack':
    case 'resolve': {
      if (!target)
        throw new AlertsCommandError(
          `usage: agentmeter alerts ${action} <fingerprint> [--by NAME] [--comment TEXT]`,
        );
      const path = `/api/v1/alerts/${encodeURIComponent(target)}/${action === 'ack' ? 'acknowledge' : 'resolve'}`;
      const data = (await call(o, 'POST', path, { by: o.by, comment: o.comment })) as {
        alert: AlertView;
      };
      o.out.write(`${action === 'ack' ? 'acknowledged' : 'resolved'}: ${describe(data.alert)}\n`);
      return 0;
    }
    case 'test-send': {
      if (!target)
        throw new AlertsCommandError('usage: agentmeter alerts test-send <contact point name>');
      const data = (await call(
        o,
        'POST',
        `/api/v1/contact-points/${encodeURIComponent(target)}/test`,
      )) as {
        detail: string;
      };
      o.out.write(`test notification delivered to ${target}: ${data.detail}\n`);
      return 0;
    }
    default:
      throw new AlertsCommandError(
        `unknown alerts action '${action}' (list, ack, resolve, test-send)`,
      );
  }
}

async function call(
  o: AlertsCommandOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${o.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(o.apiKey ? { Authorization: `Bearer ${o.apiKey}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new AlertsCommandError(
      `the alerting API is not reachable at ${o.url}: start agentmeter first with \`npm start\` (or give --url where it listens)`,
    );
  }
  const json = (await res.json().catch(() => ({}))) as {
    status?: string;
    data?: unknown;
    error?: string;
  };
  if (!res.ok || json.status !== 'success') {
    throw new AlertsCommandError(
      `${method} ${path}: HTTP ${res.status}: ${json.error ?? res.statusText}`,
    );
  }
  return json.data;
}

function describe(a: AlertView): string {
  const labels = Object.entries(a.labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${a.labels['alertname'] ?? '?'} {${labels}} ${a.state} (${a.fingerprint})`;
}

function table(alerts: AlertView[]): string {
  if (alerts.length === 0) return 'no alerts\n';
  const rows = alerts.map((a) => [
    a.fingerprint,
    a.labels['alertname'] ?? '',
    a.labels['severity'] ?? '',
    a.state + (a.acknowledged ? ` (ack: ${a.acknowledged.by})` : ''),
    a.activeAt ?? '',
    a.value,
    a.annotations['summary'] ?? '',
  ]);
  const head = ['FINGERPRINT', 'ALERT', 'SEVERITY', 'STATE', 'SINCE', 'VALUE', 'SUMMARY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return (
    [head, ...rows]
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
