/**
 * `register()`: the OpenTelemetry NodeSDK set up for agentmeter in one call: traces over
 * OTLP/HTTP protobuf to the local agentmeter ingester (http://127.0.0.1:4318) unless the
 * standard OTEL_* variables say otherwise, a batch span processor, and a shutdown that flushes,
 * run on SIGTERM/SIGINT too.
 *
 * Precedence: the OTEL_* environment overrides the options given in code (the code gives
 * defaults; a deployment overrides them), as for the rest of agentmeter's configuration.
 *
 * Its own entry point (`@agentmeter/instrumentation/register`), with the SDK packages as optional
 * peers: the instrumentation itself depends on `@opentelemetry/api` alone, as the OpenTelemetry
 * specification asks of instrumentation libraries. The SDK is loaded on the first call, not on import: `@opentelemetry/sdk-node` pulls in every
 * exporter it supports (gRPC included, ~0.6 s), which users of the router alone should not pay,
 * and importing this package must do nothing. It is CommonJS, so a synchronous require keeps
 * `register()` synchronous: spans made right after it are exported.
 */
import { createRequire } from 'node:module';
import { context, diag, propagation, trace, type Attributes } from '@opentelemetry/api';
import type { NodeSDK, NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { Resource } from '@agentmeter/conventions';

type SdkModule = typeof import('@opentelemetry/sdk-node');
type SpanExporter = NodeSDKConfiguration['traceExporter'];

/** Where spans go when neither the options nor the environment say: the agentmeter ingester. */
export const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:4318';
const TRACES_PATH = '/v1/traces';
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface RegisterOptions {
  /** `service.name`, unless OTEL_SERVICE_NAME is set. */
  serviceName?: string;
  /** `service.version`. */
  serviceVersion?: string;
  /** More resource attributes (OTEL_RESOURCE_ATTRIBUTES adds its own). */
  resourceAttributes?: Attributes;
  /** OTLP/HTTP base URL (`/v1/traces` is appended), unless OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set. Default http://127.0.0.1:4318. */
  endpoint?: string;
  /** Headers of every export (e.g. an ingester API key); OTEL_EXPORTER_OTLP_HEADERS adds its own. */
  headers?: Record<string, string>;
  /** Replaces the OTLP exporter (still batched). */
  traceExporter?: SpanExporter;
  /** Flush and shut down on SIGTERM and SIGINT, then let the signal end the process. Default true. */
  handleSignals?: boolean;
  /** How long a shutdown waits for the flush, ms. Default 10,000. */
  shutdownTimeoutMs?: number;
}

export interface Registration {
  /** Flushes the spans not yet exported and stops the SDK; safe to call twice. */
  shutdown(): Promise<void>;
}

let active: Registration | undefined;

/** Starts the NodeSDK once per process; a second call returns the first registration. */
export function register(options: RegisterOptions = {}): Registration {
  if (active !== undefined) {
    diag.warn('agentmeter register() was called again; keeping the first registration');
    return active;
  }
  const require = createRequire(import.meta.url);
  const sdkModule = requireSdk(require);

  const attributes: Attributes = { ...options.resourceAttributes };
  if (options.serviceVersion !== undefined)
    attributes[Resource.SERVICE_VERSION] = options.serviceVersion;
  const config: Partial<NodeSDKConfiguration> = {
    serviceName: env('OTEL_SERVICE_NAME') ?? options.serviceName,
    // Only traces, unless the environment asks for more: agentmeter emits no metrics or logs,
    // and NodeSDK's defaults would otherwise export both to an endpoint that takes only traces.
    ...(env('OTEL_METRICS_EXPORTER') === undefined ? { metricReaders: [] } : {}),
    ...(env('OTEL_LOGS_EXPORTER') === undefined ? { logRecordProcessors: [] } : {}),
  };
  if (Object.keys(attributes).length > 0) {
    config.resource = sdkModule.resources
      .defaultResource()
      .merge(sdkModule.resources.resourceFromAttributes(attributes));
  }
  const exporter = options.traceExporter ?? otlpExporter(options, require);
  // NodeSDK wraps `traceExporter` in a BatchSpanProcessor configured by OTEL_BSP_*; without one
  // it builds the exporters OTEL_TRACES_EXPORTER and OTEL_EXPORTER_OTLP_PROTOCOL name.
  if (exporter !== undefined) config.traceExporter = exporter;

  const sdk: NodeSDK = new sdkModule.NodeSDK(config);
  sdk.start();
  const registration = handle(sdk, options);
  active = registration;
  return registration;
}

/** The SDK packages are optional peers: instrumentation libraries depend on the API alone. */
export class RegisterError extends Error {
  readonly code = 'AGENTMETER_OTEL_SDK_MISSING';
}

function requireSdk(require: NodeJS.Require): SdkModule {
  try {
    require.resolve('@opentelemetry/exporter-trace-otlp-proto');
    return require('@opentelemetry/sdk-node') as SdkModule;
  } catch (err) {
    throw new RegisterError(
      'register() sets up the OpenTelemetry SDK, which is not installed here: ' +
        'npm install @opentelemetry/sdk-node @opentelemetry/exporter-trace-otlp-proto ' +
        '(or set up your own SDK and skip register(); the instrumentation needs only @opentelemetry/api)',
      { cause: err },
    );
  }
}

/** Our OTLP/HTTP protobuf exporter, or undefined when the environment picks another exporter or protocol. */
function otlpExporter(options: RegisterOptions, require: NodeJS.Require): SpanExporter | undefined {
  const exporters = env('OTEL_TRACES_EXPORTER');
  const protocol = env('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? env('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (
    (exporters !== undefined && exporters !== 'otlp') ||
    (protocol !== undefined && protocol !== 'http/protobuf')
  ) {
    return undefined;
  }
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  const fromEnv = env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? env('OTEL_EXPORTER_OTLP_ENDPOINT');
  // With no URL given, the exporter reads the environment itself (signal-specific first).
  const url =
    fromEnv !== undefined
      ? undefined
      : `${(options.endpoint ?? DEFAULT_OTLP_ENDPOINT).replace(/\/+$/, '')}${TRACES_PATH}`;
  return new OTLPTraceExporter({ url, headers: options.headers });
}

function handle(sdk: NodeSDK, options: RegisterOptions): Registration {
  const timeoutMs = options.shutdownTimeoutMs ?? 10_000;
  let done: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    void registration.shutdown().finally(() => {
      // Our listener kept the process alive; when nobody else handles the signal, let it end the
      // process as it would have without us (exit status 128 + signal number).
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  const registration: Registration = {
    shutdown() {
      done ??= (async () => {
        for (const signal of SIGNALS) process.off(signal, onSignal);
        await withTimeout(sdk.shutdown(), timeoutMs).catch((error: unknown) => {
          diag.error('agentmeter: the OpenTelemetry SDK did not shut down cleanly', error);
        });
        // Release the globals so that a later register() can install a new SDK.
        trace.disable();
        context.disable();
        propagation.disable();
        active = undefined;
      })();
      return done;
    },
  };
  if (options.handleSignals ?? true) for (const signal of SIGNALS) process.on(signal, onSignal);
  return registration;
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`shutdown took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A set, non-blank environment variable (the OTel spec treats empty as unset). */
function env(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}
