/**
 * The rule manager, in the shape of Prometheus' `rules.Manager`: each group evaluates its rules
 * in order every `interval` on the injected clock; each rule's evaluation (one query, whatever
 * the number of series) becomes observations of its instances, the state machine (`state.ts`)
 * turns them into states, the changes are stored, and the active instances are handed to
 * notification. Scheduling, evaluation, state and notification stay separate pieces.
 *
 * NoData and evaluation errors are handled per rule as Grafana does (`no_data_state`,
 * `exec_err_state`): a `NoData` / `Error` instance of its own (label `alertstate`), firing as
 * every alert (with `for`), or `Alerting`, `OK`, `KeepLast`.
 */
import type { Clock, Timer } from '@agentmeter/conventions';
import { fingerprint } from './fingerprint.js';
import type { InstanceStore, StoredInstance } from './instance-store.js';
import {
  AlertStates,
  type AlertNotice,
  type Evaluation,
  type Labels,
  type NotificationSink,
  type Sample,
} from './model.js';
import {
  acknowledge,
  isActive,
  newInstance,
  observe,
  resolveByHand,
  type Observation,
  type Step,
  type Transition,
} from './state.js';
import { renderAll } from './template.js';

/** What the manager needs of a rule, whatever its kind. */
export interface ManagedRule {
  /** Stable id: `<group>/<alert>`. */
  readonly id: string;
  /** The `alertname` label. */
  readonly name: string;
  readonly group: string;
  readonly intervalMs: number;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly noDataState: 'NoData' | 'Alerting' | 'OK' | 'KeepLast';
  readonly execErrState: 'Error' | 'Alerting' | 'OK' | 'KeepLast';
  readonly enabled: boolean;
}

export interface RuleEvaluatorLike<R extends ManagedRule> {
  evaluate(rule: R, nowMs: number): Promise<Evaluation>;
}

/** How a rule's last evaluation went (the `/api/v1/rules` health). */
export interface RuleHealth {
  readonly lastEvaluation: number | undefined;
  readonly evaluationMs: number;
  readonly health: 'ok' | 'err' | 'unknown';
  readonly lastError: string;
}

export interface RuleManagerOptions<R extends ManagedRule> {
  rules: readonly R[];
  evaluator: RuleEvaluatorLike<R>;
  store: InstanceStore;
  sink: NotificationSink;
  clock: Clock;
  /** Base URL of the alerting API, for the notices' generatorURL. */
  externalURL: string;
  /** How long resolved instances are kept (and re-read at start) for notification: 15 min. */
  resolvedRetentionMs?: number;
  onError?: (error: unknown) => void;
}

/** Label naming the special NoData / Error instances, as Grafana does. */
export const ALERTSTATE_LABEL = 'alertstate';
const SEVERITY = 'severity';

export class RuleManager<R extends ManagedRule> {
  private rules: R[];
  private readonly instances = new Map<string, StoredInstance>();
  private readonly health = new Map<string, RuleHealth>();
  private readonly timers = new Map<string, Timer>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly resolvedRetentionMs: number;
  private stopped = true;
  /** Counters for `/metrics`. */
  readonly counters = { evaluations: 0, evaluationFailures: 0, evaluationSeconds: 0 };

  constructor(private readonly o: RuleManagerOptions<R>) {
    this.rules = [...o.rules];
    this.resolvedRetentionMs = o.resolvedRetentionMs ?? 15 * 60_000;
  }

  /** Restores stored instances, then evaluates every group now and every interval after. */
  async start(): Promise<void> {
    const now = this.o.clock.now();
    for (const s of await this.o.store.load(now - this.resolvedRetentionMs)) {
      this.instances.set(s.fingerprint, s);
    }
    this.stopped = false;
    for (const group of this.groups().keys()) this.schedule(group, 0);
  }

  /** Stops scheduling and waits for evaluations in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) this.o.clock.clearTimer(t);
    this.timers.clear();
    await this.settled();
  }

  /** Resolves when no evaluation is running (tests advance a manual clock, then await this). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** Replaces the rule set (API changes): new groups are scheduled, removed rules' instances resolve. */
  async setRules(rules: readonly R[]): Promise<void> {
    await this.settled();
    const before = new Set(this.groups().keys());
    this.rules = [...rules];
    const ids = new Set(this.rules.filter((r) => r.enabled).map((r) => r.id));
    const now = this.o.clock.now();
    const changes: Change[] = [];
    for (const s of this.instances.values()) {
      if (!ids.has(s.ruleId) && isActive(s)) {
        changes.push(this.apply(s, { kind: 'clear' }, now, { forMs: 0, keepFiringForMs: 0 }));
      }
    }
    await this.commit(changes, now);
    for (const group of this.groups().keys()) {
      if (!before.has(group) && !this.stopped) this.schedule(group, 0);
    }
  }

