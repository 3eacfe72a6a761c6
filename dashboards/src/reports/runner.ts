/**
 * How a report reaches ClickHouse: rows of a query with bound parameters. The command line
 * gives one over the ClickHouse HTTP interface, tests one over the embedded engine.
 */
export interface QueryRunner {
  rows<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
}
