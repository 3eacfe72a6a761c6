/**
 * Reads a request body under two limits: bytes on the wire, and bytes after `Content-Encoding`
 * is undone. The second is counted while inflating, so a small gzip bomb stops at the limit
 * instead of filling memory.
 */
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { ClickHouseHttpError } from '../errors.js';

export interface BodyLimits {
  readonly maxBytes: number;
  readonly maxDecompressedBytes: number;
}

export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.maxBytes) throw tooLarge('request body', limits.maxBytes);
  const decoder = decoderFor(req.headers['content-encoding']);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let raw = 0;
    let decoded = 0;
    let settled = false;
    const fail = (err: ClickHouseHttpError): void => {
      if (settled) return;
      settled = true;
      decoder?.destroy();
      // Keep reading (and dropping) the rest, so the error response can still be delivered.
      req.removeListener('data', onData);
      req.resume();
      reject(err);
    };
    const collect = (chunk: Buffer): void => {
      if (settled) return;
      decoded += chunk.length;
      if (decoded > limits.maxDecompressedBytes)
        return fail(tooLarge('decompressed request body', limits.maxDecompressedBytes));
      chunks.push(chunk);
    };
    const finish = (): void => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer): void => {
      raw += chunk.length;
      if (raw > limits.maxBytes) return fail(tooLarge('request body', limits.maxBytes));
      if (decoder) decoder.write(chunk);
      else collect(chunk);
    };
    req.on('data', onData);
    req.on('error', () =>
      fail(ClickHouseHttpError.of('STD_EXCEPTION', 'The request body could not be read')),
    );
    if (decoder) {
      decoder.on('data', collect);
      decoder.on('end', finish);
      decoder.on('error', (err: Error) =>
        fail(
          ClickHouseHttpError.of(
            'CANNOT_DECOMPRESS',
            `Cannot decompress the request body: ${err.message}`,
          ),
        ),
      );
      req.on('end', () => decoder.end());
    } else {
      req.on('end', finish);
    }
  });
}

function decoderFor(contentEncoding: string | undefined): Transform | undefined {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  switch (encoding) {
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw ClickHouseHttpError.of(
        'UNSUPPORTED_MEDIA_TYPE',
        `Unsupported Content-Encoding: ${encoding}; use gzip, deflate or br`,
      );
  }
}

function tooLarge(what: string, limit: number): ClickHouseHttpError {
  return ClickHouseHttpError.of(
    'QUERY_IS_TOO_LARGE',
    `The ${what} is larger than the limit of ${limit} bytes`,
  );
}
