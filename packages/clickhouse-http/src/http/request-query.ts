/**
 * The SQL of a request and its query parameters, taken as ClickHouse takes them: the URL's
 * `query`, a line break, then the body; or, when the body is multipart/form-data, the URL's
 * `query` followed by the form's `query` fields, with `param_<name>` fields as query parameters
 * (the URL's win). Other fields are ignored, as ClickHouse ignores them: settings come from the
 * URL. ClickHouse reads file parts as external tables, which the embedded engine cannot offer.
 */
import { ClickHouseHttpError } from '../errors.js';
import { isMultipart, parseMultipart } from './multipart.js';
import { PARAM_PREFIX } from './request-params.js';

export interface RequestQuery {
  readonly sql: string;
  readonly params: ReadonlyMap<string, string>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function requestQuery(
  urlQuery: string | undefined,
  urlParams: ReadonlyMap<string, string>,
  contentType: string | undefined,
  body: Buffer,
): RequestQuery {
  if (contentType === undefined || !isMultipart(contentType)) {
    return { sql: urlQuery ? `${urlQuery}\n${text(body)}` : text(body), params: urlParams };
  }
  let sql = urlQuery ?? '';
  const params = new Map(urlParams);
  for (const part of parseMultipart(body, contentType)) {
    if (part.filename !== undefined) throw externalTable(part.name);
    if (part.name === 'query') {
      sql += text(part.content);
    } else if (part.name.startsWith(PARAM_PREFIX)) {
      const name = part.name.slice(PARAM_PREFIX.length);
      if (!params.has(name)) params.set(name, text(part.content));
    }
  }
  return { sql, params };
}

function text(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw ClickHouseHttpError.of(
      'NOT_IMPLEMENTED',
      'The request body is not UTF-8 text. The embedded engine takes queries and inline INSERT data as text: send data in a text format (JSONEachRow, CSV, TabSeparated, Values)',
    );
  }
}

function externalTable(name: string): ClickHouseHttpError {
  return ClickHouseHttpError.of(
    'NOT_IMPLEMENTED',
    `External data (the file part '${name}' of the multipart/form-data body) is not supported by agentmeter's ClickHouse HTTP interface: the embedded engine has no external tables. Send the rows in the query (a VALUES list, or a temporary table of a session)`,
  );
}
