/**
 * The rule manager on a manual clock, with instance state in the real engine: scheduling,
 * samples → instances (severity, min_requests, NoData, errors), notices, acknowledgement, and a
 * restart that resumes where it stopped. Evaluations are scripted per tick here (the evaluator's
 * own queries are tested against the engine in rules tests); everything after them is real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openStore, queryRows, type Store } from '@agentmeter/store';
import { DEFAULT_RETENTION } from '@agentmeter/schema';
import { ManualClock } from '@agentmeter/test-kit';
import { ClickHouseInstanceStore } from '../src/instance-store.js';
import { RuleManager, type ManagedRule } from '../src/manager.js';
import type { AlertNotice, Evaluation, Sample } from '../src/model.js';

const MIN = 60_000;
let dir: string;
let store: Store;
let database = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentmeter-manager-'));
  store = await openStore({ dataPath: dir });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh database per test, so instance state does not leak between them. */
async function freshDatabase(): Promise<string> {
  const name = `alerting_${++database}`;
  await migrate(store.client, { database: name, retention: DEFAULT_RETENTION });
  return name;
}

function rule(over: Partial<ManagedRule> = {}): ManagedRule {
  return {
    id: 'llm/HighErrorRate',
    name: 'HighErrorRate',
    group: 'llm',
    intervalMs: MIN,
    forMs: 0,
    keepFiringForMs: 0,
    labels: { team: 'platform' },
    annotations: {
      summary: 'Error rate {{ humanizePercentage $value }} on {{ $labels.provider }}',
    },
    noDataState: 'NoData',
    execErrState: 'Error',
    enabled: true,
    ...over,
  };
}

const sample = (
  provider: string,
  value: number,
  breached?: 'warning' | 'critical',
  requests = 100,
): Sample => ({
  labels: { provider },
  value,
  breached,
  // As the evaluator marks a series under the rule's min_requests (10 here).
  noVerdict: requests < 10,
  values: { requests },
});

/** Evaluations scripted tick by tick; the last one repeats. */
class Script {
  calls = 0;
  constructor(private readonly steps: Evaluation[]) {}
  async evaluateAll(rules: readonly unknown[]): Promise<Evaluation[]> {
    const step = this.steps[Math.min(this.calls++, this.steps.length - 1)]!;
    return rules.map(() => step);
  }
}

class Sink {
  readonly rounds: AlertNotice[][] = [];
  push(notices: readonly AlertNotice[]): void {
    this.rounds.push([...notices]);
  }
  last(): AlertNotice[] {
    return this.rounds.at(-1) ?? [];
  }
}

async function setUp(steps: Evaluation[], r = rule(), db?: string) {
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
  const instances = new ClickHouseInstanceStore(store.client, db ?? (await freshDatabase()));
  const sink = new Sink();
  const script = new Script(steps);
  const manager = new RuleManager({
    rules: [r],
    evaluator: script,
    store: instances,
    sink,
    clock,
    externalURL: 'http://127.0.0.1:9095',
  });
  await manager.start();
  const tick = async () => {
    clock.advance(r.intervalMs);
    await manager.settled();
  };
  clock.advance(0); // the first evaluation is due at start
  await manager.settled();
  return { clock, manager, sink, script, tick };
}

const ok = (...samples: Sample[]): Evaluation => ({ ok: true, samples });

describe('scheduling and notices', () => {
  it('evaluates at start and every interval; fires, repeats, resolves once, with rendered annotations', async () => {
    const { manager, sink, script, tick } = await setUp([
      ok(sample('openai', 0.08, 'critical')),
      ok(sample('openai', 0.09, 'critical')),
      ok(sample('openai', 0.01)),
      ok(sample('openai', 0.01)),
    ]);
    expect(script.calls).toBe(1);
    expect(sink.last()).toEqual([
      expect.objectContaining({
        status: 'firing',
        labels: {
          alertname: 'HighErrorRate',
          team: 'platform',
          provider: 'openai',
          severity: 'critical',
        },
        annotations: { summary: 'Error rate 8% on openai' },
        startsAt: Date.UTC(2026, 11, 1, 12),
        endsAt: undefined,
        acknowledged: false,
        generatorURL: 'http://127.0.0.1:9095/api/v1/rules?rule=llm%2FHighErrorRate',
      }),
    ]);
    await tick();
    expect(sink.last()).toEqual([expect.objectContaining({ status: 'firing', value: 0.09 })]);
    await tick();
    expect(sink.last()).toEqual([
      expect.objectContaining({ status: 'resolved', endsAt: Date.UTC(2026, 11, 1, 12, 2) }),
    ]);
    await tick();
    expect(sink.last()).toEqual([]); // told once
    expect(script.calls).toBe(4);
    await manager.stop();
  });

  it('a warning that becomes critical is a new instance; the warning one resolves in the same round', async () => {
    const { manager, sink, tick } = await setUp([
      ok(sample('openai', 0.03, 'warning')),
      ok(sample('openai', 0.07, 'critical')),
    ]);
    await tick();
    expect(sink.last().map((n) => [n.labels['severity'], n.status])).toEqual([
      ['warning', 'resolved'],
      ['critical', 'firing'],
    ]);
    await manager.stop();
  });

  it('gives no verdict under min_requests: a firing series stays firing until it has volume', async () => {
    const { manager, sink, tick } = await setUp(
      [
        ok(sample('openai', 0.5, 'critical', 50)),
        ok(sample('openai', 0, undefined, 3)),
        ok(sample('openai', 0, undefined, 30)),
      ],
      rule(),
    );
    await tick();
    expect(sink.last()).toEqual([expect.objectContaining({ status: 'firing' })]);
    await tick();
    expect(sink.last()).toEqual([expect.objectContaining({ status: 'resolved' })]);
    await manager.stop();
  });
});

