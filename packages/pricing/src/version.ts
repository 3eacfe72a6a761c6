/**
 * `price_version`: which catalog priced a call. It names the bundled genai-prices release and,
 * when override rules are loaded, a short hash of their pricing content, so two spans with the
 * same version were priced by the same prices. Example: `genai-prices@0.1.8+3f9a0c1e`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The installed genai-prices version, read from its package.json (its exports hide the file). */
export function genaiPricesVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
  const manifest: unknown = JSON.parse(
    readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'),
  );
  const version =
    typeof manifest === 'object' && manifest !== null && 'version' in manifest
      ? manifest.version
      : undefined;
  return typeof version === 'string' ? version : 'unknown';
}

export function priceVersionOf(
  genaiVersion: string,
  overridesFingerprint: string | undefined,
): string {
  const base = `genai-prices@${genaiVersion}`;
  return overridesFingerprint === undefined ? base : `${base}+${overridesFingerprint}`;
}
