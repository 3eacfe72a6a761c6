import { nanosToDecimalString } from '@agentmeter/conventions';

/** `$12.50`, `$0.000125`: integer nano-USD as exact dollars, at least cents. */
export function formatUsd(nanos: number): string {
  const text = nanosToDecimalString(nanos);
  const dot = text.indexOf('.');
  if (dot === -1) return `$${text}.00`;
  return `$${text.length - dot === 2 ? `${text}0` : text}`;
}
