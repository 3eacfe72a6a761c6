/**
 * The instance fingerprint is Prometheus' `LabelSet.Fingerprint` (FNV-1a 64 over the sorted
 * names and values, 0xff after each), checked against the textbook 64-bit arithmetic in BigInt.
 */
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../src/fingerprint.js';

function reference(labels: Record<string, string>): string {
  let hash = 0xcbf29ce484222325n;
  const add = (byte: number) => {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  for (const name of Object.keys(labels).sort()) {
    for (const text of [name, labels[name]!]) {
      for (const byte of Buffer.from(text, 'utf8')) add(byte);
      add(0xff);
    }
  }
  return hash.toString(16).padStart(16, '0');
}

describe('fingerprint', () => {
  it('is FNV-1a 64 of the sorted label set, whatever the characters', () => {
    expect(fingerprint({})).toBe('cbf29ce484222325');
    const texts = ['', 'a', 'HighErrorRate', 'acme-web', 'tab\there', 'é', '€ 5', '😀', '\u0000'];
    let n = 0;
    for (const [i, a] of texts.entries())
      for (const b of texts) {
        const labels = { alertname: a, [`k${i}${b}`]: b, severity: 'critical' };
        expect(fingerprint(labels), JSON.stringify(labels)).toBe(reference(labels));
        n++;
      }
    expect(n).toBe(81);
  });

  it('does not depend on the order the labels were written in', () => {
    expect(fingerprint({ b: '2', a: '1' })).toBe(fingerprint({ a: '1', b: '2' }));
    expect(fingerprint({ a: '1', b: '2' })).not.toBe(fingerprint({ a: '2', b: '1' }));
  });
});
