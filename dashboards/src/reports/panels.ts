/**
 * A dashboard panel's query run for a report's period, as Grafana would run it with every
 * filter on "All": the catalogue's text, the `rollup` variable chosen by its own variable query,
 * then `expandQuery`. The report and the dashboard cannot disagree on what a number means.
 *
 * The plugin's `$__timeFilter` is inclusive at both ends and whole seconds; a period is
 * `[from, to)`, so the range ends one second before `to`: a rollup bucket starting at `to`
 * belongs to the next period.
 */
import { expandQuery } from '../macros.js';
import { VariableQueries } from '../queries.js';
import { DB } from '../sql.js';
import type { QueryRunner } from './runner.js';

export interface Period {
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
}

const ALL = {
  project: 'All',
  service: 'All',
  provider: 'All',
  model: 'All',
  category: 'All',
} as const;

export class Panels {
  private rollup: Promise<string> | undefined;

  constructor(
    private readonly run: QueryRunner,
    readonly period: Period,
  ) {}

  /** The same length just before: what "this period against the last" compares with. */
  previous(): Panels {
    const length = this.period.to - this.period.from;
    return new Panels(this.run, { from: this.period.from - length, to: this.period.from });
  }

  /** The rows of catalogue query `sql`; `variables` set what the panel's own variables hold. */
  async rows<T>(sql: string, variables: Record<string, string> = {}): Promise<T[]> {
    const rollup = await this.rollupTable();
    return this.run.rows<T>(this.expand(sql, { ...ALL, rollup, ...variables }));
  }

  /** The first row of a single-value panel (an aggregate without GROUP BY has exactly one). */
  async row<T>(sql: string, variables: Record<string, string> = {}): Promise<T> {
    const [first] = await this.rows<T>(sql, variables);
    if (first === undefined) throw new Error(`a single-value panel returned no row: ${sql}`);
    return first;
  }

  /** A report-only query (`queries.ts`) over the same period and the rollup the panels read. */
  async bound<T>(query: {
    sql: string;
    params: (p: Period & { database: string; rollup: string }) => Record<string, unknown>;
  }): Promise<T[]> {
    const rollup = await this.rollupTable();
    return this.run.rows<T>(query.sql, query.params({ ...this.period, database: DB, rollup }));
  }

  private rollupTable(): Promise<string> {
    this.rollup ??= this.run
      .rows<{ rollup: string }>(this.expand(VariableQueries.rollup, {}))
      .then(([r]) => r!.rollup);
    return this.rollup;
  }

  private expand(sql: string, variables: Record<string, string>): string {
    const { from, to } = this.period;
    return expandQuery(sql, {
      fromMs: from,
      toMs: to - 1000,
      intervalMs: to - from,
      variables,
    });
  }
}
