/**
 * Token counts in the GenAI semconv meaning: input includes cache reads and writes, output
 * includes reasoning. Emitters differ on the first, so each convention's rule is explicit here:
 *
 * - AI SDK v6 sends the parts of its input (`inputTokenDetails.noCacheTokens` + cache read +
 *   cache write): input is their sum, whatever the provider.
 * - AI SDK v5's Anthropic provider reports Anthropic's own `input_tokens`, without the cache:
 *   the cache tokens are added.
 * - Spring AI passes Anthropic's and Bedrock Converse's input through unchanged (cache apart).
 *   It shows itself by its token counts: Micrometer key values are strings, `"150"`.
 * - Everyone else (semconv, OpenInference, OpenLLMetry, OpenLIT, the AI SDK's other providers)
 *   means input to include the cache; an emitter that does not (the Anthropic API's convention
 *   under semconv names) shows itself by an input smaller than its cache parts, and only then
 *   are they added, so a conformant span is never counted twice.
 */
import { AiSdk, canonicalProvider, Deprecated, GenAi } from '@agentmeter/conventions';
import type { Attributes } from './otlp/types.js';
import { str, type SpanFields } from './span-fields.js';

export interface Tokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export function normaliseTokens(f: SpanFields, attributes: Attributes): Tokens {
  const cacheRead = f.cacheRead ?? 0;
  const cacheWrite = f.cacheWrite ?? (f.cacheWrite5m ?? 0) + (f.cacheWrite1h ?? 0);
  const cache = cacheRead + cacheWrite;
  let input = f.input ?? 0;
  if (f.inputNoCache !== undefined) input = f.inputNoCache + cache;
  else if (aiSdkV5Anthropic(attributes) || springAiWithoutCache(attributes) || input < cache) {
    input += cache;
  }
  const reasoning = f.reasoning ?? 0;
  let output = f.output ?? 0;
  if (output < reasoning) output += reasoning;
  return { input, output, cacheRead, cacheWrite, reasoning };
}

/**
 * AI SDK v5 (no v6 input details) with an Anthropic-API provider (`anthropic.messages`,
 * `vertex.anthropic.messages`).
 */
function aiSdkV5Anthropic(attributes: Attributes): boolean {
  const raw = attributes[AiSdk.MODEL_PROVIDER];
  if (raw === undefined || attributes[AiSdk.OPERATION_ID] === undefined) return false;
  if (
    attributes[AiSdk.USAGE_INPUT_CACHE_READ_TOKENS] !== undefined ||
    attributes[AiSdk.USAGE_INPUT_CACHE_WRITE_TOKENS] !== undefined
  ) {
    return false;
  }
  const id = str(raw).toLowerCase();
  return canonicalProvider(id) === 'anthropic' || id.includes('.anthropic');
}

/** Spring AI's `gen_ai.system` values whose input leaves the cache out. */
const SPRING_AI_CACHE_APART = new Set(['anthropic', 'bedrock_converse']);

function springAiWithoutCache(attributes: Attributes): boolean {
  const system = attributes[Deprecated.SYSTEM];
  return (
    typeof attributes[GenAi.USAGE_INPUT_TOKENS] === 'string' &&
    system !== undefined &&
    SPRING_AI_CACHE_APART.has(str(system))
  );
}
