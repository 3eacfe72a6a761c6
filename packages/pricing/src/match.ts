/**
 * Model-name match rules in genai-prices' vocabulary (`equals`, `starts_with`, `ends_with`,
 * `contains`, `regex`, `or`, `and`), so override files read like the bundled catalog.
 * Text comparisons ignore case; names are trimmed and lower-cased first, as genai-prices does.
 */
export type MatchRule =
  | { readonly equals: string }
  | { readonly starts_with: string }
  | { readonly ends_with: string }
  | { readonly contains: string }
  | { readonly regex: string }
  | { readonly or: readonly MatchRule[] }
  | { readonly and: readonly MatchRule[] };

export type Matcher = (normalisedName: string) => boolean;

/** The form every model name is compared in. */
export function normaliseModelName(name: string): string {
  return name.trim().toLowerCase();
}

/** Compiles a rule once (regexes included) into a predicate over normalised names. */
export function compileMatch(rule: MatchRule): Matcher {
  if ('or' in rule) {
    const parts = rule.or.map(compileMatch);
    return (name) => parts.some((part) => part(name));
  }
  if ('and' in rule) {
    const parts = rule.and.map(compileMatch);
    return (name) => parts.every((part) => part(name));
  }
  if ('regex' in rule) {
    const pattern = new RegExp(rule.regex);
    return (name) => pattern.test(name);
  }
  if ('equals' in rule) {
    const text = rule.equals.toLowerCase();
    return (name) => name === text;
  }
  if ('starts_with' in rule) {
    const text = rule.starts_with.toLowerCase();
    return (name) => name.startsWith(text);
  }
  if ('ends_with' in rule) {
    const text = rule.ends_with.toLowerCase();
    return (name) => name.endsWith(text);
  }
  const text = rule.contains.toLowerCase();
  return (name) => name.includes(text);
}
