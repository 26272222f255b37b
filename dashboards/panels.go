package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/histogram"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// size is a panel's width (of 24 columns) and height (grid rows).
type size struct{ w, h uint32 }

var (
	third   = size{8, 8}
	half    = size{12, 9}
	full    = size{24, 9}
	quarter = size{6, 5}
	sixth   = size{4, 5}
)

// series is a time-series panel; bars draws bars (daily or monthly
// figures), interval is the minimum GROUP BY time interval ("" for none).
func series(title, desc, unit string, s size, interval string, bars bool, targets ...*QueryBuilder) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().
		Title(title).Description(desc).
		Datasource(*datasourceRef()).
		Span(s.w).Height(s.h).
		Unit(unit).
		LineWidth(1).FillOpacity(10).
		SpanNulls(common.BoolOrFloat64{Bool: ptr(false)}).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
		Tooltip(tooltip())
	if bars {
		p.DrawStyle(common.GraphDrawStyleBars).FillOpacity(80).
			Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNone))
	}
	if interval != "" {
		p.Interval(interval)
	}
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

// single is a stat panel reducing each series to its last value.
func single(title, desc, unit string, s size, th *dashboard.ThresholdsConfigBuilder, targets ...*QueryBuilder) *stat.PanelBuilder {
	p := stat.NewPanelBuilder().
		Title(title).Description(desc).
		Datasource(*datasourceRef()).
		Span(s.w).Height(s.h).
		Unit(unit).
		GraphMode(common.BigValueGraphModeNone).
		ColorMode(common.BigValueColorModeValue).
		TextMode(common.BigValueTextModeAuto).
		// Without it the SDK writes orientation "", which Grafana does not
		// know: several values of one stat then line up in a single row.
		Orientation(common.VizOrientationAuto).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
	if th != nil {
		p.Thresholds(th)
	}
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

// tabular is a table panel; transformations run in Grafana after the query.
func tabular(title, desc string, s size, transformations []dashboard.DataTransformerConfig, targets ...*QueryBuilder) *table.PanelBuilder {
	p := table.NewPanelBuilder().
		Title(title).Description(desc).
		Datasource(*datasourceRef()).
		Span(s.w).Height(s.h).
		ShowHeader(true).
		Filterable(true).
		Align(common.FieldTextAlignmentAuto).
		CellOptions(common.TableCellOptions{TableAutoCellOptions: &common.TableAutoCellOptions{Type: common.TableCellDisplayModeAuto}})
	for _, tr := range transformations {
		p.WithTransformation(tr)
	}
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

// distribution is a histogram of the values of a table query.
func distribution(title, desc, unit string, s size, bucket int32, targets ...*QueryBuilder) *histogram.PanelBuilder {
	p := histogram.NewPanelBuilder().
		Title(title).Description(desc).
		Datasource(*datasourceRef()).
		Span(s.w).Height(s.h).
		Unit(unit).
		BucketSize(bucket).
		FillOpacity(80).
		Combine(false).
		Tooltip(tooltip())
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

// bars is a bar gauge, one bar per target (or per series).
func bars(title, desc, unit string, s size, targets ...*QueryBuilder) *bargauge.PanelBuilder {
	p := bargauge.NewPanelBuilder().
		Title(title).Description(desc).
		Datasource(*datasourceRef()).
		Span(s.w).Height(s.h).
		Unit(unit).
		DisplayMode(common.BarGaugeDisplayModeBasic).
		Orientation(common.VizOrientationHorizontal).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

// tooltip shows every series at the cursor, largest first. The SDK's
// default is mode and sort "", which are not Grafana values.
func tooltip() *common.VizTooltipOptionsBuilder {
	return common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending)
}

// years is the unit of a value in years. Grafana has no unit id for years
// (@grafana/data's value formats stop at days, see grafana/units.json), so
// it is a custom unit: "suffix:<text>" appends " years" to the number.
const years = "suffix:years"

func ptr[T any](v T) *T { return &v }
