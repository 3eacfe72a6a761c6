/** deploy/grafana's provisioning files parse and have the shapes Grafana's provisioning reads. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GENERATED_DIR } from '../src/generated.js';
import { PLUGIN } from '../src/panels.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PROVISIONING = join(ROOT, 'deploy/grafana/provisioning');
const read = (path: string) =>
  parse(readFileSync(join(PROVISIONING, path), 'utf8')) as Record<string, unknown>;

describe('Grafana provisioning', () => {
  it('provisions the ClickHouse datasource over HTTP with a fixed uid and the plugin jsonData keys', () => {
    const file = read('datasources/clickhouse.yaml');
    expect(file['apiVersion']).toBe(1);
    const [ds] = file['datasources'] as Record<string, unknown>[];
    expect(ds).toMatchObject({ type: PLUGIN, uid: 'agentmeter-clickhouse', editable: false });
    const json = ds!['jsonData'] as Record<string, unknown>;
    expect(json).toMatchObject({ protocol: 'http', defaultDatabase: 'agentmeter' });
    expect(String(json['host'])).toContain('127.0.0.1');
    expect(String(json['port'])).toContain('8123');
    expect(Object.keys(json).sort()).toEqual([
      'defaultDatabase',
      'dialTimeout',
      'host',
      'port',
      'protocol',
      'queryTimeout',
      'secure',
      'username',
    ]);
  });

  it('points a file provider at the directory the generated dashboards are mounted in', () => {
    const file = read('dashboards/agentmeter.yaml');
    const [provider] = file['providers'] as Record<string, unknown>[];
    expect(provider).toMatchObject({ type: 'file', allowUiUpdates: false });
    expect((provider!['options'] as { path: string }).path).toMatch(/dashboards\/agentmeter$/);
    expect(readdirSync(join(ROOT, GENERATED_DIR)).length).toBe(6);
  });

  it('defines a webhook contact point that sends nowhere unless configured', () => {
    const file = read('alerting/contact-points.yaml');
    const [point] = file['contactPoints'] as {
      name: string;
      receivers: Record<string, unknown>[];
    }[];
    const [receiver] = point!.receivers;
    expect(receiver).toMatchObject({ type: 'webhook', uid: 'agentmeter-webhook' });
    const settings = receiver!['settings'] as { url: string; httpMethod: string };
    expect(settings.httpMethod).toBe('POST');
    expect(settings.url).toBe('http://127.0.0.1:9/set-a-receiver');
  });
});
