/**
 * The demo's span exporter: OTLP/JSON over HTTP that reads every answer, so that the demo can
 * say how many spans the ingester accepted and how many it rejected, and why. The OpenTelemetry
 * OTLP exporters cannot tell: a partial rejection (spans outside the retention window, a skewed
 * clock) comes back with status 200 and they only log it through `diag`.
 */
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Clock } from '@agentmeter/conventions';

type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

/** `ExportResultCode` of @opentelemetry/core, which this package does not depend on. */
const SUCCESS = 0;
const FAILED = 1;

/** OTLP/HTTP's answers that ask the sender to retry later; tried this many times in all. */
const RETRYABLE = new Set([429, 502, 503, 504]);
const ATTEMPTS = 4;
const REQUEST_TIMEOUT_MS = 30_000;

/** The ingester refused an export, or could not be reached. */
export class ExportRefusedError extends Error {
  readonly code = 'AGENTMETER_DEMO_EXPORT_REFUSED';
}

export class DemoExporter implements SpanExporter {
  accepted = 0;
  rejected = 0;
  /** Why spans were last rejected, as the ingester put it. */
  lastError: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    /** The OTLP/HTTP traces endpoint, `.../v1/traces`. */
    private readonly url: string,
    /** Waits out the ingester's `Retry-After`. */
    private readonly clock: Clock,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const sending = this.send(spans).then(done, (err: unknown) => {
      const error =
        err instanceof ExportRefusedError
          ? err
          : new ExportRefusedError(`cannot reach ${this.url}: ${causeOf(err)}`, { cause: err });
      this.reject(spans.length, error.message);
      done({ code: FAILED, error });
    });
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }

  private async send(spans: ReadableSpan[]): Promise<ExportResult> {
    const body = JSON.stringify(encode(spans));
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.ok) {
        const partial = parse(text)?.['partialSuccess'] as Record<string, unknown> | undefined;
        const rejected = Math.min(spans.length, Number(partial?.['rejectedSpans']) || 0);
        this.accepted += spans.length - rejected;
        if (rejected > 0) this.reject(rejected, String(partial?.['errorMessage'] ?? ''));
        return { code: SUCCESS };
      }
      if (!RETRYABLE.has(res.status) || attempt === ATTEMPTS) {
        const message = parse(text)?.['message'] ?? text.slice(0, 200);
        throw new ExportRefusedError(`HTTP ${res.status} from ${this.url}: ${String(message)}`);
      }
      const retryAfterS = Number(res.headers.get('retry-after'));
      await this.clock.sleep(retryAfterS > 0 ? retryAfterS * 1000 : 500 * 2 ** attempt);
    }
  }

  private reject(spans: number, reason: string): void {
    this.rejected += spans;
    this.lastError = reason;
  }
}

/** An ExportTraceServiceRequest in OTLP/JSON: what the fleet emits (no events or links). */
function encode(spans: readonly ReadableSpan[]): unknown {
  const byResource = new Map<ReadableSpan['resource'], Map<string, ReadableSpan[]>>();
  for (const span of spans) {
    const scopes = byResource.get(span.resource) ?? new Map<string, ReadableSpan[]>();
    byResource.set(span.resource, scopes);
    const { name, version = '' } = span.instrumentationScope;
    const scoped = scopes.get(`${name}\0${version}`) ?? [];
    scopes.set(`${name}\0${version}`, scoped);
    scoped.push(span);
  }
  return {
    resourceSpans: [...byResource].map(([resource, scopes]) => ({
      resource: { attributes: attributes(resource.attributes) },
      scopeSpans: [...scopes.values()].map((scoped) => ({
        scope: {
          name: scoped[0]!.instrumentationScope.name,
          version: scoped[0]!.instrumentationScope.version,
        },
        spans: scoped.map((s) => ({
          traceId: s.spanContext().traceId,
          spanId: s.spanContext().spanId,
          parentSpanId: s.parentSpanContext?.spanId,
          name: s.name,
          // The API's SpanKind counts from INTERNAL = 0, OTLP's from SPAN_KIND_INTERNAL = 1.
          kind: s.kind + 1,
          startTimeUnixNano: nanos(s.startTime),
          endTimeUnixNano: nanos(s.endTime),
          attributes: attributes(s.attributes),
          status: s.status,
        })),
      })),
    })),
  };
}

function attributes(attrs: Attributes): { key: string; value: unknown }[] {
  return Object.entries(attrs).flatMap(([key, v]) =>
    v === undefined ? [] : [{ key, value: anyValue(v) }],
  );
}

function anyValue(v: AttributeValue): unknown {
  if (Array.isArray(v))
    return { arrayValue: { values: v.filter((x) => x != null).map((x) => anyValue(x)) } };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
}

function nanos([seconds, ns]: readonly [number, number]): string {
  return String(BigInt(seconds) * 1_000_000_000n + BigInt(ns));
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `connect ECONNREFUSED 127.0.0.1:4318` rather than fetch's `fetch failed`. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : (err as Error).message;
}
