/**
 * The boundary between the HTTP protocol and the engine that answers it. The protocol side parses
 * requests and writes responses; an executor runs one statement and returns the engine's bytes.
 */
import type { Settings } from './sql/settings-sql.js';

export interface ServerInfo {
  /** Engine version, e.g. `26.7.2.1`; ends every exception message. */
  readonly version: string;
  readonly timezone: string;
  readonly displayName: string;
}

export interface QueryRequest {
  /** The SQL as sent: the URL's `query` and the body, joined as ClickHouse joins them. */
  readonly sql: string;
  /** Output format when the statement has no FORMAT clause. */
  readonly defaultFormat: string;
  /** Absent: the session's current database (`USE`), else `default`. */
  readonly database: string | undefined;
  /** The session's settings with the URL's over them; the caps are already applied. */
  readonly settings: Settings;
  /** `param_<name>` values in ClickHouse's escaped text form, by name. */
  readonly params: ReadonlyMap<string, string>;
  readonly queryId: string;
  /** The authenticated user, named in error messages. */
  readonly user: string;
  /** Read-only rules apply: the user is read-only, or the request is a GET. */
  readonly readonly: boolean;
  /** Aborting gives up a query still waiting for the engine; a running one finishes. */
  readonly signal?: AbortSignal | undefined;
}

export interface QuerySummary {
  readonly readRows: number;
  readonly readBytes: number;
  readonly elapsedSeconds: number;
}

export interface QueryResult {
  /** The engine's output, byte for byte. */
  readonly body: Buffer;
  /** The format `body` is in: the statement's FORMAT clause, else the default format. */
  readonly format: string;
  readonly summary: QuerySummary;
}

export interface QueryExecutor {
  readonly info: ServerInfo;
  /** Runs one statement outside any session: SET and USE change nothing. Failures are `ClickHouseHttpError`s. */
  execute(request: QueryRequest): Promise<QueryResult>;
  /** The state of one HTTP session: its settings, current database and temporary tables. */
  openSession(): ExecutorSession;
}

export interface ExecutorSession {
  /** What `SET` changed in this session; a request's own settings apply over them. */
  readonly settings: Settings;
  /** Runs one statement in the session, one at a time: SET and USE change the session. */
  execute(request: QueryRequest): Promise<QueryResult>;
  /** Drops the session's temporary tables. */
  close(): void;
}
