/**
 * From a dashboard's description (its panels: kind, title, description, the catalogue's SQL,
 * unit, thresholds) to Grafana JSON with `@grafana/grafana-foundation-sdk`. The SDK has no
 * ClickHouse query type, so `ClickHouseQuery` is the plugin's target (`CHQuery`: editorType
 * `sql`, `rawSql`, `format` as the backend's int) as a `cog.Dataquery`.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as piechart from '@grafana/grafana-foundation-sdk/piechart';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { VariableQueries } from './queries.js';
import { FILTERS, type FilterVariable } from './sql.js';

export const PLUGIN = 'grafana-clickhouse-datasource';
/** Every panel, target and variable queries the dashboard's datasource variable, never a uid. */
export const DATASOURCE: common.DataSourceRef = { type: PLUGIN, uid: '${datasource}' };

/** sqlutil.FormatQueryOption: 0 time series (long to wide), 1 table. */
const Formats = { timeseries: 0, table: 1 } as const;

interface ClickHouseTarget extends cog.Dataquery {
  refId: string;
  datasource: common.DataSourceRef;
  editorType: 'sql';
  queryType: keyof typeof Formats;
  format: (typeof Formats)[keyof typeof Formats];
  rawSql: string;
}

class ClickHouseQuery implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly sql: string,
    private readonly type: keyof typeof Formats,
  ) {}

  build(): ClickHouseTarget {
    return {
      refId: 'A',
      datasource: DATASOURCE,
      editorType: 'sql',
      queryType: this.type,
      format: Formats[this.type],
      rawSql: this.sql,
      _implementsDataqueryVariant() {},
    };
  }
}

/** A threshold step: from `value` up (null: the base), in a Grafana colour. */
export type Step = readonly [number | null, string];

export interface PanelSpec {
  kind: 'stat' | 'timeseries' | 'table' | 'bargauge' | 'piechart';
  title: string;
  /** What is counted, from which grain, the caveats. */
  description: string;
  sql: string;
  unit: string;
  /** Steps, or none for `mode: off` style neutral colouring (a single base step). */
  thresholds?: readonly Step[];
  /** Per-column units of a table or multi-value stat. */
  columnUnits?: Readonly<Record<string, string>>;
  /** Text shown when there is no row (only where absence really means zero). */
  noValue?: string;
  max?: number;
  width?: number;
  height?: number;
  /** Time series drawn as stacked bars (additive series only). */
  stacked?: boolean;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  /** The question the dashboard answers (README and dashboard description). */
  question: string;
  tags: string[];
  /** Default range, e.g. `now-6h`. */
  from: string;
  refresh: string;
  /** The filter variables its panels use (all of them filter every rollup panel). */
  filters: readonly FilterVariable[];
  /** Extra variables (the cost dashboard's group-by). */
  variables?: cog.Builder<dashboard.VariableModel>[];
  panels: readonly PanelSpec[];
}

const NEUTRAL: readonly Step[] = [[null, 'blue']];

function thresholds(steps: readonly Step[] | undefined) {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps((steps ?? NEUTRAL).map(([value, color]) => ({ value, color })));
}

type Common =
  | stat.PanelBuilder
  | timeseries.PanelBuilder
  | table.PanelBuilder
  | bargauge.PanelBuilder
  | piechart.PanelBuilder;

function withCommon<B extends Common>(b: B, p: PanelSpec, type: keyof typeof Formats): B {
  b.title(p.title)
    .description(p.description)
    .datasource(DATASOURCE)
    .withTarget(new ClickHouseQuery(p.sql, type))
    .unit(p.unit)
    .thresholds(thresholds(p.thresholds))
    .span(p.width ?? 6)
    .height(p.height ?? (p.kind === 'stat' ? 4 : 8));
  if (p.noValue !== undefined) b.noValue(p.noValue);
  if (p.max !== undefined) b.min(0).max(p.max);
  for (const [column, unit] of Object.entries(p.columnUnits ?? {}))
    b.overrideByName(column, [{ id: 'unit', value: unit }]);
  return b;
}

