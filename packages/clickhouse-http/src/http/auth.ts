/**
 * Who is asking. Credentials come, as in ClickHouse, from the `X-ClickHouse-User`/`-Key` headers,
 * HTTP Basic auth, or the `user`/`password` URL parameters; mixing two of them is an error. With
 * no users and no API keys configured anyone may query, read-only. An API key (the ingester's)
 * is accepted as the password of any user name, read-only, so one secret guards both listeners.
 */
import type { IncomingMessage } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ClickHouseHttpError } from '../errors.js';

export interface HttpUser {
  readonly name: string;
  readonly password: string;
  readonly readonly: boolean;
}

export interface Principal {
  readonly name: string;
  readonly readonly: boolean;
}

interface Credentials {
  readonly user: string;
  readonly password: string;
}

export function authenticate(
  req: IncomingMessage,
  url: URL,
  users: readonly HttpUser[],
  apiKeys: readonly string[] = [],
): Principal {
  const { user, password } = credentials(req, url);
  if (users.length === 0 && apiKeys.length === 0) return { name: user, readonly: true };
  // Every key is compared, so the answer takes as long whichever matches.
  const isKey = apiKeys.reduce((found, key) => sameSecret(password, key) || found, false);
  if (isKey) return { name: user, readonly: true };
  const known = users.find((u) => u.name === user);
  // Compare even for an unknown user, so the answer takes as long either way.
  const matches = sameSecret(password, known?.password ?? '\0no such user');
  if (!known || !matches) {
    throw ClickHouseHttpError.of(
      'AUTHENTICATION_FAILED',
      `${user}: Authentication failed: password is incorrect, or there is no user with such name`,
    );
  }
  return { name: known.name, readonly: known.readonly };
}

function credentials(req: IncomingMessage, url: URL): Credentials {
  const headerUser = single(req.headers['x-clickhouse-user']);
  const headerKey = single(req.headers['x-clickhouse-key']);
  const authorization = req.headers.authorization;
  const search = url.searchParams;
  const inParams = search.has('user') || search.has('password');
  const inHeaders = headerUser !== undefined || headerKey !== undefined;
  if ([inHeaders, authorization !== undefined, inParams].filter(Boolean).length > 1) {
    throw invalid(
      'it is not allowed to use more than one of X-ClickHouse-User/Key headers, the Authorization header and the user/password parameters',
    );
  }
  if (inHeaders) return { user: headerUser || 'default', password: headerKey ?? '' };
  if (authorization !== undefined) return basic(authorization);
  return { user: search.get('user') || 'default', password: search.get('password') ?? '' };
}

function basic(authorization: string): Credentials {
  const [scheme = '', encoded = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() !== 'basic') {
    throw invalid(`'${scheme}' HTTP Authorization scheme is not supported`);
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { user: decoded || 'default', password: '' };
  return { user: decoded.slice(0, colon) || 'default', password: decoded.slice(colon + 1) };
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function invalid(why: string): ClickHouseHttpError {
  return ClickHouseHttpError.of('AUTHENTICATION_FAILED', `Invalid authentication: ${why}`);
}
