/**
 * What a generated dashboard asks of ClickHouse: every panel's SQL and every variable's, read
 * back from the dashboard JSON as Grafana would read it (the tests and `bench/query.mjs` run
 * them through `expandQuery`).
 */

export interface PanelTarget {
  readonly dashboard: string;
  readonly panel: string;
  /** The panel type (`timeseries`, `stat`, `table`, …): what shape of frame it needs. */
  readonly type: string;
  readonly sql: string;
  /** The panel shows "no data" as a value (zero or none): rare events may miss a short range. */
  readonly emptyOk: boolean;
}

export interface TemplateVariable {
  readonly dashboard: string;
  readonly name: string;
  /** `query`, `custom`, `datasource`, … */
  readonly type: string;
  /** A query variable's SQL. */
  readonly sql?: string;
  /** A custom variable's options. */
  readonly values?: readonly string[];
}

interface DashboardJson {
  uid: string;
  panels: {
    title: string;
    type: string;
    targets?: { rawSql?: string }[];
    fieldConfig?: { defaults?: { noValue?: string } };
  }[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
}

export function panelTargets(json: unknown): PanelTarget[] {
  const d = json as DashboardJson;
  return d.panels.flatMap((p) =>
    (p.targets ?? []).flatMap((t) =>
      t.rawSql === undefined
        ? []
        : [
            {
              dashboard: d.uid,
              panel: p.title,
              type: p.type,
              sql: t.rawSql,
              emptyOk: p.fieldConfig?.defaults?.noValue !== undefined,
            },
          ],
    ),
  );
}

export function templateVariables(json: unknown): TemplateVariable[] {
  const d = json as DashboardJson;
  return d.templating.list.map((v) => {
    const query = v.query as { rawSql?: string } | string | undefined;
    return {
      dashboard: d.uid,
      name: v.name,
      type: v.type,
      ...(typeof query === 'object' && query.rawSql !== undefined ? { sql: query.rawSql } : {}),
      ...(typeof query === 'string' ? { values: query.split(',') } : {}),
    };
  });
}
