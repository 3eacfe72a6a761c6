/**
 * Cross-check of our catalog against LiteLLM's price list (USD per token). Every LiteLLM
 * entry is priced through the public `priceCall` path, so what is compared is what we would
 * charge: for each price kind LiteLLM gives, a synthetic call made only of that kind of token
 * measures our effective per-token rate (a kind our catalog has no rate for is charged at its
 * parent's rate, e.g. uncached input, and compared as such).
 */
import { scaleDecimal } from '../decimal.js';
import type { PriceCatalog } from '../catalog.js';
import type { TokenUsage } from '../usage.js';

interface Kind {
  /** Name used in reports and the allow-list, e.g. `cache_read_above_200k`. */
  readonly kind: string;
  /** Tokens of the measured kind in the synthetic call (a multiple of 1000, so nano-USD stay exact). */
  readonly tokens: number;
  /** Which cost parts measure it. */
  readonly side: 'input' | 'output';
  readonly usage: TokenUsage;
}

/** Kinds above a long-context threshold: the synthetic call's input is 1000 tokens past it. */
function longContextKinds(thousands: number): Record<string, Kind> {
  const input = thousands * 1000 + 1000;
  const suffix = `_above_${thousands}k_tokens`;
  const above = `_above_${thousands}k`;
  return {
    [`input_cost_per_token${suffix}`]: {
      kind: `input${above}`,
      tokens: input,
      side: 'input',
      usage: { inputTokens: input, outputTokens: 0 },
    },
    [`output_cost_per_token${suffix}`]: {
      kind: `output${above}`,
      tokens: 1000,
      side: 'output',
      usage: { inputTokens: input, outputTokens: 1000 },
    },
    [`cache_read_input_token_cost${suffix}`]: {
      kind: `cache_read${above}`,
      tokens: input,
      side: 'input',
      usage: { inputTokens: input, outputTokens: 0, cacheReadTokens: input },
    },
    [`cache_creation_input_token_cost${suffix}`]: {
      kind: `cache_write${above}`,
      tokens: input,
      side: 'input',
      usage: { inputTokens: input, outputTokens: 0, cacheWriteTokens: input },
    },
    [`cache_creation_input_token_cost_above_1hr${suffix}`]: {
      kind: `cache_write_1h${above}`,
      tokens: input,
      side: 'input',
      usage: {
        inputTokens: input,
        outputTokens: 0,
        cacheWriteTokens: input,
        cacheWrite1hTokens: input,
      },
    },
  };
}

const INPUT_PROBE: TokenUsage = { inputTokens: 1000, outputTokens: 0 };

/** The price kinds compared, keyed by LiteLLM field. */
export const KINDS: Readonly<Record<string, Kind>> = {
  input_cost_per_token: { kind: 'input', tokens: 1000, side: 'input', usage: INPUT_PROBE },
  output_cost_per_token: {
    kind: 'output',
    tokens: 1000,
    side: 'output',
    usage: { inputTokens: 0, outputTokens: 1000 },
  },
  cache_read_input_token_cost: {
    kind: 'cache_read',
    tokens: 1000,
    side: 'input',
    usage: { inputTokens: 1000, outputTokens: 0, cacheReadTokens: 1000 },
  },
  cache_creation_input_token_cost: {
    kind: 'cache_write',
    tokens: 1000,
    side: 'input',
    usage: { inputTokens: 1000, outputTokens: 0, cacheWriteTokens: 1000 },
  },
  cache_creation_input_token_cost_above_1hr: {
    kind: 'cache_write_1h',
    tokens: 1000,
    side: 'input',
    usage: { inputTokens: 1000, outputTokens: 0, cacheWriteTokens: 1000, cacheWrite1hTokens: 1000 },
  },
  output_cost_per_reasoning_token: {
    kind: 'reasoning',
    tokens: 1000,
    side: 'output',
    usage: { inputTokens: 0, outputTokens: 1000, reasoningTokens: 1000 },
  },
  ...longContextKinds(200),
  ...longContextKinds(272),
};

export const KIND_NAMES: ReadonlySet<string> = new Set(
  Object.values(KINDS).map((kind) => kind.kind),
);