describe('NoData and evaluation errors (Grafana semantics)', () => {
  it('NoData: a NoData instance fires (after `for`); the series instances keep their state', async () => {
    const { manager, tick } = await setUp(
      [ok(sample('openai', 0.5, 'critical')), ok(), ok()],
      rule({ forMs: 0 }),
    );
    await tick();
    const states = manager
      .alerts()
      .map((a) => [a.labels['alertstate'] ?? a.labels['provider'], a.state]);
    expect(states).toEqual(
      expect.arrayContaining([
        ['openai', 'firing'],
        ['NoData', 'firing'],
      ]),
    );
    await manager.stop();
  });

  it('OK: no data resolves every instance', async () => {
    const { manager, sink, tick } = await setUp(
      [ok(sample('openai', 0.5, 'critical')), ok()],
      rule({ noDataState: 'OK' }),
    );
    await tick();
    expect(sink.last()).toEqual([expect.objectContaining({ status: 'resolved' })]);
    await manager.stop();
  });

  it('Error: an Error instance carries the message; KeepLast keeps firing ones as they are', async () => {
    const failing: Evaluation = { ok: false, error: 'Code: 60. Unknown table' };
    const a = await setUp([failing]);
    expect(a.manager.alerts()).toEqual([
      expect.objectContaining({
        state: 'firing',
        labels: expect.objectContaining({ alertstate: 'Error' }),
        annotations: expect.objectContaining({ error: 'Code: 60. Unknown table' }),
      }),
    ]);
    expect(a.manager.ruleHealth('llm/HighErrorRate')).toMatchObject({
      health: 'err',
      lastError: 'Code: 60. Unknown table',
    });
    await a.manager.stop();
    const b = await setUp(
      [ok(sample('openai', 0.5, 'critical')), failing],
      rule({ execErrState: 'KeepLast' }),
    );
    await b.tick();
    expect(b.manager.alerts().map((s) => s.state)).toEqual(['firing']);
    await b.manager.stop();
  });
});

describe('acknowledgement and restart', () => {
  it('an acknowledgement is told, kept across a restart, and the instance is not activated again', async () => {
    const db = await freshDatabase();
    const steps = [ok(sample('openai', 0.5, 'critical'))];
    const first = await setUp(steps, rule(), db);
    const [alert] = first.manager.alerts();
    const acked = await first.manager.acknowledge(alert!.fingerprint, 'ana', 'provider incident');
    expect(acked.acknowledged).toMatchObject({ by: 'ana', comment: 'provider incident' });
    expect(first.sink.last()).toEqual([expect.objectContaining({ acknowledged: true })]);
    await first.manager.stop();

    const second = await setUp(steps, rule(), db);
    expect(second.manager.alerts()).toEqual([
      expect.objectContaining({
        fingerprint: alert!.fingerprint,
        state: 'firing',
        firedAt: alert!.firedAt,
        acknowledged: expect.objectContaining({ by: 'ana' }),
      }),
    ]);
    const history = await queryRows<{ from_state: string; to_state: string; actor: string }>(
      store.client,
      `SELECT from_state, to_state, actor FROM ${db}.alert_history ORDER BY at, sequence`,
    );
    expect(history).toEqual([
      { from_state: 'inactive', to_state: 'firing', actor: '' },
      { from_state: 'firing', to_state: 'firing', actor: 'ana' },
    ]);
    await second.manager.stop();
  });

  it('refuses to acknowledge an unknown fingerprint', async () => {
    const { manager } = await setUp([ok()]);
    await expect(manager.acknowledge('0000000000000000', 'ana', '')).rejects.toThrow(
      'no alert with fingerprint 0000000000000000',
    );
    await manager.stop();
  });
});

