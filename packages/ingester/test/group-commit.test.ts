import { describe, expect, it } from 'vitest';
import type { LlmSpanRow } from '@agentmeter/schema';
import { BackpressureError, GroupCommitter } from '../src/group-commit.js';
import { InsertError, type StoreReport } from '../src/span-store.js';
import { ManualClock } from '@agentmeter/test-kit';

const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ span_id: String(i) }) as LlmSpanRow);
const stored = (): StoreReport => ({ refused: [], pending: [], unstored: [], failure: undefined });
/** Lets pending promise callbacks run; no time passes (the clock is manual). */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('GroupCommitter', () => {
  it('gathers concurrent submits into one insert and answers each after it returns', async () => {
    const clock = new ManualClock();
    const inserts: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = new GroupCommitter(
      { maxRows: 1000, maxDelayMs: 5, maxPendingRows: 10_000, clock },
      async (batch) => {
        inserts.push(batch.length);
        await gate;
        return stored();
      },
    );
    let answered = 0;
    const submits = [c.submit(rows(10)), c.submit(rows(20)), c.submit(rows(30))].map((p) =>
      p.then(() => answered++),
    );
    clock.advance(4);
    expect(inserts).toEqual([]); // still gathering
    clock.advance(1);
    expect(inserts).toEqual([60]);
    await settle();
    expect(answered).toBe(0); // nothing is acknowledged before its rows are stored
    release();
    await Promise.all(submits);
    expect(answered).toBe(3);
    expect(c.pendingRows).toBe(0);
  });

  it('runs one insert at a time and gathers the next batch meanwhile', async () => {
    const clock = new ManualClock();
    const inserts: number[] = [];
    const gates: (() => void)[] = [];
    const c = new GroupCommitter(
      { maxRows: 10, maxDelayMs: 1, maxPendingRows: 10_000, clock },
      async (batch) => {
        inserts.push(batch.length);
        await new Promise<void>((r) => gates.push(r));
        return stored();
      },
    );
    const first = c.submit(rows(10)); // full: inserted at once
    expect(inserts).toEqual([10]);
    const rest = [c.submit(rows(3)), c.submit(rows(4))];
    clock.advance(10);
    expect(inserts).toEqual([10]); // the next batch waits for the running insert
    gates.shift()!();
    await first;
    await settle();
    expect(inserts).toEqual([10, 7]);
    gates.shift()!();
    await Promise.all(rest);
  });

  it('refuses past the pending bound instead of queueing without limit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = new GroupCommitter(
      { maxRows: 5, maxDelayMs: 1, maxPendingRows: 12, clock: new ManualClock() },
      () => gate.then(stored),
    );
    const accepted = c.submit(rows(10));
    await expect(c.submit(rows(5))).rejects.toBeInstanceOf(BackpressureError);
    release();
    await accepted;
    await expect(c.submit(rows(5))).resolves.toEqual(stored());
  });

  it("answers each request with its own rows' fate: one request's bad rows fail no other", async () => {
    const a = rows(3);
    const b = rows(2);
    const c = new GroupCommitter(
      { maxRows: 5, maxDelayMs: 1, maxPendingRows: 1000, clock: new ManualClock() },
      async (batch) => {
        expect(batch).toHaveLength(5);
        return { ...stored(), refused: [{ row: a[1]!, reason: 'CANNOT_PARSE_NUMBER' }] };
      },
    );
    const [ra, rb] = await Promise.all([c.submit(a), c.submit(b)]);
    expect(ra!.refused).toEqual([{ row: a[1], reason: 'CANNOT_PARSE_NUMBER' }]);
    expect(ra!.failure).toBeUndefined();
    expect(rb).toEqual(stored());
  });

  it('fails only the requests whose rows could not be stored', async () => {
    const a = rows(2);
    const b = rows(3);
    const down = new InsertError('store down');
    const c = new GroupCommitter(
      { maxRows: 5, maxDelayMs: 1, maxPendingRows: 1000, clock: new ManualClock() },
      async () => ({ ...stored(), pending: [b[0]!], unstored: [b[1]!, b[2]!], failure: down }),
    );
    const [ra, rb] = await Promise.all([c.submit(a), c.submit(b)]);
    expect(ra).toEqual(stored());
    expect(rb).toEqual({ refused: [], pending: [b[0]], unstored: [b[1], b[2]], failure: down });
    expect(c.pendingRows).toBe(0);
  });
});
