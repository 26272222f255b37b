package report

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"sort"
	"unicode/utf8"

	"github.com/go-analyze/charts"

	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
)

// Chart is one chart drawn server-side as inline SVG.
type Chart struct {
	ID    string
	Title string
	SVG   template.HTML
}

type chartKind int

const (
	barChart chartKind = iota
	lineChart
)

// valueAxis says what the values are, which decides the value axis.
type valueAxis int

const (
	axisNumber  valueAxis = iota // any amount: automatic steps
	axisCount                    // whole things (devices, batteries): whole-number steps
	axisPercent                  // 0–100 %
)

// noData marks a period without data: drawn as a gap (no bar, a break in
// the line), never as 0.
var noData = charts.GetNullValue()

func isNoData(v float64) bool { return v == noData }

// Chart geometry, in SVG units. The page scales the SVG to its width, so
// overlap depends only on these.
const (
	chartWidth, chartHeight = 800, 360
	chartFontSize           = 16.0 // what the light theme writes (font-size:16px)
	valueLabelScale         = 1.0  // value labels on bars, relative to chartFontSize
	// plotWidth is the shortest x-axis left after the value-axis labels
	// and paddings (730 with one-digit labels, less with "3,000,000").
	plotWidth = 640
)

// chartSpec is one chart: one question, one value axis.
type chartSpec struct {
	kind   chartKind
	id     string
	title  string
	labels []string    // categories on the x axis
	names  []string    // one series each
	values [][]float64 // [series][category]; noData for a category without data
	axis   valueAxis
}

// labelWidth estimates the width of an axis label, generously: 0.62 em
// per character is more than the system sans-serif fonts need for digits
// and lower case, plus a gap.
func labelWidth(s string) float64 { return float64(utf8.RuneCountInString(s))*0.62*chartFontSize + 8 }

// thinLabels blanks category labels so that those shown, each centred on
// its slot, cannot touch: going left to right, a label is kept only if it
// starts after the last kept one ends. Labels already blank stay blank, so
// a caller can choose which ones to offer (each January, say).
func thinLabels(labels []string) []string {
	slot := float64(plotWidth) / float64(max(len(labels), 1))
	out := make([]string, len(labels))
	lastRight := math.Inf(-1)
	for i, l := range labels {
		if l == "" {
			continue
		}
		centre, half := (float64(i)+0.5)*slot, labelWidth(l)/2
		if centre-half < lastRight {
			continue
		}
		out[i] = l
		lastRight = centre + half
	}
	return out
}

// drawChart renders a chart as SVG with go-analyze/charts. Every category
// label the chart shows is drawn (thinned first so that none overlap),
// a category without data is left empty, and the value axis follows what
// the values are.
func drawChart(c chartSpec, lang Lang) (Chart, error) {
	labels := thinLabels(c.labels)
	maxVal := 0.0
	for _, s := range c.values {
		for _, v := range s {
			if !isNoData(v) {
				maxVal = math.Max(maxVal, v)
			}
		}
	}
	format := func(v float64) string {
		if math.Abs(v-math.Round(v)) < 1e-9 {
			return lang.Number(v, 0)
		}
		return lang.Number(v, 1)
	}
	yAxis := charts.YAxisOption{Min: charts.Ptr(0.0), ValueFormatter: format}
	switch c.axis {
	case axisPercent:
		yAxis.Max, yAxis.LabelCount = charts.Ptr(100.0), 6
	case axisCount:
		// Whole-number steps: with few things, one label per whole number.
		if maxVal <= 8 {
			top := math.Max(1, math.Ceil(maxVal))
			yAxis.Max, yAxis.LabelCount = charts.Ptr(top), int(top)+1
		}
	}
	opts := []charts.OptionFunc{
		charts.SVGOutputOptionFunc(),
		charts.DimensionsOptionFunc(chartWidth, chartHeight),
		charts.ThemeNameOptionFunc("light"),
		// LabelCount = categories: every label is drawn where we put it
		// (blank ones draw nothing), so that the library does not pick
		// its own, which can put the last two on top of each other.
		charts.XAxisOptionFunc(charts.XAxisOption{Labels: labels, LabelCount: len(labels)}),
		// One series needs no legend: the title says what it is.
		charts.LegendOptionFunc(charts.LegendOption{SeriesNames: c.names, Offset: charts.OffsetRight, Show: charts.Ptr(len(c.names) > 1)}),
		charts.YAxisOptionFunc(yAxis),
		charts.PaddingOptionFunc(charts.Box{Top: 20, Left: 20, Right: 30, Bottom: 20}),
	}
	if c.kind == barChart && len(c.labels) > 0 && len(c.names) > 0 {
		// The value on each bar, where it fits the bar's width: the exact
		// figure, and a 0 that shows as "0" where a period without data
		// shows nothing.
		bar := float64(plotWidth) / float64(len(c.labels)) / (float64(len(c.names)) + 0.5)
		if labelWidth(format(maxVal))*valueLabelScale <= bar {
			opts = append(opts, func(o *charts.ChartOption) {
				for i := range o.SeriesList {
					o.SeriesList[i].Label.Show = charts.Ptr(true)
					o.SeriesList[i].Label.ValueFormatter = format
				}
			})
		}
	}
	var (
		p   *charts.Painter
		err error
	)
	switch c.kind {
	case lineChart:
		p, err = charts.LineRender(c.values, opts...)
	default:
		p, err = charts.BarRender(c.values, opts...)
	}
	if err != nil {
		return Chart{}, fmt.Errorf("chart %s: %w", c.id, err)
	}
	svg, err := p.Bytes()
	if err != nil {
		return Chart{}, fmt.Errorf("chart %s: %w", c.id, err)
	}
	svg = bytes.Replace(svg, []byte("<svg "), []byte(fmt.Sprintf(`<svg role="img" aria-label="%s" `, template.HTMLEscapeString(c.title))), 1)
	return Chart{ID: c.id, Title: c.title, SVG: template.HTML(svg)}, nil // #nosec: produced by the chart library from numbers and escaped labels
}

