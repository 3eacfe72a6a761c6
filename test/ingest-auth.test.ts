/**
 * API-key authentication of the OTLP receiver and, with the same keys, of the ClickHouse
 * interface (its own process: one embedded engine per process).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

describe('ClickHouse interface with API keys configured', () => {
  const query = (headers: Record<string, string>) =>
    fetch(
      `${product.clickhouseUrl}/?query=${encodeURIComponent('SELECT count() FROM agentmeter.llm_spans')}`,
      {
        headers,
      },
    );

  it('refuses anonymous and wrong-key queries', async () => {
    const anonymous = await query({});
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get('x-clickhouse-exception-code')).toBe('516');
    expect((await query({ 'X-ClickHouse-Key': 'wrong-key-0123456789' })).status).toBe(403);
  });

  it('answers a query that presents a key as its password, read-only', async () => {
    const basic = `Basic ${Buffer.from(`grafana:${KEY}`).toString('base64')}`;
    const ok = await query({ Authorization: basic });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^\d+\n$/);
    const write = await fetch(`${product.clickhouseUrl}/`, {
      method: 'POST',
      headers: { Authorization: basic },
      body: 'DROP TABLE agentmeter.llm_spans',
    });
    expect(write.headers.get('x-clickhouse-exception-code')).toBe('164'); // READONLY
  });

  it('keeps /ping open for probes', async () => {
    expect((await fetch(`${product.clickhouseUrl}/ping`)).status).toBe(200);
  });
});

describe('access events', () => {
  it('records every refused request of both listeners, with the claimed user and never the key', async () => {
    const wrong = `Basic ${Buffer.from('mallory:not-the-key-0123456789').toString('base64')}`;
    await fetch(`${product.clickhouseUrl}/?query=SELECT+1`, { headers: { Authorization: wrong } });
    await post({ Authorization: 'Bearer not-the-key-0123456789' });
    await vi.waitFor(
      async () => {
        const rows = await product.rows<Record<string, string>>(
          `SELECT listener, event, user, method, path, count() AS n FROM agentmeter.access_events
           GROUP BY listener, event, user, method, path ORDER BY listener, user`,
        );
        expect(rows).toEqual(
          expect.arrayContaining([
            {
              listener: 'clickhouse-http',
              event: 'auth_failed',
              user: 'mallory',
              method: 'GET',
              path: '/',
              n: 1,
            },
            expect.objectContaining({ listener: 'otlp', event: 'auth_failed', path: '/v1/traces' }),
          ]),
        );
      },
      { timeout: 10_000 },
    );
    const [leak] = await product.rows<{ n: number }>(
      `SELECT count() AS n FROM agentmeter.access_events
       WHERE user LIKE '%not-the-key%' OR path LIKE '%key%'`,
    );
    expect(leak!.n).toBe(0);
  });
});
