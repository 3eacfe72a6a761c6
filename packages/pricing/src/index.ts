export { loadPricing, DEFAULT_OVERRIDES_FILE, type PricingOptions } from './load.js';
export {
  PriceCatalog,
  type PriceCallInput,
  type PriceResult,
  type PricedCall,
  type UnpricedCall,
  type CostParts,
  type UnpricedModel,
  type CatalogLimits,
} from './catalog.js';
export type { UnpricedReason } from './resolver.js';
export type { TokenUsage } from './usage.js';
export { PricingError, type PricingErrorCode, type Problem } from './errors.js';
export { OverridesSchema, type Overrides } from './overrides/schema.js';
export { fromAnthropicUsage, type AnthropicUsage } from './normalize/anthropic.js';
export {
  fromOpenAIUsage,
  type OpenAIChatUsage,
  type OpenAIResponsesUsage,
} from './normalize/openai.js';
export {
  fromGeminiUsage,
  type GeminiUsageMetadata,
  type GeminiModalityCount,
} from './normalize/gemini.js';
export {
  fromGenericUsage,
  SEMCONV,
  type GenericCounts,
  type CountConvention,
} from './normalize/generic.js';
