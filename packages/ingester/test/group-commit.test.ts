import { describe, expect, it } from 'vitest';
import type { LlmSpanRow } from '@agentmeter/shared';
import { BackpressureError, GroupCommitter, InsertError } from '../src/group-commit.js';

const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ span_id: String(i) }) as LlmSpanRow);

describe('GroupCommitter', () => {
  it('gathers concurrent submits into one insert and answers each after it returns', async () => {
    const inserts: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = new GroupCommitter(
      { maxRows: 1000, maxDelayMs: 5, maxPendingRows: 10_000 },
      async (batch) => {
        inserts.push(batch.length);
        await gate;
      },
    );
    let answered = 0;
    const submits = [c.submit(rows(10)), c.submit(rows(20)), c.submit(rows(30))].map((p) =>
      p.then(() => answered++),
    );
    await new Promise((r) => setTimeout(r, 30));
    expect(inserts).toEqual([60]);
    expect(answered).toBe(0); // nothing is acknowledged before its rows are stored
    release();
    await Promise.all(submits);
    expect(answered).toBe(3);
    expect(c.pendingRows).toBe(0);
  });

  it('runs one insert at a time and gathers the next batch meanwhile', async () => {
    const inserts: number[] = [];
    const c = new GroupCommitter(
      { maxRows: 10, maxDelayMs: 1, maxPendingRows: 10_000 },
      async (batch) => {
        inserts.push(batch.length);
        await new Promise((r) => setTimeout(r, 20));
      },
    );
    const first = c.submit(rows(10));
    await new Promise((r) => setTimeout(r, 5));
    const rest = [c.submit(rows(3)), c.submit(rows(4))];
    await Promise.all([first, ...rest]);
    expect(inserts).toEqual([10, 7]);
  });

  it('refuses past the pending bound instead of queueing without limit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = new GroupCommitter({ maxRows: 5, maxDelayMs: 1, maxPendingRows: 12 }, () => gate);
    const accepted = c.submit(rows(10));
    await expect(c.submit(rows(5))).rejects.toBeInstanceOf(BackpressureError);
    release();
    await accepted;
    await expect(c.submit(rows(5))).resolves.toBeUndefined();
  });

  it('rejects every request of a failed batch with the insert error', async () => {
    const c = new GroupCommitter(
      { maxRows: 100, maxDelayMs: 1, maxPendingRows: 1000 },
      async () => {
        throw new InsertError('store down', false);
      },
    );
    const results = await Promise.allSettled([c.submit(rows(2)), c.submit(rows(3))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(c.pendingRows).toBe(0);
  });
});