describe('groups', () => {
  /** Answers each rule from its own script; records every call. */
  class ByRule {
    readonly calls: { ids: string[]; now: number }[] = [];
    constructor(private readonly answer: (id: string, call: number) => Evaluation) {}
    async evaluateAll(rules: readonly ManagedRule[], now: number): Promise<Evaluation[]> {
      this.calls.push({ ids: rules.map((r) => r.id), now });
      return rules.map((r) => this.answer(r.id, this.calls.length));
    }
  }

  it("evaluates a group's rules, and groups due together, at one instant in one call and stores the changes in one save", async () => {
    const instances = new ClickHouseInstanceStore(store.client, await freshDatabase());
    const saves: number[] = [];
    const counted = {
      load: (since: number) => instances.load(since),
      save: (changes: Parameters<typeof instances.save>[0], now: number) => {
        saves.push(changes.length);
        return instances.save(changes, now);
      },
    };
    // Two groups due together: one batch.
    const rules = ['A', 'B', 'C'].map((name) =>
      rule({
        id: `${name === 'C' ? 'cost' : 'llm'}/${name}`,
        name,
        group: name === 'C' ? 'cost' : 'llm',
      }),
    );
    const evaluator = new ByRule((id) =>
      ok(sample(id === 'llm/B' ? 'anthropic' : 'openai', 0.5, 'critical')),
    );
    const clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
    const sink = new Sink();
    const manager = new RuleManager({
      rules,
      evaluator,
      store: counted,
      sink,
      clock,
      externalURL: 'http://127.0.0.1:9095',
    });
    await manager.start();
    clock.advance(0);
    await manager.settled();

    expect(evaluator.calls).toEqual([
      { ids: ['llm/A', 'llm/B', 'cost/C'], now: Date.UTC(2026, 11, 1, 12) },
    ]);
    expect(saves).toEqual([3]);
    expect(sink.rounds).toHaveLength(1);
    expect(sink.last().map((n) => n.labels.alertname)).toEqual(['A', 'B', 'C']);
    await manager.stop();
  });

  it('an evaluator that throws or answers short fails the rules it did not answer, not the group', async () => {
    const rules = ['A', 'B'].map((name) => rule({ id: `llm/${name}`, name }));
    const clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
    let call = 0;
    const evaluator = {
      async evaluateAll(): Promise<Evaluation[]> {
        if (++call === 1) throw new Error('connection refused');
        return [ok(sample('openai', 0.5, 'critical'))];
      },
    };
    const manager = new RuleManager({
      rules,
      evaluator,
      store: new ClickHouseInstanceStore(store.client, await freshDatabase()),
      sink: new Sink(),
      clock,
      externalURL: 'http://127.0.0.1:9095',
    });
    await manager.start();
    clock.advance(0);
    await manager.settled();
    expect(manager.ruleHealth('llm/A')).toMatchObject({
      health: 'err',
      lastError: 'connection refused',
    });
    expect(manager.ruleHealth('llm/B')).toMatchObject({ health: 'err' });

    clock.advance(MIN);
    await manager.settled();
    expect(manager.ruleHealth('llm/A')).toMatchObject({ health: 'ok' });
    expect(manager.ruleHealth('llm/B')).toMatchObject({
      health: 'err',
      lastError: 'the evaluator answered 1 of 2 rules',
    });
    await manager.stop();
  });

  it('groups wait for a slot earliest deadline first (a 10 s group overtakes queued 1 m groups); those due together run as one batch', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
    const order: string[] = [];
    const gates: (() => void)[] = [];
    const evaluator = {
      evaluateAll(rules: readonly ManagedRule[]): Promise<Evaluation[]> {
        order.push([...new Set(rules.map((r) => r.group))].join('+'));
        // Each evaluation holds its slot until the test releases it.
        return new Promise((resolve) => gates.push(() => resolve(rules.map(() => ok()))));
      },
    };
    const slow = ['s1', 's2', 's3'].map((g) => rule({ id: `${g}/R`, name: g, group: g }));
    const fast = rule({ id: 'fast/R', name: 'fast', group: 'fast', intervalMs: 10_000 });
    const manager = new RuleManager({
      rules: [...slow, fast],
      evaluator,
      store: new ClickHouseInstanceStore(store.client, await freshDatabase()),
      sink: new Sink(),
      clock,
      externalURL: 'http://127.0.0.1:9095',
      concurrency: 1,
    });
    await manager.start();
    clock.advance(0);
    // All four are due at once: fast (due again in 10 s) goes first, then the 1 m groups together.
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['fast']);
    expect(manager.queuedEvaluations).toBe(3);
    while (gates.length > 0 || manager.queuedEvaluations > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(order).toEqual(['fast', 's1+s2+s3']);
    await manager.stop();
  });
});
