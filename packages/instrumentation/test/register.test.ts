import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { register } from '../src/register.js';

interface Received {
  path: string;
  contentType: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A minimal OTLP/HTTP receiver: records every request, answers 200 with an empty protobuf body. */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

const PACKAGE_ENTRY = new URL('../dist/register.js', import.meta.url).href;

/** Runs an ES module script in a fresh Node process; resolves with how it ended and what it printed. */
function runNode(
  script: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('register()', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const saved = { ...process.env };
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));
  afterEach(() => {
    receiver.received.length = 0;
    for (const key of Object.keys(process.env))
      if (key.startsWith('OTEL_')) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('exports spans over OTLP/HTTP protobuf in batches, flushed by shutdown()', async () => {
    const registration = register({
      serviceName: 'routing-test-agent',
      endpoint: receiver.url,
      headers: { 'x-api-key': 'k-123456789' },
      handleSignals: false,
    });
    const span = trace.getTracer('test').startSpan('chat gpt-4o');
    expect(span.isRecording()).toBe(true);
    span.end();
    // Batched: nothing is sent on span end...
    expect(receiver.received).toHaveLength(0);
    await registration.shutdown();
    // ...and everything is sent by the flush of shutdown.
    const traces = receiver.received.filter((r) => r.path === '/v1/traces');
    expect(traces.length).toBeGreaterThanOrEqual(1);
    expect(traces[0]?.contentType).toBe('application/x-protobuf');
    expect(traces[0]?.headers['x-api-key']).toBe('k-123456789');
    const body = Buffer.concat(traces.map((r) => r.body));
    expect(body.includes('chat gpt-4o')).toBe(true);
    expect(body.includes('routing-test-agent')).toBe(true);
    // Only traces: no metrics or logs are pushed at an endpoint that takes traces.
    expect(receiver.received.every((r) => r.path === '/v1/traces')).toBe(true);
    // After shutdown, spans go nowhere and a new registration may start.
    expect(trace.getTracer('test').startSpan('late').isRecording()).toBe(false);
  });

  it('lets OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME override the options', async () => {
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
    process.env['OTEL_SERVICE_NAME'] = 'name-from-env';
    const registration = register({
      serviceName: 'name-from-code',
      endpoint: 'http://127.0.0.1:9',
      handleSignals: false,
    });
    trace.getTracer('test').startSpan('from env').end();
    await registration.shutdown();
    const body = Buffer.concat(receiver.received.map((r) => r.body));
    expect(receiver.received[0]?.path).toBe('/v1/traces');
    expect(body.includes('name-from-env')).toBe(true);
    expect(body.includes('name-from-code')).toBe(false);
  });

  it('returns the first registration when called twice, and shutdown is idempotent', async () => {
    const first = register({ endpoint: receiver.url, handleSignals: false });
    const second = register({ endpoint: 'http://127.0.0.1:9', handleSignals: false });
    expect(second).toBe(first);
    await Promise.all([first.shutdown(), second.shutdown()]);
    await first.shutdown();
  });

  it('OTEL_SDK_DISABLED turns it into a no-op', async () => {
    process.env['OTEL_SDK_DISABLED'] = 'true';
    const registration = register({ endpoint: receiver.url, handleSignals: false });
    expect(trace.getTracer('test').startSpan('x').isRecording()).toBe(false);
    await registration.shutdown();
    expect(receiver.received).toHaveLength(0);
  });

  it('flushes on SIGTERM, then lets the signal end the process', async () => {
    const script = `
      import { register } from ${JSON.stringify(PACKAGE_ENTRY)};
      import { trace } from '@opentelemetry/api';
      register({ serviceName: 'sigterm-agent', endpoint: ${JSON.stringify(receiver.url)} });
      trace.getTracer('t').startSpan('before sigterm').end();
      setInterval(() => {}, 1000); // a live process, as a server would be
      process.kill(process.pid, 'SIGTERM');
    `;
    const result = await runNode(script);
    expect(result.signal, result.stderr).toBe('SIGTERM');
    const body = Buffer.concat(receiver.received.map((r) => r.body));
    expect(body.includes('before sigterm')).toBe(true);
  });

  it('importing the package starts nothing', async () => {
    const script = `
      import { createRequire } from 'node:module';
      const before = new Set(process.getActiveResourcesInfo());
      const m = await import(${JSON.stringify(PACKAGE_ENTRY)});
      const { trace } = await import('@opentelemetry/api');
      // Let the module loader's own file reads settle; what remains was started by the import.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = process.getActiveResourcesInfo().filter((r) => !before.has(r));
      console.log(JSON.stringify({
        started,
        recording: trace.getTracer('t').startSpan('x').isRecording(),
        sigterm: process.listenerCount('SIGTERM'),
        register: typeof m.register,
        // The SDK (and its gRPC exporters) is loaded by register(), not by the import.
        sdkLoaded: Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('sdk-node')),
      }));
    `;
    const result = await runNode(script);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      started: [],
      recording: false,
      sigterm: 0,
      register: 'function',
      sdkLoaded: false,
    });
  });
});
