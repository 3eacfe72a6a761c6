/**
 * The rule manager, in the shape of Prometheus' `rules.Manager`: each group evaluates its rules
 * every `interval` on the injected clock, all at one instant as Prometheus does (so the evaluator
 * can answer a whole group with few statements); each rule's evaluation becomes observations of
 * its instances, the state machine (`state.ts`) turns them into states, the group's changes are
 * stored in one write, and the active instances are handed to notification. Groups wait for the
 * engine in one queue, earliest deadline first, and groups due together are evaluated in one
 * batch (`evaluation-queue.ts`). Scheduling, evaluation, state and notification stay separate
 * pieces.
 *
 * NoData and evaluation errors are handled per rule as Grafana does (`no_data_state`,
 * `exec_err_state`): a `NoData` / `Error` instance of its own (label `alertstate`), firing as
 * every alert (with `for`), or `Alerting`, `OK`, `KeepLast`.
 */
import type { Clock, Timer } from '@agentmeter/conventions';
import { EvaluationQueue } from './evaluation-queue.js';
import { withDeadline } from './statement-queue.js';
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
  /** One evaluation per rule, in order, every rule at `nowMs`. */
  evaluateAll(rules: readonly R[], nowMs: number): Promise<Evaluation[]>;
}

/** How a rule's last evaluation went (the `/api/v1/rules` health). */
export interface RuleHealth {
  readonly lastEvaluation: number | undefined;
  /** Its batch's evaluation: a group's rules (and groups due together) are evaluated at once. */
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
  /** Batches of group evaluations running at once (the rest wait, earliest deadline first): 2. */
  concurrency?: number;
  /** Waiting groups due within this of the earliest are evaluated in its batch: 1 s. */
  coalesceMs?: number;
  onError?: (error: unknown) => void;
}

/** Label naming the special NoData / Error instances, as Grafana does. */
export const ALERTSTATE_LABEL = 'alertstate';
const SEVERITY = 'severity';

export class RuleManager<R extends ManagedRule> {
  private rules: R[];
  /** The enabled rules by group, rebuilt when the rule set changes (read at every tick). */
  private groups: Map<string, R[]>;
  /** By fingerprint, and the same instances by rule id (a rule's evaluation reads only its own). */
  private readonly instances = new Map<string, StoredInstance>();
  private readonly byRule = new Map<string, Map<string, StoredInstance>>();
  private readonly queue: EvaluationQueue<string>;
  private readonly health = new Map<string, RuleHealth>();
  private readonly timers = new Map<string, Timer>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly resolvedRetentionMs: number;
  private stopped = true;
  /** Counters for `/metrics`. */
  readonly counters = { evaluations: 0, evaluationFailures: 0, evaluationSeconds: 0 };

  constructor(private readonly o: RuleManagerOptions<R>) {
    this.rules = [...o.rules];
    this.groups = groupsOf(this.rules);
    this.resolvedRetentionMs = o.resolvedRetentionMs ?? 15 * 60_000;
    this.queue = new EvaluationQueue({
      concurrency: o.concurrency ?? 2,
      coalesceMs: o.coalesceMs ?? 1_000,
      runBatch: (groups, deadline) => this.evaluateGroups(groups, deadline),
    });
  }

  /** Restores stored instances, then evaluates every group now and every interval after. */
  async start(): Promise<void> {
    const now = this.o.clock.now();
    for (const s of await this.o.store.load(now - this.resolvedRetentionMs)) this.put(s);
    this.stopped = false;
    for (const group of this.groups.keys()) this.schedule(group, 0);
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
    const before = new Set(this.groups.keys());
    this.rules = [...rules];
    this.groups = groupsOf(this.rules);
    const ids = new Set(this.rules.filter((r) => r.enabled).map((r) => r.id));
    const now = this.o.clock.now();
    const changes: Change[] = [];
    for (const s of this.instances.values()) {
      if (!ids.has(s.ruleId) && isActive(s)) {
        changes.push(this.apply(s, { kind: 'clear' }, now, { forMs: 0, keepFiringForMs: 0 }));
      }
    }
    await this.commit(changes, now);
    for (const group of this.groups.keys()) {
      if (!before.has(group) && !this.stopped) this.schedule(group, 0);
    }
  }

  /** Evaluates one group now (public for the API's "evaluate now"). */
  evaluateGroup(group: string): Promise<void> {
    return this.evaluateGroups([group], this.o.clock.now());
  }

  /** Evaluates groups together at one instant: one evaluator call, one write (the scheduler's tick). */
  private async evaluateGroups(names: readonly string[], deadline: number): Promise<void> {
    const rules = names.flatMap((g) => this.groups.get(g) ?? []);
    if (rules.length === 0) return;
    const now = this.o.clock.now();
    const started = performance.now();
    // The batch's statements wait for the engine in the order of its deadline.
    const evaluations = await withDeadline(deadline, () => this.evaluateAll(rules, now));
    const ms = performance.now() - started;
    this.counters.evaluationSeconds += ms / 1000;
    const changes: Change[] = [];
    rules.forEach((rule, i) => {
      const evaluation = evaluations[i]!;
      this.counters.evaluations++;
      if (!evaluation.ok) this.counters.evaluationFailures++;
      this.health.set(rule.id, {
        lastEvaluation: now,
        evaluationMs: ms,
        health: evaluation.ok ? 'ok' : 'err',
        lastError: evaluation.ok ? '' : evaluation.error,
      });
      changes.push(...this.observeRule(rule, evaluation, now));
    });
    await this.commit(changes, now);
    this.o.sink.push(this.notices(rules, changes));
  }

