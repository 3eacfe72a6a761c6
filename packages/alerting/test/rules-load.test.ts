import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleFiles, RuleFileError, type LoadedRules } from '../src/rules/load.js';
import { parseDuration } from '../src/duration.js';
import type { AnomalyRule, BudgetRule, SqlRule, ThresholdRule } from '../src/rules/rule.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-rule-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function file(text: string): string {
  const path = join(dir, `rules-${++fileNo}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** The problems a load refuses with, as `path: message` lines. */
function problemsOf(paths: string[]): string[] {
  try {
    loadRuleFiles(paths);
  } catch (error) {
    expect(error).toBeInstanceOf(RuleFileError);
    return (error as RuleFileError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the files to be refused');
}

function load(text: string): LoadedRules {
  return loadRuleFiles([file(text)]);
}

describe('Prometheus durations', () => {
  it('reads each unit, combined from the largest down, and 0', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1w')).toBe(7 * 86_400_000);
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
    expect(parseDuration('1s500ms')).toBe(1_500);
    expect(parseDuration('0')).toBe(0);
  });

  it('refuses other spellings', () => {
    for (const text of ['', '5', '5 m', '1m1h', '1.5h', '-1m', '5M', 'm']) {
      expect(parseDuration(text), text).toBeUndefined();
    }
  });
});

describe('a rule file in the documented shape', () => {
  it('normalises a threshold rule: ms durations, defaults, lists, a stable id, severity out of the labels', () => {
    const { rules } = load(`
groups:
  - name: llm-health
    interval: 30s
    rules:
      - alert: LLMErrorRate
        metric: error_rate
        window: 5m
        where: { provider: openai, request_model: [gpt-4o, gpt-4o-mini] }
        group_by: [provider, request_model]
        op: '>'
        threshold: 0.05
        min_requests: 10
        for: 1m
        keep_firing_for: 2m
        labels: { severity: critical, team: ml }
        annotations: { summary: 'Error rate {{ $value }} on {{ $labels.provider }}' }
`);
    expect(rules).toHaveLength(1);
    const rule = rules[0] as ThresholdRule;
    expect(rule).toMatchObject({
      id: 'llm-health/LLMErrorRate',
      group: 'llm-health',
      name: 'LLMErrorRate',
      kind: 'threshold',
      intervalMs: 30_000,
      metric: 'error_rate',
      windowMs: 300_000,
      where: { provider: ['openai'], request_model: ['gpt-4o', 'gpt-4o-mini'] },
      groupBy: ['provider', 'request_model'],
      condition: { op: '>', levels: [{ severity: 'critical', threshold: 0.05 }] },
      minRequests: 10,
      forMs: 60_000,
      keepFiringForMs: 120_000,
      labels: { team: 'ml' },
      annotations: { summary: 'Error rate {{ $value }} on {{ $labels.provider }}' },
      enabled: true,
      noDataState: 'OK',
      execErrState: 'Error',
    });
  });

  it('applies the defaults: threshold kind, 1m interval, for 0, warning, no filter, Grafana states', () => {
    const { rules } = load(`
groups:
  - name: g
    rules:
      - alert: Calls
        metric: requests
        window: 1h
        op: '<'
        threshold: 1
        no_data_state: Alerting
        exec_err_state: KeepLast
`);
    expect(rules[0]).toMatchObject({
      kind: 'threshold',
      intervalMs: 60_000,
      forMs: 0,
      keepFiringForMs: 0,
      where: {},
      groupBy: [],
      part: undefined,
      minRequests: 0,
      labels: {},
      condition: { op: '<', levels: [{ severity: 'warning', threshold: 1 }] },
      noDataState: 'Alerting',
      execErrState: 'KeepLast',
    });
  });

  it('orders severity bands most severe first', () => {
    const { rules } = load(`
groups:
  - name: g
    rules:
      - alert: Health
        metric: provider_health_score
        window: 15m
        op: '<'
        thresholds: { warning: 70, critical: 50 }
`);
    expect((rules[0] as ThresholdRule).condition.levels).toEqual([
      { severity: 'critical', threshold: 50 },
      { severity: 'warning', threshold: 70 },
    ]);
  });

  it('reads the anomaly, budget and sql kinds', () => {
    const { rules } = load(`
groups:
  - name: kinds
    rules:
      - alert: CostUp
        kind: anomaly
        metric: cost_usd
        window: 1h
        baseline: trailing_mean
        trailing_windows: 3
        direction: up
      - alert: TeamBudget
        kind: budget
        budget: { id: team, scope: project, period: weekly, limit_usd: 200, time_zone: Asia/Kolkata }
        thresholds_percent: [95, 80]
      - alert: AuthFailures
        kind: sql
        query: |
          SELECT remote_address, count() AS value
          FROM {database:Identifier}.access_events
          WHERE at > {window_start:DateTime64(3)}
          GROUP BY remote_address;
        window: 1h
        op: '>'
        threshold: 10
`);
    const [anomaly, budget, sql] = rules as [AnomalyRule, BudgetRule, SqlRule];
    expect(anomaly).toMatchObject({
      kind: 'anomaly',
      baseline: { kind: 'trailing_mean', windows: 3 },
      direction: 'up',
      levels: [
        { severity: 'critical', threshold: 50 },
        { severity: 'warning', threshold: 25 },
      ],
    });
    expect(budget).toMatchObject({
      kind: 'budget',
      budget: { id: 'team', scope: 'project', period: 'weekly', limit_usd: 200 },
      thresholdsPercent: [80, 95],
      forecast: false,
    });
    expect(budget.budget.time_zone).toBe('Asia/Kolkata');
    expect(sql).toMatchObject({ kind: 'sql', windowMs: 3_600_000 });
    expect(sql.query.trimEnd().endsWith(';')).toBe(false);
  });

  it("takes a budget rule's thresholds from its budget when the rule sets none, else 50/80/95/100", () => {
    const { rules } = load(`
groups:
  - name: b
    rules:
      - alert: FromBudget
        kind: budget
        budget: { id: a, scope: global, period: monthly, limit_usd: 500, thresholds: [0.8, 0.95, 1.0] }
      - alert: Default
        kind: budget
        budget: { id: b, scope: global, period: monthly, limit_usd: 500 }
`);
    expect((rules[0] as BudgetRule).thresholdsPercent).toEqual([80, 95, 100]);
    expect((rules[1] as BudgetRule).thresholdsPercent).toEqual([50, 80, 95, 100]);
  });

  it('keeps `alert` + `enabled: false` alone as turning off a default rule', () => {
    const loaded = load(`
groups:
  - name: mine
    rules:
      - alert: LowCacheHitRate
        enabled: false
`);
    expect(loaded.rules).toEqual([]);
    expect(loaded.disabled.map((d) => d.name)).toEqual(['LowCacheHitRate']);
  });
});

describe('a typo is refused at start, with every problem', () => {
  it('names the file, the path in it, what was expected and what was found', () => {
    const a = file(`
groups:
  - name: llm-health
    interval: 1m
    rules:
      - alert: A
        metric: error_rat
        window: 5 m
        where: { provder: openai }
        group_by: [provider, user_id]
        op: '>'
        threshold: 0.05
      - alert: A
        metric: requests
        window: 5m
        op: '=>'
        treshold: 3
`);
    const b = file(`
groups:
  - name: llm-health
    interval: 500ms
    rules:
      - alert: B
        kind: budgte
`);
    const problems = problemsOf([a, b]);
    const at = (f: string, path: string) => problems.find((p) => p.startsWith(`${f}: ${path}:`));
    expect(at(a, 'groups[0].rules[0].metric')).toMatch(
      /expected one of "requests"\|"error_rate".*"provider_health_score", found "error_rat"/,
    );
    expect(at(a, 'groups[0].rules[0].window')).toMatch(
      /expected a duration such as 30s, 5m, 1h30m or 1d, found "5 m"/,
    );
    expect(at(a, 'groups[0].rules[0].where')).toMatch(
      /"provder" is not a rollup dimension; expected one of project, service_name, .*error_category, found \{"provder":"openai"\}/,
    );
    expect(at(a, 'groups[0].rules[0].group_by[1]')).toMatch(
      /expected a rollup dimension \(project, .*\), found "user_id"/,
    );
    expect(at(a, 'groups[0].rules[1].alert')).toMatch(
      /duplicate alert name "A" in group "llm-health" \(also rules\[0\]\)/,
    );
    expect(at(a, 'groups[0].rules[1].op')).toMatch(/expected one of ">"\|"<".*found "=>"/);
    expect(at(a, 'groups[0].rules[1].treshold')).toMatch(/unknown key/);
    expect(at(b, 'groups[0].name')).toMatch(
      /group "llm-health" is also defined in .*rules-\d+\.yaml/,
    );
    expect(at(b, 'groups[0].interval')).toMatch(/expected at least 1s/);
    expect(at(b, 'groups[0].rules[0].kind')).toMatch(
      /expected one of threshold, budget, anomaly, sql, found "budgte"/,
    );
  });

  it('reports a file that is not YAML, or missing, by name', () => {
    const bad = file('groups:\n  - name: x\n   rules: [\n');
    const missing = join(dir, 'nope.yaml');
    const problems = problemsOf([bad, missing]);
    // Every config reader reports these alike: YAML errors by line and column.
    expect(problems.some((p) => /^.*: line \d+, column \d+: /.test(p) && p.startsWith(bad))).toBe(
      true,
    );
    expect(problems.some((p) => p.startsWith(`${missing}: (root): cannot read rule file`))).toBe(
      true,
    );
  });

  it('checks what spans fields: band order, severity label, operators, kinds', () => {
    const problems = problemsOf([
      file(`
groups:
  - name: g
    rules:
      - alert: Inverted
        metric: error_rate
        window: 5m
        op: '>'
        thresholds: { warning: 0.1, critical: 0.05 }
      - alert: BandsAndSeverity
        metric: error_rate
        window: 5m
        op: '>'
        thresholds: { critical: 0.1 }
        labels: { severity: critical }
      - alert: OddSeverity
        metric: error_rate
        window: 5m
        op: '>'
        threshold: 0.1
        labels: { severity: page }
      - alert: EqualBands
        metric: requests
        window: 5m
        op: '=='
        thresholds: { warning: 1 }
      - alert: SecondsWindow
        metric: requests
        window: 90s
        op: '>'
        threshold: 1
      - alert: PartOnRatio
        metric: error_rate
        window: 5m
        part: { category: docs }
        op: '>'
        threshold: 1
      - alert: Trailing
        kind: anomaly
        metric: requests
        window: 5m
        baseline: trailing_mean
      - alert: LongYesterday
        kind: anomaly
        metric: requests
        window: 2d
        baseline: same_window_yesterday
      - alert: Bands
        kind: anomaly
        metric: requests
        window: 5m
        baseline: same_window_last_week
        change_percent: { warning: 60, critical: 50 }
      - alert: Writes
        kind: sql
        query: INSERT INTO agentmeter.llm_spans SELECT * FROM agentmeter.llm_spans
        op: '>'
        threshold: 1
      - alert: Params
        kind: sql
        query: SELECT 1 AS value WHERE {since:DateTime} < {now:DateTime} AND {window_start:DateTime64(3)} > 0
        op: '>'
        threshold: 1
      - alert: NoBound
        metric: requests
        window: 5m
        op: '>'
      - alert: Budget
        kind: budget
        budget: { id: x, scope: team, period: monthly, limit_usd: -5 }
`),
    ]);
    const text = problems.join('\n');
    expect(text).toMatch(
      /rules\[0\]\.thresholds\.critical: with op >, critical must be above warning \(0\.1\)/,
    );
    expect(text).toMatch(/rules\[1\]\.labels\.severity: the severity comes from thresholds here/);
    expect(text).toMatch(
      /rules\[2\]\.labels\.severity: expected one of info, warning, critical, found "page"/,
    );
    expect(text).toMatch(
      /rules\[3\]\.thresholds: severity bands need an ordering operator; with == use threshold/,
    );
    expect(text).toMatch(/rules\[4\]\.window: expected whole minutes, at least 1m/);
    expect(text).toMatch(/rules\[5\]\.part: part is for share metrics/);
    expect(text).toMatch(
      /rules\[6\]\.trailing_windows: baseline trailing_mean needs trailing_windows/,
    );
    expect(text).toMatch(
      /rules\[7\]\.window: a window longer than the baseline's shift overlaps it/,
    );
    expect(text).toMatch(/rules\[8\]\.change_percent\.critical: expected more than warning \(60\)/);
    expect(text).toMatch(/rules\[9\]\.query: expected one SELECT \(or WITH … SELECT\) statement/);
    expect(text).toMatch(
      /rules\[10\]\.query: unknown parameter \{since:DateTime\}; the bound ones are \{now:DateTime64\(3\)\}/,
    );
    expect(text).toMatch(
      /rules\[10\]\.query: parameter now is bound as DateTime64\(3\), found \{now:DateTime\}/,
    );
    expect(text).toMatch(
      /rules\[10\]\.window: the query uses \{window_start:DateTime64\(3\)\}: set window/,
    );
    expect(text).toMatch(
      /rules\[11\]\.threshold: expected one of threshold \(one bound\) or thresholds/,
    );
    expect(text).toMatch(
      /rules\[12\]\.budget\.scope: Invalid option: expected one of "global"\|"project".*found "team"/,
    );
    expect(text).toMatch(/rules\[12\]\.budget\.limit_usd: .*found -5/);
  });
});
