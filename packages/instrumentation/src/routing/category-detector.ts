/**
 * Category detection when a call names none: the configured keyword rules, in order, over the
 * task description and the changed files (seed 000's heuristics made data). Matching is a
 * case-insensitive substring test, as in the seed: `auth` also matches `oauth` and `author`,
 * which errs towards the stricter category.
 */
import type { RoutingConfig } from '../config/schema.js';

interface CompiledRule {
  readonly category: string;
  readonly keywords: readonly string[] | undefined;
  readonly andKeywords: readonly string[] | undefined;
  readonly files: readonly string[] | undefined;
  readonly allFiles: boolean;
}

export class CategoryDetector {
  readonly #rules: readonly CompiledRule[];
  readonly #defaultCategory: string;

  constructor(detection: RoutingConfig['category_detection']) {
    const lower = (list: readonly string[] | undefined) => list?.map((word) => word.toLowerCase());
    this.#rules = detection.rules.map((rule) => ({
      category: rule.category,
      keywords: lower(rule.keywords),
      andKeywords: lower(rule.and_keywords),
      files: lower(rule.files),
      allFiles: rule.files_match === 'all',
    }));
    this.#defaultCategory = detection.default_category;
  }

  /** The first rule matching the description or the changed files, else the default category. */
  detect(description: string | undefined, changedFiles: readonly string[] | undefined): string {
    const text = description?.toLowerCase() ?? '';
    const files = changedFiles?.map((file) => file.toLowerCase()) ?? [];
    for (const rule of this.#rules) {
      if (matchesText(rule, text) || matchesFiles(rule, files)) return rule.category;
    }
    return this.#defaultCategory;
  }
}

function containsAny(text: string, words: readonly string[]): boolean {
  for (const word of words) if (text.includes(word)) return true;
  return false;
}

function matchesText(rule: CompiledRule, text: string): boolean {
  if (rule.keywords === undefined || text === '' || !containsAny(text, rule.keywords)) return false;
  return rule.andKeywords === undefined || containsAny(text, rule.andKeywords);
}

function matchesFiles(rule: CompiledRule, files: readonly string[]): boolean {
  const patterns = rule.files;
  if (patterns === undefined || files.length === 0) return false;
  return rule.allFiles
    ? files.every((file) => containsAny(file, patterns))
    : files.some((file) => containsAny(file, patterns));
}