  /** Group evaluations waiting for a slot (for `/metrics`). */
  get queuedEvaluations(): number {
    return this.queue.length;
  }

  /** The evaluator's answer, one per rule; a throw or a short answer fails the rules it misses. */
  private async evaluateAll(rules: readonly R[], now: number): Promise<Evaluation[]> {
    try {
      const evaluations = await this.o.evaluator.evaluateAll(rules, now);
      return rules.map(
        (_, i) =>
          evaluations[i] ?? {
            ok: false,
            error: `the evaluator answered ${evaluations.length} of ${rules.length} rules`,
          },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return rules.map(() => ({ ok: false, error: message }));
    }
  }

  private put(s: StoredInstance): void {
    this.instances.set(s.fingerprint, s);
    let mine = this.byRule.get(s.ruleId);
    if (!mine) this.byRule.set(s.ruleId, (mine = new Map()));
    mine.set(s.fingerprint, s);
  }

  private drop(s: StoredInstance): void {
    this.instances.delete(s.fingerprint);
    const mine = this.byRule.get(s.ruleId);
    mine?.delete(s.fingerprint);
    if (mine?.size === 0) this.byRule.delete(s.ruleId);
  }

  private instancesOf(ruleId: string): StoredInstance[] {
    return [...(this.byRule.get(ruleId)?.values() ?? [])];
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

  private schedule(group: string, delayMs: number): void {
    const timer = this.o.clock.setTimer(
      () => {
        this.timers.delete(group);
        const rules = this.groups.get(group);
        if (this.stopped || !rules) return;
        const started = this.o.clock.now();
        // Due before its next tick.
        const deadline = started + rules[0]!.intervalMs;
        const run = this.queue
          .add(deadline, group)
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
    const mine = this.instancesOf(rule.id);
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
        this.put(change.instance);
      }
    };
    // What happens to every instance this evaluation does not mention.
    let others: Observation = { kind: 'clear' };

    if (!evaluation.ok) {
      others = this.fallback(rule.execErrState, 'Error', special, evaluation.error, rule);
    } else if (evaluation.samples.length === 0) {
      others = this.fallback(rule.noDataState, 'NoData', special, undefined, rule);
    } else {
      const bySeries = new Map<string, StoredInstance[]>();
      for (const s of mine) {
        const key = seriesKey(s.labels);
        const list = bySeries.get(key);
        if (list) list.push(s);
        else bySeries.set(key, [s]);
      }
      for (const sample of evaluation.samples) this.seeSample(rule, sample, bySeries, see);
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
    /** The rule's instances before this evaluation by series: only they can be its others. */
    bySeries: ReadonlyMap<string, readonly StoredInstance[]>,
    see: (labels: Labels, o: Observation, values?: Record<string, number>) => Change,
  ): void {
    const base: Record<string, string> = {
      alertname: rule.name,
      ...rule.labels,
      ...sample.labels,
    };
    const values = { ...sample.values };
    const mine = bySeries.get(seriesKey(base)) ?? [];
    if (sample.noVerdict) {
      // No verdict on this series: whatever instances it has keep their state.
      for (const s of mine) see(s.labels, { kind: 'keep' });
      return;
    }
    if (sample.breached) {
      const labels = rule.labels[SEVERITY] ? base : { ...base, [SEVERITY]: sample.breached };
      see(labels, { kind: 'breach', value: sample.value, values }, values);
    }
    // The series' instances at other severities (or all, when it no longer breaches) clear.
    for (const s of mine) {
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
      const active = this.instancesOf(rule.id).some(isActive);
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
    this.put(instance);
    return { instance, transition: step.transition };
  }

  private async commit(changes: Change[], now: number): Promise<void> {
    await this.o.store.save(
      changes.filter((c) => c.transition !== undefined),
      now,
    );
    // Forget what needs no more notification: inactive, or resolved long enough ago.
    for (const s of this.instances.values()) {
      const expired =
        s.state === AlertStates.INACTIVE ||
        (s.state === AlertStates.RESOLVED &&
          now - (s.resolvedAt ?? now) > this.resolvedRetentionMs);
      if (expired) this.drop(s);
    }
  }

  /** The rules' active instances, and those this round resolved (told once). */
  private notices(rules: readonly R[], changes: readonly Change[]): AlertNotice[] {
    const resolvedNow = new Set(
      changes
        .filter((c) => c.transition?.to === AlertStates.RESOLVED)
        .map((c) => c.instance.fingerprint),
    );
    return rules.flatMap((rule) =>
      this.instancesOf(rule.id)
        .filter((s) => isActive(s) || resolvedNow.has(s.fingerprint))
        .map((s) => this.notice(s)),
    );
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
    this.put(instance);
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
 * Labels describing the verdict rather than the series: the severity reached (a rule's
 * thresholds give one instance per severity), an anomaly's trend, a NoData / Error state.
 * Instances whose other labels are equal are of one series.
 */
const VERDICT_LABELS = [SEVERITY, ALERTSTATE_LABEL, 'trend'];

/** The series an instance is of: its labels but the verdict's, in a fixed order. */
function seriesKey(labels: Labels): string {
  const names = Object.keys(labels)
    .filter((k) => !VERDICT_LABELS.includes(k))
    .sort();
  return JSON.stringify(names.map((k) => [k, labels[k]]));
}

function groupsOf<R extends ManagedRule>(rules: readonly R[]): Map<string, R[]> {
  const out = new Map<string, R[]>();
  for (const r of rules) {
    if (!r.enabled) continue;
    const list = out.get(r.group);
    if (list) list.push(r);
    else out.set(r.group, [r]);
  }
  return out;
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
