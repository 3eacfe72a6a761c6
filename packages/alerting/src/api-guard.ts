/**
 * Who may call the alerting API, and how often: API keys with scopes (`read`: alerts, rules,
 * statistics, budgets; `write`: acknowledge, resolve, change rules, test sends), compared in
 * constant time, and a token bucket per client address. Probes (`/healthz`, `/readyz`) and
 * `/metrics` stay open, as on the ingester.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '@agentmeter/conventions';

export type Scope = 'read' | 'write';

export interface ApiKey {
  readonly key: string;
  readonly scopes: readonly Scope[];
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
function presented(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

/** Undefined when the request may act in `scope`; else the HTTP status and why. */
export function authorise(
  req: IncomingMessage,
  keys: readonly ApiKey[],
  scope: Scope,
): { status: 401 | 403; message: string } | undefined {
  if (keys.length === 0) return undefined; // loopback only: the config refuses open non-loopback
  const given = presented(req);
  if (given === undefined)
    return {
      status: 401,
      message: 'an API key is required (Authorization: Bearer <key> or X-API-Key)',
    };
  const match = keys.find((k) => sameSecret(k.key, given));
  if (!match) return { status: 401, message: 'unknown API key' };
  if (!match.scopes.includes(scope))
    return { status: 403, message: `this API key may not ${scope}` };
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A token bucket per client address: `ratePerSecond`, bursts of twice that. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly clock: Clock,
    /** Addresses remembered at most (the idlest are forgotten first). */
    private readonly maxClients = 10_000,
  ) {}

  /** True if `address` may make one more request now. */
  take(address: string): boolean {
    const now = this.clock.now();
    const burst = this.ratePerSecond * 2;
    const b = this.buckets.get(address) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    this.buckets.delete(address);
    this.buckets.set(address, b);
    if (this.buckets.size > this.maxClients) {
      this.buckets.delete(this.buckets.keys().next().value!);
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
