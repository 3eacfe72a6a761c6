/** Notification files in Grafana's provisioning format: defaults, problems, policy trees. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadNotificationConfig,
  NotificationConfigError,
  type NotificationConfig,
} from '../src/notify/config.js';
import { compileRoutes, groupKeyOf, groupLabelsOf, matchRoutes } from '../src/notify/routes.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-notify-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(text: string, ext = 'yaml'): string {
  const path = join(dir, `notify-${++files}.${ext}`);
  writeFileSync(path, text);
  return path;
}

function problemsOf(
  paths: string[],
  env?: Record<string, string>,
): { path: string; message: string }[] {
  try {
    loadNotificationConfig(paths, env ? { env } : {});
  } catch (error) {
    expect(error).toBeInstanceOf(NotificationConfigError);
    return [...(error as NotificationConfigError).problems];
  }
  throw new Error('expected the configuration to be refused');
}

const MINIMAL = `apiVersion: 1
contactPoints:
  - orgId: 1
    name: llm-webhook
    receivers:
      - uid: llm-webhook-1
        type: webhook
        settings:
          url: http://127.0.0.1:8080/hooks/grafana
          maxAlerts: '0'
          authorization_credentials: s3cret
policies:
  - orgId: 1
    receiver: llm-webhook
`;

describe('loadNotificationConfig', () => {
  it('reads a Grafana provisioning file with Grafana’s defaults, group_by alertname', () => {
    const config = loadNotificationConfig([file(MINIMAL)]);
    expect(config.policy).toMatchObject({
      receiver: 'llm-webhook',
      group_by: ['alertname'],
      group_wait: 30_000,
      group_interval: 300_000,
      repeat_interval: 14_400_000,
      routes: [],
    });
    expect(config.contactPoints[0]!.receivers[0]).toMatchObject({
      uid: 'llm-webhook-1',
      type: 'webhook',
      disableResolveMessage: false,
      settings: {
        httpMethod: 'POST',
        maxAlerts: 0,
        authorization_scheme: 'Bearer',
        authorization_credentials: 's3cret',
      },
    });
  });

  it('reads the same file as JSON, and an Alertmanager contact point with a list of URLs', () => {
    const json = {
      apiVersion: 1,
      contactPoints: [
        {
          name: 'am',
          receivers: [
            {
              uid: 'am-1',
              type: 'prometheus-alertmanager',
              settings: {
                url: 'http://am-a:9093, http://am-b:9093',
                basicAuthUser: 'u',
                basicAuthPassword: 'p',
              },
            },
          ],
        },
      ],
      policies: [{ receiver: 'am', group_by: ['...'], group_wait: '0s', group_interval: '1m30s' }],
    };
    const config = loadNotificationConfig([file(JSON.stringify(json), 'json')]);
    const receiver = config.contactPoints[0]!.receivers[0]!;
    expect(receiver.type === 'prometheus-alertmanager' && receiver.settings.urls).toEqual([
      'http://am-a:9093',
      'http://am-b:9093',
    ]);
    expect(config.policy).toMatchObject({
      group_by: ['...'],
      group_wait: 0,
      group_interval: 90_000,
    });
  });

  it('refuses a file with typos, naming the file, the path in it, what was expected and what was found', () => {
    const path = file(`apiVersion: 1
contactPoints:
  - name: llm-webhook
    receivers:
      - uid: w1
        type: webhook
        settings:
          url: http://127.0.0.1:8080/hook
          httpMetod: POST
          maxAlerts: ten
      - uid: w2
        type: webhok
        settings: { url: http://x }
policies:
  - receiver: llm-webhook
    group_wiat: 30s
    group_interval: 5 minutes
    routes:
      - object_matchers: [['severity', '==', 'critical']]
`);
    expect(problemsOf([path])).toEqual([
      {
        path: `${path}: contactPoints[0].receivers[0].settings.maxAlerts`,
        message: expect.stringContaining('found "ten"'),
      },
      {
        path: `${path}: contactPoints[0].receivers[0].settings.httpMetod`,
        message: 'unknown key (check its spelling and indentation)',
      },
      {
        path: `${path}: contactPoints[0].receivers[1].type`,
        message: `Invalid discriminator value. Expected 'webhook' | 'prometheus-alertmanager', found "webhok"`,
      },
      {
        path: `${path}: policies[0].group_interval`,
        message: 'expected a duration such as 0s, 30s, 5m or 4h, found "5 minutes"',
      },
      {
        path: `${path}: policies[0].routes[0].object_matchers[0][1]`,
        message: expect.stringMatching(/expected one of "="\|"!="\|"=~"\|"!~", found "=="$/),
      },
      {
        path: `${path}: policies[0].group_wiat`,
        message: 'unknown key (check its spelling and indentation)',
      },
    ]);
  });

  it('names Grafana keys it does not implement instead of ignoring them', () => {
    const path = file(`apiVersion: 1
contactPoints:
  - name: w
    receivers:
      - uid: w1
        type: webhook
        settings: { url: 'http://x', headers: { X-Env: prod } }
policies:
  - receiver: w
    mute_time_intervals: [weekends]
`);
    expect(problemsOf([path])).toEqual([
      {
        path: `${path}: contactPoints[0].receivers[0].settings.headers`,
        message: "Grafana's headers is not supported by agentmeter: remove it",
      },
      {
        path: `${path}: policies[0].mute_time_intervals`,
        message: "Grafana's mute_time_intervals is not supported by agentmeter: remove it",
      },
    ]);
  });

  it('checks across files: unique names and uids, one policy tree, receivers that exist', () => {
    const points = file(`apiVersion: 1
contactPoints:
  - name: a
    receivers: [{ uid: a1, type: webhook, settings: { url: 'http://a' } }]
`);
    const second = file(`apiVersion: 1
contactPoints:
  - name: a
    receivers: [{ uid: a1, type: webhook, settings: { url: 'http://a2' } }]
policies:
  - receiver: a
    routes: [{ receiver: missing, object_matchers: [[team, '=', llm]] }]
`);
    const third = file(`apiVersion: 1
policies:
  - receiver: a
`);
    expect(problemsOf([points, second, third])).toEqual([
      { path: `${second}: contactPoints[0].name`, message: `a is already defined in ${points}` },
      {
        path: `${second}: contactPoints[0].receivers[0].uid`,
        message: `a1 is already used in ${points}`,
      },
      {
        path: `${third}: policies`,
        message: `a second policy tree (the first is in ${second}): agentmeter reads one`,
      },
      {
        path: `${second}: policies[0].routes[0].receiver`,
        message: 'no contact point is named missing',
      },
    ]);
    // A policy may name a contact point of another file.
    const policy = file(`apiVersion: 1
policies: [{ receiver: a }]
`);
    expect(loadNotificationConfig([policy, points]).policy?.receiver).toBe('a');
  });

  it('refuses conflicting or half-given credentials, bad URLs, regular expressions and templates', () => {
    const path = file(`apiVersion: 1
contactPoints:
  - name: w
    receivers:
      - uid: w1
        type: webhook
        settings:
          url: ftp://x
          username: u
          authorization_credentials: t
          title: '{{ .Alerts.Firing | first }}'
      - uid: w2
        type: prometheus-alertmanager
        settings: { url: 'http://am:9093,am2:9093', basicAuthUser: u }
policies:
  - receiver: w
    routes: [{ object_matchers: [[model, '=~', 'gpt-(4']] }]
`);
    const problems = problemsOf([path]);
    const at = (p: string) =>
      problems.filter((x) => x.path === `${path}: ${p}`).map((x) => x.message);
    expect(at('contactPoints[0].receivers[0].settings.url')).toEqual([
      'expected an http:// or https:// URL, found "ftp://x"',
    ]);
    expect(at('contactPoints[0].receivers[0].settings.password')).toEqual([
      'HTTP Basic authentication needs both username and password',
    ]);
    expect(at('contactPoints[0].receivers[0].settings.authorization_credentials')).toEqual([
      'both HTTP Basic authentication and an Authorization header are set: keep one, found "t"',
    ]);
    expect(at('contactPoints[0].receivers[0].settings.title')[0]).toMatch(
      /^template actions agentmeter does not implement: \{\{ \.Alerts\.Firing \| first \}\}/,
    );
    expect(at('contactPoints[0].receivers[1].settings.url')[0]).toMatch(/"am2:9093" is not one/);
    expect(at('contactPoints[0].receivers[1].settings.basicAuthPassword')).toEqual([
      'HTTP Basic authentication needs both basicAuthUser and basicAuthPassword',
    ]);
    expect(at('policies[0].routes[0].object_matchers[0][2]')[0]).toMatch(
      /^not a valid regular expression/,
    );
  });

  it('expands ${VAR} only when given an environment, and names variables that are not set', () => {
    const text = MINIMAL.replace(
      's3cret',
      () => "${WEBHOOK_TOKEN}\n          title: 'Cost $$ $TEAM'",
    );
    const path = file(text);
    const settings = (c: NotificationConfig) => c.contactPoints[0]!.receivers[0]!.settings;
    expect(settings(loadNotificationConfig([path]))).toMatchObject({
      authorization_credentials: '${WEBHOOK_TOKEN}',
      title: 'Cost $$ $TEAM',
    });
    const expanded = loadNotificationConfig([path], {
      env: { WEBHOOK_TOKEN: 'tok$$en', TEAM: 'llm' },
    });
    expect(settings(expanded)).toMatchObject({
      authorization_credentials: 'tok$$en',
      title: 'Cost $ llm',
    });
    expect(problemsOf([path], { TEAM: 'llm' })).toEqual([
      {
        path: `${path}: contactPoints[0].receivers[0].settings.authorization_credentials`,
        message: 'environment variable WEBHOOK_TOKEN is not set',
      },
    ]);
  });

  it('refuses what is not YAML, with line and column, and a missing file', () => {
    const path = file('apiVersion: 1\ncontactPoints: [\n');
    expect(() => loadNotificationConfig([path])).toThrow(
      /is not valid YAML or JSON:\n {2}- line \d+, column \d+:/,
    );
    expect(() => loadNotificationConfig([join(dir, 'absent.yaml')])).toThrow(
      /cannot read notification file/,
    );
  });

  it('needs a policy once there are contact points, and accepts no files at all', () => {
    const path = file(MINIMAL.slice(0, MINIMAL.indexOf('policies:')));
    expect(problemsOf([path])).toEqual([
      {
        path: `${path}: policies`,
        message:
          'contact points but no notification policy: add policies with the default receiver',
      },
    ]);
    expect(loadNotificationConfig([])).toEqual({ contactPoints: [], policy: undefined });
  });
});

describe('the policy tree', () => {
  const config = loadNotificationConfig([
    file(`apiVersion: 1
contactPoints:
  - { name: default, receivers: [{ uid: d, type: webhook, settings: { url: 'http://d' } }] }
  - { name: llm-team, receivers: [{ uid: t, type: webhook, settings: { url: 'http://t' } }] }
  - { name: pager, receivers: [{ uid: p, type: webhook, settings: { url: 'http://p' } }] }
policies:
  - receiver: default
    group_by: [alertname]
    repeat_interval: 1h
    routes:
      - receiver: llm-team
        object_matchers: [[team, '=', llm], [provider, '!~', 'local|test']]
        continue: true
        group_by: [alertname, provider]
        routes:
          - receiver: pager
            object_matchers: [[severity, '=', critical]]
            group_wait: 0s
      - receiver: pager
        object_matchers: [[severity, '=~', 'crit.*']]
      - receiver: llm-team
        object_matchers: [[severity, '=~', 'warning']]
`),
  ]);
  const root = compileRoutes(config.policy!);
  const receivers = (labels: Record<string, string>) =>
    matchRoutes(root, labels).map((r) => r.receiver);

  it('gives an alert to the first matching child, and to the next ones after a continue', () => {
    expect(
      receivers({ alertname: 'A', team: 'llm', provider: 'openai', severity: 'warning' }),
    ).toEqual(['llm-team', 'llm-team']);
    expect(
      receivers({ alertname: 'A', team: 'llm', provider: 'openai', severity: 'critical' }),
    ).toEqual(['pager', 'pager']);
    // !~ excludes local; the regex is anchored ('warning' does not match 'warnings').
    expect(
      receivers({ alertname: 'A', team: 'llm', provider: 'local', severity: 'warnings' }),
    ).toEqual(['default']);
    // A missing label is the empty string: != and !~ match it.
    expect(receivers({ alertname: 'A' })).toEqual(['default']);
  });

  it('inherits receiver timers and group_by, with Alertmanager’s route and group keys', () => {
    const [team, pager] = matchRoutes(root, {
      alertname: 'A',
      team: 'llm',
      provider: 'openai',
      severity: 'critical',
    });
    expect(team).toMatchObject({
      groupWaitMs: 0,
      repeatIntervalMs: 3_600_000,
      groupBy: ['alertname', 'provider'],
    });
    expect(team!.key).toBe('{}/{provider!~"local|test",team="llm"}/{severity="critical"}');
    expect(pager).toMatchObject({
      groupWaitMs: 30_000,
      groupBy: ['alertname'],
      key: '{}/{severity=~"crit.*"}',
    });
    const labels = { alertname: 'HighCost', provider: 'openai', team: 'llm', severity: 'critical' };
    expect(groupKeyOf(team!, groupLabelsOf(team!, labels))).toBe(
      '{}/{provider!~"local|test",team="llm"}/{severity="critical"}:{alertname="HighCost", provider="openai"}',
    );
  });

  it("groups by every label with '...'", () => {
    const all = compileRoutes({ ...config.policy!, group_by: ['...'], routes: [] });
    const labels = { alertname: 'A', b: '1' };
    expect(groupLabelsOf(all, labels)).toEqual(labels);
    expect(groupKeyOf(all, groupLabelsOf(all, labels))).toBe('{}:{alertname="A", b="1"}');
  });
});