/**
 * LiteLLM provider → our provider name. The public mirror relabels Gemini API entries as
 * `vertex_ai-*`, so Google entries are routed by their own `source` URL instead: a Google
 * Cloud page means Vertex AI, anything else the Gemini API.
 */
export function providerFor(entry: {
  readonly litellm_provider?: unknown;
  readonly source?: unknown;
}): string | undefined {
  const provider = typeof entry.litellm_provider === 'string' ? entry.litellm_provider : '';
  if (provider === 'gemini' || provider.startsWith('vertex_ai')) {
    return typeof entry.source === 'string' && /cloud\.google\.com\//.test(entry.source)
      ? 'gcp.vertex_ai'
      : 'gcp.gemini';
  }
  const map: Readonly<Record<string, string>> = {
    openai: 'openai',
    'text-completion-openai': 'openai',
    anthropic: 'anthropic',
    xai: 'x_ai',
    deepseek: 'deepseek',
    moonshot: 'moonshot_ai',
    bedrock: 'aws.bedrock',
    zhipu: 'zhipuai',
    minimax: 'minimax',
  };
  return map[provider];
}

/** One price kind of one model, both ways; rates in pico-USD per token (= micro-USD per million). */
export interface Comparison {
  readonly model: string;
  readonly provider: string;
  readonly catalogModel: string;
  readonly kind: string;
  readonly litellm: bigint;
  readonly ours: bigint;
  readonly priceSource: 'catalog' | 'override';
}

export interface CrosscheckReport {
  readonly atIso: string;
  readonly priceVersion: string;
  readonly entries: number;
  /** LiteLLM entries whose provider we do not route. */
  readonly unmapped: readonly { readonly model: string; readonly litellmProvider: string }[];
  /** Entries our catalog does not know. */
  readonly litellmOnly: readonly {
    readonly model: string;
    readonly provider: string;
    readonly reason: string;
  }[];
  /** Models both catalogs know. */
  readonly models: number;
  readonly comparisons: readonly Comparison[];
}

function picoPerToken(usdPerToken: unknown): bigint | undefined {
  return typeof usdPerToken === 'number' ? scaleDecimal(usdPerToken, 12)?.value : undefined;
}

export function crosscheck(
  catalog: PriceCatalog,
  litellm: Readonly<Record<string, unknown>>,
  atMs: number,
): CrosscheckReport {
  const unmapped: { model: string; litellmProvider: string }[] = [];
  const litellmOnly: { model: string; provider: string; reason: string }[] = [];
  const comparisons: Comparison[] = [];
  let models = 0;
  for (const [model, raw] of Object.entries(litellm)) {
    if (typeof raw !== 'object' || raw === null) continue;
    const entry = raw as Readonly<Record<string, unknown>>;
    const provider = providerFor(entry);
    if (provider === undefined) {
      unmapped.push({ model, litellmProvider: String(entry.litellm_provider) });
      continue;
    }
    const probe = catalog.priceCall({ provider, model, timestamp: atMs, usage: INPUT_PROBE });
    if (!probe.priced && probe.reason !== 'no_price_for_usage') {
      litellmOnly.push({ model, provider, reason: probe.detail });
      continue;
    }
    models += 1;
    for (const [field, kind] of Object.entries(KINDS)) {
      const theirs = picoPerToken(entry[field]);
      if (theirs === undefined) continue;
      const result = catalog.priceCall({ provider, model, timestamp: atMs, usage: kind.usage });
      if (!result.priced) continue;
      const { parts } = result;
      const nanos =
        kind.side === 'output' ? parts.output : parts.input + parts.cacheRead + parts.cacheWrite;
      comparisons.push({
        model,
        provider,
        catalogModel: result.catalogModel,
        kind: kind.kind,
        litellm: theirs,
        ours: (BigInt(nanos) * 1000n) / BigInt(kind.tokens),
        priceSource: result.priceSource,
      });
    }
  }
  return {
    atIso: new Date(atMs).toISOString(),
    priceVersion: catalog.priceVersion,
    entries: Object.keys(litellm).length,
    unmapped,
    litellmOnly,
    models,
    comparisons,
  };
}
