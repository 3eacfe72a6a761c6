/**
 * A fixed-capacity open-addressing hash set of span keys (trace id + span id), stored as four
 * 32-bit words: the low 64 bits of the trace id and the whole span id. Exact on those 128 bits,
 * 16 bytes a key, no per-key allocation: two million keys cost 64 MiB of typed arrays where a
 * Set of strings would cost several times that.
 */
export class SpanKeySet {
  private readonly words: Uint32Array;
  private readonly used: Uint8Array;
  private readonly mask: number;
  /** The key being looked up, parsed once per call. */
  private readonly key = new Uint32Array(4);
  private count = 0;

  /** Holds up to `maxKeys` keys at a load factor of at most 0.5. */
  constructor(readonly maxKeys: number) {
    let slots = 2;
    while (slots < maxKeys * 2) slots *= 2;
    this.mask = slots - 1;
    this.words = new Uint32Array(slots * 4);
    this.used = new Uint8Array(slots);
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.maxKeys;
  }

  /** Empties the set, keeping its memory (only the occupancy bytes are cleared). */
  clear(): void {
    this.used.fill(0);
    this.count = 0;
  }

  has(traceId: string, spanId: string): boolean {
    this.load(traceId, spanId);
    return this.find() >= 0;
  }

  /** Adds the key; returns false if it was present or the set is full. */
  add(traceId: string, spanId: string): boolean {
    this.load(traceId, spanId);
    const slot = this.find();
    if (slot >= 0 || this.full) return false;
    const free = -slot - 1;
    this.words.set(this.key, free * 4);
    this.used[free] = 1;
    this.count++;
    return true;
  }

  private load(traceId: string, spanId: string): void {
    this.key[0] = parseHex(traceId, 16);
    this.key[1] = parseHex(traceId, 24);
    this.key[2] = parseHex(spanId, 0);
    this.key[3] = parseHex(spanId, 8);
  }

  /** The slot holding the loaded key (>= 0), or -(free slot) - 1 where it would go. */
  private find(): number {
    const [t0, t1, s0, s1] = this.key as unknown as [number, number, number, number];
    let slot = (Math.imul(s0 ^ t1, 0x9e3779b1) ^ s1) & this.mask;
    for (;;) {
      if (this.used[slot] === 0) return -slot - 1;
      const w = slot * 4;
      if (
        this.words[w] === t0 &&
        this.words[w + 1] === t1 &&
        this.words[w + 2] === s0 &&
        this.words[w + 3] === s1
      ) {
        return slot;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}

/** Eight hex digits at `offset` as an unsigned 32-bit integer (ids are validated hex). */
function parseHex(hex: string, offset: number): number {
  return Number.parseInt(hex.substring(offset, offset + 8), 16) >>> 0;
}
