/**
 * An opt-in in-memory response cache: least-recently-used, bounded, entries expire after a TTL.
 * Keyed by the model and everything that shapes its answer (messages, maxTokens, temperature),
 * hashed so that a key costs 64 characters however long the prompt. A hit is still recorded as
 * a call span, with zero cost and the cost it saved.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage, ChatResponse } from './types.js';

export interface ResponseCacheOptions {
  /** Entries kept at most; the least recently used is evicted past this. Default 1,000. */
  maxEntries?: number;
  /** How long an entry is served, ms. Default 5 minutes. */
  ttlMs?: number;
}

export interface CacheKeyInput {
  model: string;
  messages: readonly ChatMessage[];
  maxTokens?: number;
  temperature?: number;
}

interface Entry {
  readonly response: ChatResponse;
  readonly expiresAt: number;
}

export class ResponseCache {
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  /** Map iteration order is insertion order: re-inserting on a hit keeps the oldest first. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: ResponseCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 1_000;
    this.#ttlMs = options.ttlMs ?? 300_000;
    if (!(this.#maxEntries >= 1) || !(this.#ttlMs > 0)) {
      throw new RangeError('ResponseCache needs maxEntries >= 1 and ttlMs > 0');
    }
  }

  static key(input: CacheKeyInput): string {
    return createHash('sha256')
      .update(JSON.stringify([input.model, input.maxTokens, input.temperature, input.messages]))
      .digest('hex');
  }

  get(key: string, now: number): ChatResponse | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (now >= entry.expiresAt) return undefined;
    this.#entries.set(key, entry);
    return entry.response;
  }

  set(key: string, response: ChatResponse, now: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { response, expiresAt: now + this.#ttlMs });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