// series makes one row per name, every value noData.
func series(names, cats int) [][]float64 {
	out := make([][]float64, names)
	for i := range out {
		out[i] = make([]float64, cats)
		for j := range out[i] {
			out[i][j] = noData
		}
	}
	return out
}

func yearLabels(from, to int) []string {
	var out []string
	for y := from; y <= to; y++ {
		out = append(out, fmt.Sprint(y))
	}
	return out
}

// monthLabels names the months from..to: over several years only each
// January, as its year; within one year every month.
func monthLabels(from, to int, lang Lang) []string {
	var out []string
	for y := from; y <= to; y++ {
		for m := 1; m <= 12; m++ {
			switch {
			case from == to:
				out = append(out, lang.Month(m))
			case m == 1:
				out = append(out, fmt.Sprint(y))
			default:
				out = append(out, "")
			}
		}
	}
	return out
}

// platformsOf lists the platforms of rows in order.
func platformsOf(rows []YearRow) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if !seen[r.Platform] {
			seen[r.Platform] = true
			out = append(out, r.Platform)
		}
	}
	sort.Strings(out)
	return out
}

// meetingsByYearSpec: how many meetings per platform, each year?
func meetingsByYearSpec(r *MeetingsReport, lang Lang) chartSpec {
	plats := platformsOf(r.MeetingsByYear)
	idx := indexOf(plats)
	vals := series(len(plats), r.To-r.From+1)
	for _, row := range r.MeetingsByYear {
		vals[idx[row.Platform]][row.Year-r.From] = float64(row.Meetings)
	}
	return chartSpec{kind: barChart, id: "meetings-by-year", title: lang.T("c.meetings_year"), labels: yearLabels(r.From, r.To), names: plats, values: vals}
}

// meetingsByMonthSpec: how many meetings per platform, each month? A
// month without data for a platform is a gap in its line.
func meetingsByMonthSpec(r *MeetingsReport, lang Lang) chartSpec {
	plats := platformsOf(r.MeetingsByYear)
	idx := indexOf(plats)
	vals := series(len(plats), (r.To-r.From+1)*12)
	for _, m := range r.MeetingsByMonth {
		vals[idx[m.Platform]][(m.Year-r.From)*12+m.Month-1] = float64(m.Meetings)
	}
	return chartSpec{kind: lineChart, id: "meetings-by-month", title: lang.T("c.meetings_month"), labels: monthLabels(r.From, r.To, lang), names: plats, values: vals}
}

func indexOf(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}