  /** Evaluates one group now (the scheduler's tick; public for the API's "evaluate now"). */
  async evaluateGroup(group: string): Promise<void> {
    const rules = this.groups().get(group) ?? [];
    for (const rule of rules) {
      const now = this.o.clock.now();
      const started = performance.now();
      let evaluation: Evaluation;
      try {
        evaluation = await this.o.evaluator.evaluate(rule, now);
      } catch (error) {
        evaluation = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      const ms = performance.now() - started;
      this.counters.evaluations++;
      this.counters.evaluationSeconds += ms / 1000;
      if (!evaluation.ok) this.counters.evaluationFailures++;
      this.health.set(rule.id, {
        lastEvaluation: now,
        evaluationMs: ms,
        health: evaluation.ok ? 'ok' : 'err',
        lastError: evaluation.ok ? '' : evaluation.error,
      });
      const changes = this.observeRule(rule, evaluation, now);
      await this.commit(changes, now);
      this.o.sink.push(this.notices(rule.id, changes));
    }
  }

  acknowledge(fp: string, by: string, comment: string): Promise<StoredInstance> {
    return this.byHand(fp, (s, now) => acknowledge(s, { by, at: now, comment }));
  }

  resolve(fp: string, by: string, comment: string): Promise<StoredInstance> {
    return this.byHand(fp, (s, now) => resolveByHand(s, by, comment, now));
  }

  /** Every known instance (pending, firing, recovering, recently resolved). */
  alerts(): StoredInstance[] {
    return [...this.instances.values()].filter((s) => s.state !== AlertStates.INACTIVE);
  }

  ruleList(): readonly R[] {
    return this.rules;
  }

  ruleHealth(id: string): RuleHealth {
    return (
      this.health.get(id) ?? {
        lastEvaluation: undefined,
        evaluationMs: 0,
        health: 'unknown',
        lastError: '',
      }
    );
  }

  private groups(): Map<string, R[]> {
    const out = new Map<string, R[]>();
    for (const r of this.rules) {
      if (!r.enabled) continue;
      const list = out.get(r.group) ?? [];
      list.push(r);
      out.set(r.group, list);
    }
    return out;
  }

  private schedule(group: string, delayMs: number): void {
    const timer = this.o.clock.setTimer(
      () => {
        this.timers.delete(group);
        const rules = this.groups().get(group);
        if (this.stopped || !rules) return;
        const started = this.o.clock.now();
        const run = this.evaluateGroup(group)
          .catch((e: unknown) => this.o.onError?.(e))
          .finally(() => {
            this.running.delete(group);
            // The next tick is due one interval after this one started; a tick that overran
            // its interval is not queued up behind (Prometheus skips missed iterations).
            const interval = rules[0]!.intervalMs;
            const elapsed = this.o.clock.now() - started;
            if (!this.stopped) this.schedule(group, Math.max(0, interval - (elapsed % interval)));
          });
        this.running.set(group, run);
      },
      delayMs,
      { background: true },
    );
    this.timers.set(group, timer);
  }

  /** One evaluation's observations of every instance of the rule. */
  private observeRule(rule: R, evaluation: Evaluation, now: number): Change[] {
    const timing = { forMs: rule.forMs, keepFiringForMs: rule.keepFiringForMs };
    const mine = [...this.instances.values()].filter((s) => s.ruleId === rule.id);
    const changes: Change[] = [];
    const seen = new Set<string>();
    const see = (labels: Labels, o: Observation, values: Record<string, number> = {}) => {
      const fp = fingerprint(labels);
      seen.add(fp);
      const prev = this.instances.get(fp) ?? {
        ...newInstance(fp, rule.id, labels),
        annotations: {},
      };
      const change = this.apply(prev, o, now, timing, rule, values);
      changes.push(change);
      return change;
    };
    /** The rule's own NoData / Error instance; an error's message is one of its annotations. */
    const special = (state: 'NoData' | 'Error', error?: string) => {
      const labels = { alertname: rule.name, ...rule.labels, [ALERTSTATE_LABEL]: state };
      const change = see(labels, { kind: 'breach', value: 0, values: {} });
      if (error !== undefined) {
        change.instance = {
          ...change.instance,
          annotations: { ...change.instance.annotations, error },
        };
        this.instances.set(change.instance.fingerprint, change.instance);
      }
    };
    // What happens to every instance this evaluation does not mention.
    let others: Observation = { kind: 'clear' };

    if (!evaluation.ok) {
      others = this.fallback(rule.execErrState, 'Error', special, evaluation.error, rule);
    } else if (evaluation.samples.length === 0) {
      others = this.fallback(rule.noDataState, 'NoData', special, undefined, rule);
    } else {
      for (const sample of evaluation.samples) this.seeSample(rule, sample, mine, see);
    }
    for (const s of mine) {
      if (seen.has(s.fingerprint)) continue;
      changes.push(this.apply(s, others, now, timing, rule));
    }
    return changes;
  }

  private seeSample(
    rule: R,
    sample: Sample,
    /** The rule's instances before this evaluation: only they can be this series' others. */
    mine: readonly StoredInstance[],
    see: (labels: Labels, o: Observation, values?: Record<string, number>) => Change,
  ): void {
    const base: Record<string, string> = {
      alertname: rule.name,
      ...rule.labels,
      ...sample.labels,
    };
    const values = { ...sample.values };
    if (sample.noVerdict) {
      // No verdict on this series: whatever instances it has keep their state.
      for (const s of mine) {
        if (sameSeries(s.labels, base)) see(s.labels, { kind: 'keep' });
      }
      return;
    }
    if (sample.breached) {
      const labels = rule.labels[SEVERITY] ? base : { ...base, [SEVERITY]: sample.breached };
      see(labels, { kind: 'breach', value: sample.value, values }, values);
    }
    // The series' instances at other severities (or all, when it no longer breaches) clear.
    for (const s of mine) {
      if (!sameSeries(s.labels, base)) continue;
      if (sample.breached && (s.labels[SEVERITY] === sample.breached || rule.labels[SEVERITY]))
        continue;
      see(s.labels, { kind: 'clear', value: sample.value });
    }
  }

  /** NoData / Error handling; returns what the rule's other instances observe. */
  private fallback(
    mode: string,
    special: 'NoData' | 'Error',
    raise: (state: 'NoData' | 'Error', error?: string) => void,
    error: string | undefined,
    rule: R,
  ): Observation {
    if (mode === special) {
      raise(special, error);
      return { kind: 'keep' };
    }
    if (mode === 'Alerting') {
      const active = [...this.instances.values()].some((s) => s.ruleId === rule.id && isActive(s));
      if (!active) raise(special, error);
      return { kind: 'breach', value: 0, values: {} };
    }
    if (mode === 'OK') return { kind: 'clear' };
    return { kind: 'keep' };
  }

  private apply(
    prev: StoredInstance,
    o: Observation,
    now: number,
    timing: { forMs: number; keepFiringForMs: number },
    rule?: R,
    values: Record<string, number> = {},
  ): Change {
    const step: Step = observe(prev, o, now, timing);
    const annotations =
      rule && o.kind === 'breach'
        ? renderAll(rule.annotations, { value: step.next.value, labels: step.next.labels, values })
        : prev.annotations;
    const instance: StoredInstance = { ...step.next, annotations };
    this.instances.set(instance.fingerprint, instance);
    return { instance, transition: step.transition };
  }

  private async commit(changes: Change[], now: number): Promise<void> {
    await this.o.store.save(
      changes.filter((c) => c.transition !== undefined),
      now,
    );
    // Forget what needs no more notification: inactive, or resolved long enough ago.
    for (const [fp, s] of this.instances) {
      const expired =
        s.state === AlertStates.INACTIVE ||
        (s.state === AlertStates.RESOLVED &&
          now - (s.resolvedAt ?? now) > this.resolvedRetentionMs);
      if (expired) this.instances.delete(fp);
    }
  }

  /** The rule's active instances, and those this round resolved (told once). */
  private notices(ruleId: string, changes: readonly Change[]): AlertNotice[] {
    const resolvedNow = new Set(
      changes
        .filter((c) => c.transition?.to === AlertStates.RESOLVED)
        .map((c) => c.instance.fingerprint),
    );
    return [...this.instances.values()]
      .filter((s) => s.ruleId === ruleId && (isActive(s) || resolvedNow.has(s.fingerprint)))
      .map((s) => this.notice(s));
  }

  private notice(s: StoredInstance): AlertNotice {
    const active = isActive(s);
    return {
      fingerprint: s.fingerprint,
      status: active ? 'firing' : 'resolved',
      labels: s.labels,
      annotations: s.annotations,
      startsAt: s.firedAt ?? s.activeAt ?? 0,
      endsAt: active ? undefined : s.resolvedAt,
      value: s.value,
      values: s.values,
      acknowledged: s.acknowledged !== undefined,
      generatorURL: `${this.o.externalURL}/api/v1/rules?rule=${encodeURIComponent(s.ruleId)}`,
    };
  }

  private async byHand(
    fp: string,
    act: (s: StoredInstance, now: number) => Step | { refused: string },
  ): Promise<StoredInstance> {
    await this.settled();
    const s = this.instances.get(fp);
    if (!s) throw new UnknownAlertError(fp);
    const now = this.o.clock.now();
    const step = act(s, now);
    if ('refused' in step) throw new AlertActionRefused(step.refused);
    const instance = { ...step.next, annotations: s.annotations };
    this.instances.set(fp, instance);
    await this.o.store.save([{ instance, transition: step.transition }], now);
    this.o.sink.push([this.notice(instance)]);
    return instance;
  }
}

interface Change {
  instance: StoredInstance;
  transition: Transition | undefined;
}

/**
 * Same series: equal labels but for those describing the verdict rather than the series — the
 * severity reached (a rule's thresholds give one instance per severity) and an anomaly's trend.
 */
const VERDICT_LABELS = [SEVERITY, ALERTSTATE_LABEL, 'trend'];
function sameSeries(a: Labels, b: Labels): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const label of VERDICT_LABELS) keys.delete(label);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

export class UnknownAlertError extends Error {
  readonly code = 'ALERT_NOT_FOUND';
  constructor(fp: string) {
    super(`no alert with fingerprint ${fp}`);
  }
}

export class AlertActionRefused extends Error {
  readonly code = 'ALERT_ACTION_REFUSED';
}
