// The type every generated dashboard must have, built from @grafana/schema
// (the version pinned in package.json). typecheck.mjs writes each
// dashboards/json file as an object literal of this type and runs
// `tsc --strict`: a wrong type, an enum value Grafana does not define, an
// option a panel plugin does not have or a missing required option fails.
import type * as schema from '@grafana/schema';
import type * as annotationslist from '@grafana/schema/dist/esm/raw/composable/annotationslist/panelcfg/x/AnnotationsListPanelCfg_types.gen';
import type * as barchart from '@grafana/schema/dist/esm/raw/composable/barchart/panelcfg/x/BarChartPanelCfg_types.gen';
import type * as bargauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type * as gauge from '@grafana/schema/dist/esm/raw/composable/gauge/panelcfg/x/GaugePanelCfg_types.gen';
import type * as heatmap from '@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen';
import type * as histogram from '@grafana/schema/dist/esm/raw/composable/histogram/panelcfg/x/HistogramPanelCfg_types.gen';
import type * as piechart from '@grafana/schema/dist/esm/raw/composable/piechart/panelcfg/x/PieChartPanelCfg_types.gen';
import type * as stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as statetimeline from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';
import type * as table from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type * as text from '@grafana/schema/dist/esm/raw/composable/text/panelcfg/x/TextPanelCfg_types.gen';
import type * as timeseries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type * as xychart from '@grafana/schema/dist/esm/raw/composable/xychart/panelcfg/x/XYChartPanelCfg_types.gen';

// Plain turns TypeScript enums into the unions of their values, which is
// what a JSON file can hold ("auto", not VizOrientation.Auto), keeping
// every other type as it is.
type Plain<T> = T extends string
  ? string extends T
    ? string
    : `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Plain<U>>
      : T extends object
        ? { [K in keyof T]: Plain<T[K]> }
        : T;

// InfluxQuery is a target of Grafana's InfluxDB data source, as its
// source declares it (public/app/plugins/datasource/influxdb/types.ts,
// interface InfluxQuery extends DataQuery); the data source's types are
// not published on npm.
interface InfluxQuery extends schema.DataQuery {
  policy?: string;
  measurement?: string;
  resultFormat?: 'time_series' | 'table' | 'logs';
  orderByTime?: string;
  limit?: string | number;
  slimit?: string | number;
  tz?: string;
  fill?: string;
  rawQuery?: boolean;
  query?: string;
  alias?: string;
}

// A panel of one plugin: its options and its custom field config typed by
// that plugin's panelcfg, the rest by the dashboard schema.
type PanelOf<Type extends string, Options, Custom> = Plain<
  Omit<schema.Panel, 'type' | 'options' | 'fieldConfig' | 'targets' | 'datasource'>
> & {
  type: Type;
  datasource?: Plain<schema.DataSourceRef>;
  targets?: Array<InfluxQuery>;
  options: Plain<Options>;
  fieldConfig: {
    defaults: Plain<Omit<schema.FieldConfig, 'custom'>> & { custom?: Plain<Custom> };
    overrides: Plain<schema.FieldConfigSource['overrides']>;
  };
};

type NoCustom = Record<string, never>;

export type Panel =
  | PanelOf<'annotationslist', annotationslist.Options, NoCustom>
  | PanelOf<'barchart', barchart.Options, barchart.FieldConfig>
  | PanelOf<'bargauge', bargauge.Options, NoCustom>
  | PanelOf<'gauge', gauge.Options, NoCustom>
  | PanelOf<'heatmap', heatmap.Options, heatmap.FieldConfig>
  | PanelOf<'histogram', histogram.Options, histogram.FieldConfig>
  | PanelOf<'piechart', piechart.Options, piechart.FieldConfig>
  | PanelOf<'stat', stat.Options, NoCustom>
  | PanelOf<'state-timeline', statetimeline.Options, statetimeline.FieldConfig>
  | PanelOf<'table', table.Options, table.FieldConfig>
  | PanelOf<'text', text.Options, NoCustom>
  | PanelOf<'timeseries', timeseries.Options, timeseries.FieldConfig>
  | PanelOf<'xychart', xychart.Options, xychart.FieldConfig>;

export type RowPanel = Plain<Omit<schema.RowPanel, 'panels'>> & { type: 'row'; panels: Panel[] };

export type Dashboard = Plain<Omit<schema.Dashboard, 'panels' | 'templating'>> & {
  panels: Array<Panel | RowPanel>;
  templating: { list: Array<Plain<schema.VariableModel>> };
};