// minutesCharts splits meeting time into one question per chart: for
// each platform that reports time by modality (Teams), how its meeting
// time divides into audio, video and screen sharing per year; and, for
// the platforms that report total meeting minutes, those per year.
func minutesCharts(rows []MinutesRow, from, to int, lang Lang) ([]Chart, error) {
	var out []Chart
	byPlat := map[string][]MinutesRow{}
	var plats []string
	for _, r := range rows {
		if byPlat[r.Platform] == nil {
			plats = append(plats, r.Platform)
		}
		byPlat[r.Platform] = append(byPlat[r.Platform], r)
	}
	sort.Strings(plats)
	years := yearLabels(from, to)
	var totalPlats []string
	for _, p := range plats {
		modal := false
		vals := series(3, len(years))
		for _, r := range byPlat[p] {
			for i, v := range []*int64{r.Audio, r.Video, r.ScreenShare} {
				if v != nil {
					vals[i][r.Year-from] = float64(*v)
					modal = true
				}
			}
		}
		if modal {
			c, err := drawChart(chartSpec{kind: barChart, id: "modality-" + p, title: fmt.Sprintf(lang.T("c.modality"), platformName(p)),
				labels: years, names: []string{lang.T("audio"), lang.T("video"), lang.T("screenshare")}, values: vals}, lang)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		for _, r := range byPlat[p] {
			if r.Meeting != nil {
				totalPlats = append(totalPlats, p)
				break
			}
		}
	}
	if len(totalPlats) > 0 {
		vals := series(len(totalPlats), len(years))
		for i, p := range totalPlats {
			for _, r := range byPlat[p] {
				if r.Meeting != nil {
					vals[i][r.Year-from] = float64(*r.Meeting)
				}
			}
		}
		c, err := drawChart(chartSpec{kind: barChart, id: "meeting-minutes", title: lang.T("c.meeting_minutes"), labels: years, names: totalPlats, values: vals}, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// histogram: how many things fall in each bucket?
func histogram(id, title, what string, labels []string, counts []int, lang Lang) (Chart, error) {
	vals := make([]float64, len(counts))
	for i, n := range counts {
		vals[i] = float64(n)
	}
	return drawChart(chartSpec{kind: barChart, id: id, title: title, labels: labels, names: []string{what}, values: [][]float64{vals}, axis: axisCount}, lang)
}

// certificationsChart: what share of each year's purchases carries each
// certification?
func certificationsChart(certs []lifecycle.CertYear, lang Lang) (Chart, error) {
	var labels []string
	vals := [][]float64{{}, {}, {}}
	for _, c := range certs {
		labels = append(labels, fmt.Sprint(c.Year))
		for i, p := range []*float64{c.EnergyStarPct, c.TCOPct, c.EPEATPct} {
			x := noData
			if p != nil {
				x = *p
			}
			vals[i] = append(vals[i], x)
		}
	}
	return drawChart(chartSpec{kind: barChart, id: "certifications", title: lang.T("c.certifications"), labels: labels,
		names: []string{"Energy Star", "TCO Certified", "EPEAT"}, values: vals, axis: axisPercent}, lang)
}

// Charts draws every chart the yearly report's data allows, in report order.
func (y *Yearly) Charts(lang Lang) ([]Chart, error) {
	var out []Chart
	add := func(c Chart, err error) error {
		if err == nil {
			out = append(out, c)
		}
		return err
	}
	if len(y.MeetingsByYear) > 0 {
		if err := add(drawChart(meetingsByYearSpec(y.MeetingsReport, lang), lang)); err != nil {
			return nil, err
		}
		if err := add(drawChart(meetingsByMonthSpec(y.MeetingsReport, lang), lang)); err != nil {
			return nil, err
		}
	}
	mc, err := minutesCharts(y.Minutes, y.From, y.To, lang)
	if err != nil {
		return nil, err
	}
	out = append(out, mc...)
	if f := y.Fleet; f != nil && f.Devices > 0 {
		for _, d := range []struct {
			id, title, series string
			b                 []devicesBucket
		}{
			{"device-age", lang.T("c.age"), lang.T("devices"), f.AgeBuckets},
			{"battery-health", lang.T("c.health"), lang.T("batteries"), f.HealthBuckets},
			{"uptime", lang.T("c.uptime"), lang.T("devices"), f.Uptime.Buckets},
		} {
			labels, counts := bucketCounts(d.b)
			if err := add(histogram(d.id, d.title, d.series, labels, counts, lang)); err != nil {
				return nil, err
			}
		}
	}
	if l := y.Longevity; l != nil {
		if l.Hardware > 0 {
			var labels []string
			var counts []int
			for _, r := range l.RoundsDistribution {
				labels = append(labels, r.Label)
				counts = append(counts, r.Hardware)
			}
			if err := add(histogram("rounds", lang.T("c.rounds"), lang.T("l.hardware"), labels, counts, lang)); err != nil {
				return nil, err
			}
		}
		if l.Retired > 0 {
			labels, counts := bucketCounts(l.ServiceLifeDistribution)
			if err := add(histogram("service-life", lang.T("c.service_life"), lang.T("l.retired"), labels, counts, lang)); err != nil {
				return nil, err
			}
		}
		if len(l.Certifications) > 0 {
			if err := add(certificationsChart(l.Certifications, lang)); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func bucketCounts(bs []devicesBucket) (labels []string, counts []int) {
	for _, b := range bs {
		labels = append(labels, b.Label)
		counts = append(counts, b.Count)
	}
	return labels, counts
}
