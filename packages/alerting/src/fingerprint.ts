/**
 * An alert instance's identity: the fingerprint of its label set, computed as Prometheus'
 * `model.LabelSet.Fingerprint` does (FNV-1a 64 over the names and values sorted by name, each
 * followed by the 0xff separator), so the same labels give the same 16 hex digits here and in
 * Alertmanager.
 *
 * The 64-bit hash is kept as two 32-bit halves in doubles (BigInt arithmetic per byte made it
 * a tenth of a 1,000-rule tick). The FNV prime is 2^40 + 0x1b3: hash × prime = hash × 0x1b3 +
 * (hash << 40), every partial product below 2^53.
 */
import type { Labels } from './model.js';

const TWO_32 = 2 ** 32;
const SEPARATOR = 0xff;

export function fingerprint(labels: Labels): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const add = (byte: number) => {
    lo = (lo ^ byte) >>> 0;
    const low = lo * 0x1b3;
    hi = (hi * 0x1b3 + Math.floor(low / TWO_32) + ((lo << 8) >>> 0)) % TWO_32;
    lo = low % TWO_32;
  };
  const addText = (text: string) => {
    // Printable ASCII is its own UTF-8; anything else is encoded first.
    if (!/[^\x20-\x7e]/.test(text)) for (let i = 0; i < text.length; i++) add(text.charCodeAt(i));
    else for (const byte of Buffer.from(text, 'utf8')) add(byte);
    add(SEPARATOR);
  };
  for (const name of Object.keys(labels).sort()) {
    addText(name);
    addText(labels[name]!);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
