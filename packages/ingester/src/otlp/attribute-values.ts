import type { Attributes } from './types.js';

/**
 * Deepest array/kvlist nesting accepted in an attribute value. Real attributes nest one or two
 * levels; the bound keeps a hostile body from exhausting the stack during recursive decoding.
 */
export const MAX_VALUE_DEPTH = 32;

/**
 * A new attribute map without a prototype: keys come from the sender, so `__proto__` must be
 * stored as an ordinary key and `constructor` or `toString` must not appear to be present.
 * V8 keeps them in dictionary mode, which is also cheaper to fill with 25 keys than a literal.
 */
export function newAttributes(): Attributes {
  return Object.create(null) as Attributes;
}
