/** Alert notices for notification tests. */
import { createHash } from 'node:crypto';
import type { AlertNotice, Labels } from '../../src/model.js';

/** Stands in for the label-set fingerprint: 16 hex digits, one per label set. */
export const fingerprintOf = (labels: Labels): string =>
  createHash('sha256')
    .update(JSON.stringify(Object.entries(labels).sort()))
    .digest('hex')
    .slice(0, 16);

export function firing(
  labels: Labels,
  startsAt: number,
  extra: Partial<AlertNotice> = {},
): AlertNotice {
  return {
    fingerprint: fingerprintOf(labels),
    status: 'firing',
    labels,
    annotations: { summary: `${labels['alertname'] ?? 'alert'} fires` },
    startsAt,
    endsAt: undefined,
    value: 0.07,
    values: {},
    acknowledged: false,
    generatorURL: `http://127.0.0.1:9095/api/v1/rules?alertname=${labels['alertname'] ?? ''}`,
    ...extra,
  };
}

export function resolved(notice: AlertNotice, endsAt: number): AlertNotice {
  return { ...notice, status: 'resolved', endsAt };
}
