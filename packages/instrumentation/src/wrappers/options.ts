/** What the SDK wrappers take, and what a wrapped client keeps of it. */
import { trace, type Tracer } from '@opentelemetry/api';
import { loadPricing, type PriceCatalog } from '@agentmeter/pricing';
import type { Tenancy } from '../telemetry/call-span.js';

export interface InstrumentOptions {
  /**
   * Prices every call. Default: the bundled catalog (`loadPricing()`), loaded once per process when
   * the first client without one is instrumented; a call that ends before it has loaded ends its
   * span when it has.
   */
  pricing?: PriceCatalog | Promise<PriceCatalog>;
  /** Default: the globally registered tracer provider's tracer for `@agentmeter/instrumentation`. */
  tracer?: Tracer;
  /** `gen_ai.provider.name`, which also selects the prices. Default: from the client's base URL, else the SDK's vendor. */
  provider?: string;
  /** `agentmeter.category` of every call made through this client. */
  category?: string;
  /** `agentmeter.project` / `user` / `agent` / `workflow` of every call made through this client. */
  tenancy?: Tenancy;
  /** Record prompts and responses, secrets redacted, as `gen_ai.input.messages` / `gen_ai.output.messages`. Default false. */
  captureContent?: boolean;
}

/** The scope of every agentmeter call span, the router's included. */
const TRACER_NAME = '@agentmeter/instrumentation';

/** A catalog that may still be loading: read `current` on the hot path, await `ready` otherwise. */
export class CatalogRef {
  current: PriceCatalog | undefined;
  readonly ready: Promise<PriceCatalog | undefined>;

  constructor(source: PriceCatalog | Promise<PriceCatalog>) {
    if (!(source instanceof Promise)) {
      this.current = source;
      this.ready = Promise.resolve(source);
      return;
    }
    // A catalog that fails to load leaves calls unpriced (the ingester reports them), never failed.
    this.ready = source.then(
      (catalog) => (this.current = catalog),
      () => undefined,
    );
  }
}

let bundled: CatalogRef | undefined;

/** The per-process default catalog, loaded when first asked for. */
function bundledCatalog(): CatalogRef {
  bundled ??= new CatalogRef(loadPricing());
  return bundled;
}

/** The options of one wrapped client, settled. */
export interface WrapperSettings {
  readonly tracer: Tracer;
  readonly catalog: CatalogRef;
  readonly provider: string;
  readonly serverAddress: string | undefined;
  readonly category: string | undefined;
  readonly tenancy: Tenancy | undefined;
  readonly captureContent: boolean;
}

export function settle(
  options: InstrumentOptions,
  provider: string,
  baseURL: string | undefined,
): WrapperSettings {
  return {
    tracer: options.tracer ?? trace.getTracer(TRACER_NAME),
    catalog: options.pricing ? new CatalogRef(options.pricing) : bundledCatalog(),
    provider,
    serverAddress: hostOf(baseURL),
    category: options.category,
    tenancy: options.tenancy,
    captureContent: options.captureContent ?? false,
  };
}

function hostOf(baseURL: string | undefined): string | undefined {
  if (!baseURL) return undefined;
  try {
    return new URL(baseURL).hostname;
  } catch {
    return undefined;
  }
}
