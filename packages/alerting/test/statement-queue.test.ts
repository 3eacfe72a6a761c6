/**
 * Statements wait for the engine in the order of the deadline of the evaluation they serve,
 * whatever depth of async calls they are sent from.
 */
import { describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { StatementQueue, withDeadline } from '../src/statement-queue.js';

/** A client whose queries finish when the test says, recording the order they started in. */
function gatedClient() {
  const started: string[] = [];
  const gates: (() => void)[] = [];
  const query = ((params: { query: string }) => {
    started.push(params.query);
    return new Promise((resolve) => gates.push(() => resolve({ query: params.query })));
  }) as unknown as ClickHouseClient['query'];
  const release = async () => {
    gates.shift()?.();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  return { client: { query }, started, release, open: () => gates.length };
}

describe('StatementQueue', () => {
  it('runs one statement per slot, the earliest deadline next; outside a deadline, last', async () => {
    const inner = gatedClient();
    const client = new StatementQueue(1).client(inner.client);
    const batch = (deadline: number, names: string[]) =>
      withDeadline(deadline, async () => {
        // Sent from inside nested async work, as the evaluator sends them.
        await Promise.resolve();
        return Promise.all(names.map((n) => client.query({ query: n })));
      });
    const heavy = batch(60_000, ['heavy-1', 'heavy-2', 'heavy-3']);
    await new Promise((r) => setImmediate(r));
    const loose = client.query({ query: 'no-deadline' });
    const probe = batch(1_000, ['probe']);
    await new Promise((r) => setImmediate(r));
    expect(inner.started).toEqual(['heavy-1']);
    while (inner.open() > 0) await inner.release();
    await Promise.all([heavy, loose, probe]);
    expect(inner.started).toEqual(['heavy-1', 'probe', 'heavy-2', 'heavy-3', 'no-deadline']);
  });

  it('runs as many statements at once as it has slots', async () => {
    const inner = gatedClient();
    const client = new StatementQueue(2).client(inner.client);
    const all = Promise.all(['a', 'b', 'c'].map((q) => client.query({ query: q })));
    await new Promise((r) => setImmediate(r));
    expect(inner.started).toEqual(['a', 'b']);
    while (inner.open() > 0) await inner.release();
    await all;
    expect(inner.started).toEqual(['a', 'b', 'c']);
  });
});
