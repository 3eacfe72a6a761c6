/**
 * Webhook signatures as Grafana makes them (grafana/alerting http/hmac.go): the lowercase hex
 * HMAC-SHA256 of the body, keyed by the shared secret; with a timestamp header, of
 * `<unix seconds>:<body>`, the same seconds sent in that header so a receiver can refuse old
 * replays. No `sha256=` prefix. The signature header defaults to Grafana's own default,
 * `X-Grafana-Alert-Signature` (many examples write `X-Grafana-Alerting-Signature`: set `header`
 * to match the receiver).
 */
import { createHmac } from 'node:crypto';

export const DEFAULT_SIGNATURE_HEADER = 'X-Grafana-Alert-Signature';

export interface HmacConfig {
  readonly secret: string;
  readonly header?: string | undefined;
  readonly timestampHeader?: string | undefined;
}

export function hmacSignature(secret: string, body: string, timestamp?: string): string {
  const mac = createHmac('sha256', secret);
  if (timestamp !== undefined) mac.update(`${timestamp}:`);
  return mac.update(body).digest('hex');
}

/** The headers that sign `body` at `nowMs`. */
export function hmacHeaders(
  config: HmacConfig,
  body: string,
  nowMs: number,
): Record<string, string> {
  const header = config.header ?? DEFAULT_SIGNATURE_HEADER;
  if (config.timestampHeader === undefined) return { [header]: hmacSignature(config.secret, body) };
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    [config.timestampHeader]: timestamp,
    [header]: hmacSignature(config.secret, body, timestamp),
  };
}
