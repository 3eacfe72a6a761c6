/** API-key authentication of the OTLP receiver (its own process: one embedded engine per process). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProduct, type Running } from './helpers.js';

let product: Running;
const KEY = 'test-key-0123456789';
beforeAll(async () => {
  product = await startProduct({ ingester: { apiKeys: [KEY] } });
});
afterAll(async () => {
  await product?.stop();
});

const post = (headers: Record<string, string>) =>
  fetch(`${product.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: '{"resourceSpans":[]}',
  });

describe('OTLP receiver with API keys configured', () => {
  it('refuses a request without a key or with a wrong one', async () => {
    expect((await post({})).status).toBe(401);
    expect((await post({ Authorization: 'Bearer wrong-key-0123456789' })).status).toBe(401);
    expect((await post({ 'X-API-Key': KEY.slice(0, -1) })).status).toBe(401);
  });

  it('accepts the key as a bearer token or an X-API-Key header', async () => {
    const bearer = await post({ Authorization: `Bearer ${KEY}` });
    expect(bearer.status).toBe(200);
    expect(await bearer.json()).toEqual({});
    expect((await post({ 'X-API-Key': KEY })).status).toBe(200);
  });

  it('keeps health endpoints open for probes', async () => {
    expect((await fetch(`${product.otlpUrl}/healthz`)).status).toBe(200);
  });
});
