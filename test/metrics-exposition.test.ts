/**
 * What a running ingester serves at `/metrics`, read over real HTTP: valid Prometheus text that
 * follows the naming rules (our parser below, and `promtool check metrics` where installed), the
 * families docs/ingest.md lists and no others, with values that match the traffic sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { jsonRequest, jsonSpan, startProduct, type Running } from './helpers.js';
import {
  namingProblems,
  parseExposition,
  type Exposition,
  type MetricType,
} from './prometheus-text.js';

const PREFIX = 'agentmeter_';
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

let product: Running;
/** The exposition of the fresh process, before any request. */
let fresh: string;
/** The exposition after the traffic below. */
let busy: string;
let contentType: string | null;

async function scrape(): Promise<string> {
  const res = await fetch(`${product.otlpUrl}/metrics`);
  expect(res.status).toBe(200);
  contentType = res.headers.get('content-type');
  return res.text();
}

function post(body: string, type = 'application/json', path = '/v1/traces') {
  return fetch(`${product.otlpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });
}

beforeAll(async () => {
  product = await startProduct();
  fresh = await scrape();
  const stored = jsonRequest([
    jsonSpan({ serial: 1, project: 'metrics' }),
    jsonSpan({ serial: 2, project: 'metrics' }),
  ]);
  expect((await post(stored)).status).toBe(200);
  expect((await post(stored)).status).toBe(200); // a retry: 2 duplicates
  const mixed = jsonRequest([
    { ...jsonSpan({ serial: 3, project: 'metrics' }), traceId: 'not-hex' }, // rejected
    { ...jsonSpan({ serial: 4, project: 'metrics' }), attributes: [] }, // not an LLM span
  ]);
  expect((await post(mixed)).status).toBe(200);
  expect((await post('{')).status).toBe(400);
  expect((await post('x', 'text/plain')).status).toBe(415);
  expect((await post('{}', 'application/json', '/v1/logs')).status).toBe(404);
  busy = await scrape();
});
afterAll(async () => {
  await product?.stop();
});

/** The value of the one sample named `sample` with exactly `labels`. */
function value(e: Exposition, sample: string, labels: Record<string, string> = {}): number {
  const match = [...e.families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === sample && JSON.stringify(s.labels) === JSON.stringify(labels));
  expect(match, `${sample}${JSON.stringify(labels)}`).toHaveLength(1);
  return match[0]!.value;
}

/** The metrics table of docs/ingest.md: name → type. */
function documented(): Map<string, string> {
  const doc = readFileSync(new URL('../docs/ingest.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Metrics'));
  const rows = [...section.matchAll(/^\| `(agentmeter_[a-z0-9_]+)` \| (\w+) \|/gm)];
  return new Map(rows.map((r) => [r[1]!, r[2]!]));
}

describe('GET /metrics of a running ingester', () => {
  it('is the text format 0.0.4 and follows the naming rules, before and after traffic', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const text of [fresh, busy]) {
      const exposition = parseExposition(text);
      expect(namingProblems(exposition, PREFIX)).toEqual([]);
      expect(exposition.families.size).toBeGreaterThan(0);
    }
  });

  it('serves exactly the families docs/ingest.md lists, with their types', () => {
    const served = new Map(
      [...parseExposition(busy).families.values()].map((f) => [f.name, f.type as MetricType]),
    );
    expect(documented().size).toBeGreaterThan(0);
    expect(served).toEqual(documented());
  });

  it('counts the traffic: spans by fate, requests by status, inserts in seconds', () => {
    const e = parseExposition(busy);
    const m = (name: string, labels?: Record<string, string>) =>
      value(e, `agentmeter_ingester_${name}`, labels);
    expect(m('spans_received_total')).toBe(6);
    expect(m('spans_stored_total')).toBe(2);
    expect(m('spans_duplicate_total')).toBe(2);
    expect(m('spans_rejected_total')).toBe(1);
    expect(m('spans_ignored_total')).toBe(1);
    expect(m('inserts_failed_total')).toBe(0);
    expect(m('pending_rows')).toBe(0);
    expect(m('dedupe_remembered_spans')).toBe(2);
    const codes = e.families.get('agentmeter_ingester_requests_total')!.samples;
    expect(codes.map((s) => [s.labels['code'], s.value])).toEqual([
      ['200', 3],
      ['400', 1],
      ['404', 1],
      ['415', 1],
    ]);
    // One insert (the retry and the mixed request store nothing new), measured in seconds: an
    // insert into the embedded engine takes well under a minute and more than a microsecond.
    const inserts = m('insert_duration_seconds_count');
    expect(inserts).toBe(1);
    expect(m('insert_duration_seconds_bucket', { le: '+Inf' })).toBe(inserts);
    expect(m('insert_duration_seconds_sum')).toBeGreaterThan(0.000001);
    expect(m('insert_duration_seconds_sum')).toBeLessThan(60);
    expect(m('insert_duration_seconds_bucket', { le: '10' })).toBe(inserts);
  });

  it('is served by the ingester alone: the ClickHouse HTTP interface has no /metrics', async () => {
    const res = await fetch(`${product.clickhouseUrl}/metrics`);
    expect(res.status).toBe(404);
    await res.text();
  });

  it.skipIf(!promtool)('passes `promtool check metrics`, before and after traffic', () => {
    for (const text of [fresh, busy]) {
      const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect({ status: run.status, output: `${run.stdout}${run.stderr}`.trim() }).toEqual({
        status: 0,
        output: '',
      });
    }
  });
});

describe('the naming checker', () => {
  // It must fail what promtool fails, or a green test above would prove nothing.
  const check = (text: string) => namingProblems(parseExposition(text), PREFIX);

  it('accepts a well-formed exposition', () => {
    expect(
      check(
        [
          '# HELP agentmeter_x_total Things.',
          '# TYPE agentmeter_x_total counter',
          'agentmeter_x_total{code="200"} 3',
          '# HELP agentmeter_y_seconds Durations.',
          '# TYPE agentmeter_y_seconds histogram',
          'agentmeter_y_seconds_bucket{le="0.5"} 1',
          'agentmeter_y_seconds_bucket{le="+Inf"} 2',
          'agentmeter_y_seconds_sum 1.25',
          'agentmeter_y_seconds_count 2',
          '',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'a millisecond histogram (the old insert duration)',
      '# HELP agentmeter_d_ms D.\n# TYPE agentmeter_d_ms histogram\nagentmeter_d_ms_bucket{le="+Inf"} 0\nagentmeter_d_ms_sum 0\nagentmeter_d_ms_count 0\n',
      "agentmeter_d_ms: unit 'ms' is not a base unit",
    ],
    [
      'a counter without _total',
      '# HELP agentmeter_c C.\n# TYPE agentmeter_c counter\nagentmeter_c 1\n',
      'agentmeter_c: counter without _total',
    ],
    [
      '_total on a gauge',
      '# HELP agentmeter_g_total G.\n# TYPE agentmeter_g_total gauge\nagentmeter_g_total 1\n',
      'agentmeter_g_total: _total on a gauge',
    ],
    ['no HELP', '# TYPE agentmeter_g gauge\nagentmeter_g 1\n', 'agentmeter_g: no HELP'],
    ['no TYPE', '# HELP agentmeter_g G.\nagentmeter_g 1\n', 'agentmeter_g: no TYPE'],
    [
      'a unit before another word',
      '# HELP agentmeter_seconds_spent S.\n# TYPE agentmeter_seconds_spent gauge\nagentmeter_seconds_spent 1\n',
      "agentmeter_seconds_spent: unit 'seconds' is not the last word (before _total)",
    ],
    [
      'a reserved label name',
      '# HELP agentmeter_g G.\n# TYPE agentmeter_g gauge\nagentmeter_g{__x="1"} 1\n',
      "agentmeter_g: line 3: label '__x' is reserved (__)",
    ],
    [
      'camelCase',
      '# HELP agentmeter_fooBar G.\n# TYPE agentmeter_fooBar gauge\nagentmeter_fooBar 1\n',
      'agentmeter_fooBar: not lowercase snake_case',
    ],
    [
      'a histogram without +Inf',
      '# HELP agentmeter_h_seconds H.\n# TYPE agentmeter_h_seconds histogram\nagentmeter_h_seconds_bucket{le="1"} 1\nagentmeter_h_seconds_sum 1\nagentmeter_h_seconds_count 1\n',
      'agentmeter_h_seconds: no le="+Inf" bucket last',
    ],
    [
      'buckets out of order',
      '# HELP agentmeter_h_seconds H.\n# TYPE agentmeter_h_seconds histogram\nagentmeter_h_seconds_bucket{le="2"} 1\nagentmeter_h_seconds_bucket{le="1"} 1\nagentmeter_h_seconds_bucket{le="+Inf"} 1\nagentmeter_h_seconds_sum 1\nagentmeter_h_seconds_count 1\n',
      'agentmeter_h_seconds: le bounds not ascending at le="1"',
    ],
    [
      'a histogram without _sum',
      '# HELP agentmeter_h_seconds H.\n# TYPE agentmeter_h_seconds histogram\nagentmeter_h_seconds_bucket{le="+Inf"} 1\nagentmeter_h_seconds_count 1\n',
      'agentmeter_h_seconds: no agentmeter_h_seconds_sum',
    ],
    [
      'a name outside the namespace',
      '# HELP other_g G.\n# TYPE other_g gauge\nother_g 1\n',
      "other_g: not in the 'agentmeter_' namespace",
    ],
    [
      'a line that is not a sample',
      '# HELP agentmeter_g G.\n# TYPE agentmeter_g gauge\nagentmeter_g one\n',
      "line 3: value 'one' is not a number",
    ],
  ])('refuses %s', (_what, text, problem) => {
    expect(check(text)).toContain(problem);
  });
});
