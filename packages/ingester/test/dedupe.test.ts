import { describe, expect, it } from 'vitest';
import type { LlmSpanRow } from '@agentmeter/schema';
import { Deduplicator } from '../src/dedupe.js';
import { SpanKeySet } from '../src/span-key-set.js';

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');
const row = (trace: number, span: number) =>
  ({ trace_id: hex(trace, 32), span_id: hex(span, 16), timestamp: '1' }) as LlmSpanRow;

describe('SpanKeySet', () => {
  it('is exact on trace and span ids and refuses keys past its capacity', () => {
    const set = new SpanKeySet(1000);
    for (let i = 1; i <= 1000; i++) expect(set.add(hex(i, 32), hex(i * 7919, 16))).toBe(true);
    for (let i = 1; i <= 1000; i++) expect(set.has(hex(i, 32), hex(i * 7919, 16))).toBe(true);
    expect(set.has(hex(1, 32), hex(2, 16))).toBe(false);
    // Same span id in another trace is another span (the key holds the trace id's random low half).
    expect(set.has(hex(1, 16) + 'f'.repeat(16), hex(7919, 16))).toBe(false);
    expect(set.add(hex(1, 32), hex(7919, 16))).toBe(false);
    expect(set.full).toBe(true);
    expect(set.add(hex(5000, 32), hex(1, 16))).toBe(false);
    expect(set.size).toBe(1000);
  });
});

describe('Deduplicator', () => {
  it('drops a span once stored, and a span claimed by a batch still in flight', async () => {
    const d = new Deduplicator({ windowMs: 60_000, maxSpans: 100 });
    const first = d.claim([row(1, 1), row(1, 2)]);
    expect(first.fresh).toHaveLength(2);
    const concurrent = d.claim([row(1, 2), row(1, 3)]);
    expect(concurrent).toMatchObject({ duplicates: 1 });
    d.commit(first.fresh);
    d.commit(concurrent.fresh);
    const retry = d.claim([row(1, 1), row(1, 2), row(1, 3), row(1, 4)]);
    expect(retry.fresh.map((r) => r.span_id)).toEqual([hex(4, 16)]);
    expect(retry.duplicates).toBe(3);
  });

  it('lets a released batch be retried', async () => {
    const d = new Deduplicator({ windowMs: 60_000, maxSpans: 100 });
    const a = d.claim([row(2, 1)]);
    d.release(a.fresh);
    expect(d.claim([row(2, 1)]).fresh).toHaveLength(1);
  });

  it('forgets spans after two generations of the window', async () => {
    let now = 0;
    const d = new Deduplicator({ windowMs: 1000, maxSpans: 100, now: () => now });
    d.commit(d.claim([row(4, 1)]).fresh);
    now = 600; // rotation: still remembered in the previous generation
    expect(d.claim([row(4, 1)]).duplicates).toBe(1);
    now = 1200; // second rotation: gone
    expect(d.claim([row(4, 1)]).fresh).toHaveLength(1);
  });

  it('recycles its generations: rotation allocates nothing and forgets what the recycled one held', () => {
    const now = 0;
    const d = new Deduplicator({ windowMs: 1000, maxSpans: 4, now: () => now });
    d.commit(d.claim([row(6, 1), row(6, 2)]).fresh); // the generation (2 keys) is full
    d.commit(d.claim([row(6, 3)]).fresh); // rotation by size, not time
    expect(d.rememberedSpans).toBe(3);
    expect(d.claim([row(6, 1), row(6, 3)]).duplicates).toBe(2);
    d.commit(d.claim([row(6, 4)]).fresh); // full again: the oldest generation is recycled
    expect(d.claim([row(6, 1)]).fresh).toHaveLength(1);
    expect(d.claim([row(6, 3), row(6, 4)]).duplicates).toBe(2);
  });

  it('seeds from stored keys', async () => {
    const d = new Deduplicator({ windowMs: 60_000, maxSpans: 100 });
    d.seed([{ traceId: hex(5, 32), spanId: hex(1, 16) }]);
    expect(d.claim([row(5, 1)]).duplicates).toBe(1);
  });
});
