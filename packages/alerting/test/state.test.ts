/** The alert state machine, evaluation by evaluation, on explicit times. */
import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  newInstance,
  observe,
  resolveByHand,
  type InstanceState,
  type Observation,
  type Timing,
} from '../src/state.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1, 12);
const breach = (value = 1): Observation => ({ kind: 'breach', value, values: {} });
const clear: Observation = { kind: 'clear', value: 0 };
const keep: Observation = { kind: 'keep' };

/** Runs observations one minute apart; returns the state after each. */
function run(timing: Timing, seen: Observation[], start = newInstance('fp', 'rule', {})) {
  const states: string[] = [];
  let s: InstanceState = start;
  seen.forEach((o, i) => {
    s = observe(s, o, T0 + i * MIN, timing).next;
    states.push(s.state);
  });
  return { states, last: s };
}

describe('observe', () => {
  it('fires at once without `for`, and resolves at once without `keep_firing_for`', () => {
    const { states, last } = run({ forMs: 0, keepFiringForMs: 0 }, [breach(), breach(), clear]);
    expect(states).toEqual(['firing', 'firing', 'resolved']);
    expect(last).toMatchObject({
      activeAt: T0,
      firedAt: T0,
      resolvedAt: T0 + 2 * MIN,
      sequence: 2,
    });
  });

  it('stays pending until the condition has held for `for`, at the evaluation that sees it', () => {
    const { states, last } = run({ forMs: 2 * MIN, keepFiringForMs: 0 }, [
      breach(),
      breach(),
      breach(),
      breach(),
    ]);
    expect(states).toEqual(['pending', 'pending', 'firing', 'firing']);
    expect(last).toMatchObject({ activeAt: T0, firedAt: T0 + 2 * MIN });
  });

  it('drops a pending instance whose condition clears before `for`, and starts over', () => {
    const { states, last } = run({ forMs: 2 * MIN, keepFiringForMs: 0 }, [
      breach(),
      clear,
      breach(),
      breach(),
    ]);
    expect(states).toEqual(['pending', 'inactive', 'pending', 'pending']);
    expect(last.activeAt).toBe(T0 + 2 * MIN);
  });

  it('keeps firing (recovering) for `keep_firing_for` after the condition clears, and fires on without a new activation if it breaches again', () => {
    const timing = { forMs: 0, keepFiringForMs: 2 * MIN };
    const { states, last } = run(timing, [breach(), clear, breach(), clear, clear]);
    expect(states).toEqual(['firing', 'recovering', 'firing', 'recovering', 'resolved']);
    expect(last.activeAt).toBe(T0); // one activation throughout
    // Resolved 2 min after the last evaluation that saw the breach (at 2 min).
    expect(last.resolvedAt).toBe(T0 + 4 * MIN);
  });

  it('changes nothing on `keep` (no verdict: volume under min_requests)', () => {
    const { states } = run({ forMs: MIN, keepFiringForMs: 0 }, [breach(), keep, keep, breach()]);
    // The pending clock runs from the first breach: 3 min later it fires.
    expect(states).toEqual(['pending', 'pending', 'pending', 'firing']);
  });

  it('starts a new activation after resolving, and forgets the acknowledgement', () => {
    const timing = { forMs: 0, keepFiringForMs: 0 };
    let s = observe(newInstance('fp', 'r', {}), breach(), T0, timing).next;
    const acked = acknowledge(s, { by: 'ana', at: T0 + 1, comment: 'looking' });
    if ('refused' in acked) throw new Error(acked.refused);
    s = observe(acked.next, clear, T0 + MIN, timing).next;
    s = observe(s, breach(), T0 + 2 * MIN, timing).next;
    expect(s).toMatchObject({ state: 'firing', activeAt: T0 + 2 * MIN, acknowledged: undefined });
  });
});

describe('acknowledge and resolve by hand', () => {
  const firing = observe(newInstance('fp', 'r', {}), breach(), T0, {
    forMs: 0,
    keepFiringForMs: 0,
  }).next;

  it('acknowledges a firing instance with who, when and why, as a recorded change', () => {
    const step = acknowledge(firing, { by: 'ana', at: T0 + 5, comment: 'provider incident' });
    expect(step).toMatchObject({
      next: {
        state: 'firing',
        acknowledged: { by: 'ana', at: T0 + 5, comment: 'provider incident' },
      },
      transition: { from: 'firing', to: 'firing', actor: 'ana', comment: 'provider incident' },
    });
  });

  it('refuses to acknowledge what is not firing', () => {
    expect(acknowledge(newInstance('fp', 'r', {}), { by: 'a', at: T0, comment: '' })).toEqual({
      refused: 'alert fp is inactive, only a firing alert can be acknowledged',
    });
  });

  it('holds a hand-resolved instance resolved while the breach goes on, until it clears once', () => {
    const step = resolveByHand(firing, 'ana', 'fixed upstream', T0 + MIN);
    if ('refused' in step) throw new Error(step.refused);
    const timing = { forMs: 0, keepFiringForMs: 0 };
    let s = step.next;
    expect(s).toMatchObject({ state: 'resolved', resolvedAt: T0 + MIN, heldResolved: true });
    s = observe(s, breach(), T0 + 2 * MIN, timing).next;
    expect(s.state).toBe('resolved');
    s = observe(s, clear, T0 + 3 * MIN, timing).next;
    s = observe(s, breach(), T0 + 4 * MIN, timing).next;
    expect(s).toMatchObject({ state: 'firing', activeAt: T0 + 4 * MIN, heldResolved: false });
  });
});
