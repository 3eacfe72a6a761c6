/**
 * Reads a request body within limits: at most `maxBytes` on the wire and `maxDecompressedBytes`
 * after gzip/deflate, counted while streaming so that a gzip bomb is stopped at the cap instead
 * of being inflated into memory.
 */
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';

export interface BodyLimits {
  maxBytes: number;
  maxDecompressedBytes: number;
}

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    req.resume();
    throw new BodyError(413, `body of ${declared} bytes exceeds the limit of ${limits.maxBytes}`);
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  // An oversized request is drained (so the 413 can be answered); an inflater is stopped.
  const raw = await collect(req, limits.maxBytes, 'body', () => req.resume());
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip' && encoding !== 'deflate') {
    throw new BodyError(415, `unsupported Content-Encoding '${encoding}' (gzip, deflate or none)`);
  }
  const inflater = encoding === 'gzip' ? createGunzip() : createInflate();
  const result = collect(inflater, limits.maxDecompressedBytes, 'decompressed body', () =>
    inflater.destroy(),
  );
  inflater.end(raw);
  try {
    return await result;
  } catch (err) {
    if (err instanceof BodyError) throw err;
    throw new BodyError(400, `body is not valid ${encoding}: ${(err as Error).message}`);
  } finally {
    inflater.destroy();
  }
}

function collect(
  stream: NodeJS.ReadableStream,
  max: number,
  what: string,
  onOverflow: () => void,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (err: unknown) => {
      if (done) return;
      done = true;
      stream.removeAllListeners('data');
      reject(err);
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        fail(new BodyError(413, `${what} exceeds the limit of ${max} bytes`));
        onOverflow();
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size));
    });
    stream.on('error', fail);
  });
}
