/**
 * multipart/form-data bodies (RFC 7578), the way the npm `clickhouse` client (`usePost`) and
 * `curl -F` send them. The body has already been read under the size and decompression limits,
 * so parsing works on one buffer and allocates no more than the parts it returns.
 */
import { ClickHouseHttpError } from '../errors.js';

export interface FormPart {
  readonly name: string;
  /** Set for a file part (ClickHouse reads those as external tables). */
  readonly filename: string | undefined;
  readonly content: Buffer;
}

const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');
const DASH = 0x2d;

export function isMultipart(contentType: string | undefined): boolean {
  return (contentType ?? '').trim().toLowerCase().startsWith('multipart/form-data');
}

export function parseMultipart(body: Buffer, contentType: string): FormPart[] {
  const boundary = boundaryOf(contentType);
  const delimiter = Buffer.from(`--${boundary}`);
  // Every delimiter after the first starts a line; the first may start the body.
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  let at = firstDelimiter(body, delimiter, nextDelimiter);
  const parts: FormPart[] = [];
  for (;;) {
    let i = at + delimiter.length;
    if (body[i] === DASH && body[i + 1] === DASH) return parts;
    // Transport padding (spaces, tabs) may follow a delimiter before its line break.
    while (body[i] === 0x20 || body[i] === 0x09) i++;
    if (!body.subarray(i, i + CRLF.length).equals(CRLF))
      throw malformed('a boundary line does not end with CRLF');
    const headersEnd = body.indexOf(HEADERS_END, i);
    if (headersEnd < 0) throw malformed('the headers of a part do not end');
    const headers = body.subarray(i + CRLF.length, headersEnd).toString('utf8');
    const contentStart = headersEnd + HEADERS_END.length;
    const contentEnd = body.indexOf(nextDelimiter, contentStart);
    if (contentEnd < 0) throw malformed('a part has no closing boundary');
    parts.push({ ...disposition(headers), content: body.subarray(contentStart, contentEnd) });
    at = contentEnd + CRLF.length;
  }
}

/** Where the first delimiter starts; what precedes it (a preamble) is ignored. */
function firstDelimiter(body: Buffer, delimiter: Buffer, nextDelimiter: Buffer): number {
  if (body.subarray(0, delimiter.length).equals(delimiter)) return 0;
  const found = body.indexOf(nextDelimiter);
  if (found < 0) throw malformed('the boundary of the Content-Type does not occur in it');
  return found + CRLF.length;
}

function boundaryOf(contentType: string): string {
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 70)
    throw malformed('the Content-Type has no boundary of 1 to 70 characters');
  return boundary;
}

/** `Content-Disposition: form-data; name="…"; filename="…"`, the one header a part must have. */
function disposition(headers: string): { name: string; filename: string | undefined } {
  const line = headers
    .split('\r\n')
    .find((h) => /^content-disposition\s*:/i.test(h))
    ?.replace(/^[^:]*:/, '');
  if (line === undefined || !/^\s*form-data\s*(;|$)/i.test(line))
    throw malformed('a part has no Content-Disposition: form-data header');
  const params = new Map<string, string>();
  for (const m of line.matchAll(/;\s*([A-Za-z*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
    params.set(m[1]!.toLowerCase(), m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);
  }
  const name = params.get('name');
  if (name === undefined) throw malformed('a part has no name');
  return { name, filename: params.get('filename') };
}

function malformed(what: string): ClickHouseHttpError {
  return ClickHouseHttpError.of(
    'BAD_ARGUMENTS',
    `Cannot read the multipart/form-data body: ${what}`,
  );
}
