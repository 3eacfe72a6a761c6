/**
 * The alert state machine: one pure transition function per instance, on explicit times.
 *
 *   inactive ──breach──▶ pending ──held for `for`──▶ firing ──clears──▶ recovering ──`keep_firing_for`──▶ resolved
 *      ▲                    │ clears                    ▲                 │ breaches again
 *      └────────────────────┘                           └─────────────────┘
 *
 * With `for: 0` a breach fires at once; with `keep_firing_for: 0` a clear resolves at once. A
 * resolved instance fires again (a new activation, acknowledgement cleared) on its next breach.
 * Acknowledgement (who, when, comment) suppresses reminders until the instance resolves or
 * fires anew; a manual resolve holds the instance resolved until its condition has cleared once,
 * so that it does not fire again on the very next evaluation of an unchanged breach.
 *
 * Evaluation decides *what is observed*; this module decides *what it means* over time; the
 * notifier decides *who is told when*. Nothing here reads a clock or does I/O.
 */
import { AlertStates, type AlertState, type Labels } from './model.js';

/** What one evaluation says about one instance. */
export type Observation =
  /** The condition holds. */
  | {
      readonly kind: 'breach';
      readonly value: number;
      readonly values: Readonly<Record<string, number>>;
    }
  /** The condition does not hold, or the series is absent from the result. */
  | { readonly kind: 'clear'; readonly value?: number }
  /** No verdict this time (volume under `min_requests`, `KeepLast`): nothing changes. */
  | { readonly kind: 'keep' };

export interface Acknowledgement {
  readonly by: string;
  readonly at: number;
  readonly comment: string;
}

export interface InstanceState {
  readonly fingerprint: string;
  readonly ruleId: string;
  readonly labels: Labels;
  readonly state: AlertState;
  readonly value: number;
  readonly values: Readonly<Record<string, number>>;
  /** When the current activation began (pending or firing), epoch ms. */
  readonly activeAt: number | undefined;
  readonly firedAt: number | undefined;
  readonly resolvedAt: number | undefined;
  /** The last evaluation that saw the condition hold. */
  readonly lastSeenAt: number | undefined;
  readonly acknowledged: Acknowledgement | undefined;
  /** Resolved by hand: stays resolved until a clear is observed. */
  readonly heldResolved: boolean;
  /** Increments at every transition: the notifier's and the store's change counter. */
  readonly sequence: number;
}

export interface Timing {
  readonly forMs: number;
  readonly keepFiringForMs: number;
}

export interface Transition {
  readonly from: AlertState;
  readonly to: AlertState;
  readonly at: number;
  readonly actor: string;
  readonly comment: string;
}

export interface Step {
  readonly next: InstanceState;
  readonly transition: Transition | undefined;
}

export function newInstance(fingerprint: string, ruleId: string, labels: Labels): InstanceState {
  return {
    fingerprint,
    ruleId,
    labels,
    state: AlertStates.INACTIVE,
    value: 0,
    values: {},
    activeAt: undefined,
    firedAt: undefined,
    resolvedAt: undefined,
    lastSeenAt: undefined,
    acknowledged: undefined,
    heldResolved: false,
    sequence: 0,
  };
}

/** What the evaluation at `now` does to the instance. */
export function observe(prev: InstanceState, seen: Observation, now: number, t: Timing): Step {
  if (seen.kind === 'keep') return { next: prev, transition: undefined };
  if (seen.kind === 'clear') {
    const value = seen.value ?? prev.value;
    switch (prev.state) {
      case AlertStates.PENDING:
        return move(prev, AlertStates.INACTIVE, now, { value, activeAt: undefined });
      case AlertStates.FIRING:
        return t.keepFiringForMs > 0
          ? move(prev, AlertStates.RECOVERING, now, { value })
          : move(prev, AlertStates.RESOLVED, now, { value, resolvedAt: now });
      case AlertStates.RECOVERING:
        return now - (prev.lastSeenAt ?? now) >= t.keepFiringForMs
          ? move(prev, AlertStates.RESOLVED, now, { value, resolvedAt: now })
          : same(prev, { value });
      default:
        return same(prev, { value, heldResolved: false });
    }
  }
  const update = { value: seen.value, values: seen.values, lastSeenAt: now };
  switch (prev.state) {
    case AlertStates.INACTIVE:
    case AlertStates.RESOLVED: {
      if (prev.heldResolved) return same(prev, { value: seen.value });
      const activation = {
        ...update,
        activeAt: now,
        firedAt: undefined,
        resolvedAt: undefined,
        acknowledged: undefined,
      };
      return t.forMs > 0
        ? move(prev, AlertStates.PENDING, now, activation)
        : move(prev, AlertStates.FIRING, now, { ...activation, firedAt: now });
    }
    case AlertStates.PENDING:
      return now - (prev.activeAt ?? now) >= t.forMs
        ? move(prev, AlertStates.FIRING, now, { ...update, firedAt: now })
        : same(prev, update);
    case AlertStates.RECOVERING:
      return move(prev, AlertStates.FIRING, now, update);
    default:
      return same(prev, update);
  }
}

/** An operator acknowledges a firing (or recovering) instance; anything else is refused. */
export function acknowledge(
  prev: InstanceState,
  ack: Acknowledgement,
): Step | { readonly refused: string } {
  if (prev.state !== AlertStates.FIRING && prev.state !== AlertStates.RECOVERING) {
    return {
      refused: `alert ${prev.fingerprint} is ${prev.state}, only a firing alert can be acknowledged`,
    };
  }
  return {
    next: { ...prev, acknowledged: ack, sequence: prev.sequence + 1 },
    transition: {
      from: prev.state,
      to: prev.state,
      at: ack.at,
      actor: ack.by,
      comment: ack.comment,
    },
  };
}

/** An operator resolves an instance by hand: resolved now, held until its condition clears. */
export function resolveByHand(
  prev: InstanceState,
  by: string,
  comment: string,
  now: number,
): Step | { readonly refused: string } {
  if (prev.state === AlertStates.RESOLVED || prev.state === AlertStates.INACTIVE) {
    return { refused: `alert ${prev.fingerprint} is already ${prev.state}` };
  }
  return move(
    prev,
    AlertStates.RESOLVED,
    now,
    { resolvedAt: now, heldResolved: true },
    by,
    comment,
  );
}

/** Firing and recovering instances are notified as firing. */
export function isActive(s: InstanceState): boolean {
  return s.state === AlertStates.FIRING || s.state === AlertStates.RECOVERING;
}

function move(
  prev: InstanceState,
  to: AlertState,
  at: number,
  changes: Partial<InstanceState>,
  actor = '',
  comment = '',
): Step {
  return {
    next: { ...prev, ...changes, state: to, sequence: prev.sequence + 1 },
    transition: { from: prev.state, to, at, actor, comment },
  };
}

function same(prev: InstanceState, changes: Partial<InstanceState>): Step {
  return { next: { ...prev, ...changes }, transition: undefined };
}
