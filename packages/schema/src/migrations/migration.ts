import type { SchemaOptions } from '../tables.js';

/** One schema version: its DDL, run once (recorded in `schema_migrations`), every statement idempotent. */
export interface Migration {
  version: number;
  name: string;
  statements: (o: SchemaOptions) => string[];
}