const tableLegend = (calcs: string[]) =>
  new common.VizLegendOptionsBuilder()
    .displayMode(common.LegendDisplayMode.Table)
    .placement(common.LegendPlacement.Bottom)
    .showLegend(true)
    .calcs(calcs);

function panel(p: PanelSpec): cog.Builder<dashboard.Panel> {
  switch (p.kind) {
    case 'stat':
      return withCommon(new stat.PanelBuilder(), p, 'table')
        .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']))
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(
          p.thresholds ? common.BigValueColorMode.Background : common.BigValueColorMode.None,
        );
    case 'timeseries': {
      const b = withCommon(new timeseries.PanelBuilder(), p, 'timeseries')
        .legend(tableLegend(['mean', 'max']))
        .tooltip(
          new common.VizTooltipOptionsBuilder()
            .mode(common.TooltipDisplayMode.Multi)
            .sort(common.SortOrder.Descending),
        )
        .min(0)
        .thresholdsStyle(
          new common.GraphThresholdsStyleConfigBuilder().mode(
            p.thresholds
              ? common.GraphThresholdsStyleMode.Dashed
              : common.GraphThresholdsStyleMode.Off,
          ),
        );
      if (p.stacked)
        b.drawStyle(common.GraphDrawStyle.Bars)
          .fillOpacity(80)
          .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
      return b;
    }
    case 'table':
      return withCommon(new table.PanelBuilder(), p, 'table').filterable(true);
    case 'bargauge':
      return withCommon(new bargauge.PanelBuilder(), p, 'table')
        .reduceOptions(new common.ReduceDataOptionsBuilder().values(true).calcs([]))
        .displayMode(common.BarGaugeDisplayMode.Gradient)
        .orientation(common.VizOrientation.Horizontal);
    case 'piechart':
      return withCommon(new piechart.PanelBuilder(), p, 'table')
        .reduceOptions(new common.ReduceDataOptionsBuilder().values(true).calcs([]))
        .pieType(piechart.PieChartType.Donut)
        .legend(
          new piechart.PieChartLegendOptionsBuilder()
            .displayMode(common.LegendDisplayMode.Table)
            .placement(common.LegendPlacement.Right)
            .showLegend(true)
            .values([piechart.PieChartLegendValues.Percent, piechart.PieChartLegendValues.Value]),
        );
  }
}

const ALL: dashboard.VariableOption = { text: 'All', value: '$__all' };

/** Query variables re-run when the range changes (the linter's rule); "All" needs no allValue. */
function queryVariable(name: string, label: string, sql: string) {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query({ refId: name, editorType: 'sql', format: Formats.table, rawSql: sql })
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged);
}

const FILTER_LABELS: Record<FilterVariable, string> = {
  project: 'Project',
  service: 'Service',
  provider: 'Provider',
  model: 'Model',
  category: 'Category',
};

export function variables(spec: DashboardSpec): cog.Builder<dashboard.VariableModel>[] {
  const filters = (Object.keys(FILTERS) as FilterVariable[]).filter((f) =>
    spec.filters.includes(f),
  );
  return [
    new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type(PLUGIN),
    ...(spec.filters.length === 0
      ? []
      : [
          queryVariable('rollup', 'Rollup', VariableQueries.rollup).hide(
            dashboard.VariableHide.HideVariable,
          ),
        ]),
    ...filters.map((f) =>
      queryVariable(f, FILTER_LABELS[f], VariableQueries[f])
        .multi(true)
        .includeAll(true)
        .current(ALL),
    ),
    ...(spec.variables ?? []),
  ];
}

export function buildDashboard(spec: DashboardSpec): dashboard.Dashboard {
  const b = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .id(null)
    .description(spec.question)
    .tags(['agentmeter', ...spec.tags])
    .readonly()
    .timezone('utc')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: spec.from, to: 'now' })
    .refresh(spec.refresh)
    .variables(variables(spec))
    .link(
      new dashboard.DashboardLinkBuilder('agentmeter')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['agentmeter'])
        .asDropdown(true)
        .keepTime(true)
        .includeVars(true),
    );
  for (const p of spec.panels) b.withPanel(panel(p));
  return b.build();
}
