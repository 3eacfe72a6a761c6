/**
 * The order of alerts in a notification, Alertmanager's `types.AlertSlice`: by the `job` label,
 * then `instance` (an alert with the label before one without), then by label set (fewer labels
 * first, then the first differing value in name order), so the same group reads the same in
 * every notification and `maxAlerts` keeps the same alerts.
 */
import type { AlertNotice, Labels } from '../model.js';

export function compareAlerts(a: AlertNotice, b: AlertNotice): number {
  for (const name of ['job', 'instance']) {
    const x = a.labels[name];
    const y = b.labels[name];
    if (x === undefined && y === undefined) continue;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return before(a.labels, b.labels) ? -1 : before(b.labels, a.labels) ? 1 : 0;
}

/** Prometheus' `LabelSet.Before`. */
function before(a: Labels, b: Labels): boolean {
  const namesA = Object.keys(a);
  const namesB = Object.keys(b);
  if (namesA.length !== namesB.length) return namesA.length < namesB.length;
  for (const name of [...namesA, ...namesB].sort()) {
    const x = a[name];
    const y = b[name];
    if (x === undefined) return true;
    if (y === undefined) return false;
    if (x !== y) return x < y;
  }
  return false;
}
