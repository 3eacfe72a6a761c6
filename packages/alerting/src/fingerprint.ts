/**
 * An alert instance's identity: the fingerprint of its label set, computed as Prometheus'
 * `model.LabelSet.Fingerprint` does (FNV-1a 64 over the names and values sorted by name, each
 * followed by the 0xff separator), so the same labels give the same 16 hex digits here and in
 * Alertmanager.
 */
import type { Labels } from './model.js';

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;

export function fingerprint(labels: Labels): string {
  let hash = OFFSET;
  const add = (byte: number) => {
    hash = ((hash ^ BigInt(byte)) * PRIME) & MASK;
  };
  for (const name of Object.keys(labels).sort()) {
    for (const byte of Buffer.from(name, 'utf8')) add(byte);
    add(SEPARATOR);
    for (const byte of Buffer.from(labels[name]!, 'utf8')) add(byte);
    add(SEPARATOR);
  }
  return hash.toString(16).padStart(16, '0');
}
