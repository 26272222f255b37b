package report

import (
	"bytes"
	"fmt"
	"html/template"
	"sort"

	"github.com/go-analyze/charts"
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

// drawChart renders series (one per name, one value per label) as SVG
// with go-analyze/charts; numbers on the value axis follow lang.
func drawChart(kind chartKind, id, title string, labels, names []string, values [][]float64, lang Lang) (Chart, error) {
	opts := []charts.OptionFunc{
		charts.SVGOutputOptionFunc(),
		charts.DimensionsOptionFunc(800, 360),
		charts.ThemeNameOptionFunc("light"),
		charts.XAxisLabelsOptionFunc(labels),
		charts.LegendOptionFunc(charts.LegendOption{SeriesNames: names, Offset: charts.OffsetRight}),
		charts.YAxisOptionFunc(charts.YAxisOption{ValueFormatter: func(v float64) string { return lang.Number(v, 0) }}),
		charts.PaddingOptionFunc(charts.Box{Top: 20, Left: 20, Right: 30, Bottom: 20}),
	}
	var (
		p   *charts.Painter
		err error
	)
	switch kind {
	case lineChart:
		p, err = charts.LineRender(values, opts...)
	default:
		p, err = charts.BarRender(values, opts...)
	}
	if err != nil {
		return Chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	svg, err := p.Bytes()
	if err != nil {
		return Chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	svg = bytes.Replace(svg, []byte("<svg "), []byte(fmt.Sprintf(`<svg role="img" aria-label="%s" `, template.HTMLEscapeString(title))), 1)
	return Chart{ID: id, Title: title, SVG: template.HTML(svg)}, nil // #nosec: produced by the chart library from numbers and escaped labels
}

// platforms lists the platforms of the report in order.
func (y *Yearly) platforms() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range y.MeetingsByYear {
		if !seen[r.Platform] {
			seen[r.Platform] = true
			out = append(out, r.Platform)
		}
	}
	sort.Strings(out)
	return out
}

// Charts draws every chart the data allows, in report order.
func (y *Yearly) Charts(lang Lang) ([]Chart, error) {
	var out []Chart
	plats := y.platforms()
	if len(plats) > 0 {
		var years []string
		for yr := y.From; yr <= y.To; yr++ {
			years = append(years, fmt.Sprint(yr))
		}
		vals := make([][]float64, len(plats))
		idx := map[string]int{}
		for i, p := range plats {
			vals[i] = make([]float64, len(years))
			idx[p] = i
		}
		for _, r := range y.MeetingsByYear {
			vals[idx[r.Platform]][r.Year-y.From] = float64(r.Meetings)
		}
		c, err := drawChart(barChart, "meetings-by-year", lang.T("c.meetings_year"), years, plats, vals, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, c)

		var months []string
		for yr := y.From; yr <= y.To; yr++ {
			for m := 1; m <= 12; m++ {
				months = append(months, fmt.Sprintf("%s %d", lang.Month(m), yr))
			}
		}
		mvals := make([][]float64, len(plats))
		for i := range mvals {
			mvals[i] = make([]float64, len(months))
		}
		for _, r := range y.MeetingsByMonth {
			mvals[idx[r.Platform]][(r.Year-y.From)*12+r.Month-1] = float64(r.Meetings)
		}
		if c, err = drawChart(lineChart, "meetings-by-month", lang.T("c.meetings_month"), months, plats, mvals, lang); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(y.Minutes) > 0 {
		var labels []string
		vals := [][]float64{{}, {}, {}, {}}
		for _, r := range y.Minutes {
			labels = append(labels, fmt.Sprintf("%s %d", r.Platform, r.Year))
			for i, v := range []*int64{r.Audio, r.Video, r.ScreenShare, r.Meeting} {
				x := 0.0
				if v != nil {
					x = float64(*v)
				}
				vals[i] = append(vals[i], x)
			}
		}
		names := []string{lang.T("audio"), lang.T("video"), lang.T("screenshare"), lang.T("meeting_min")}
		c, err := drawChart(barChart, "minutes-by-modality", lang.T("h.minutes"), labels, names, vals, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if f := y.Fleet; f != nil && f.Devices > 0 {
		for _, d := range []struct {
			id, title, series string
			b                 []struct {
				label string
				n     int
			}
		}{
			{"device-age", lang.T("h.age"), lang.T("devices"), counts(f.AgeBuckets)},
			{"battery-health", lang.T("h.health"), lang.T("batteries"), counts(f.HealthBuckets)},
			{"uptime", lang.T("h.uptime"), lang.T("devices"), counts(f.Uptime.Buckets)},
		} {
			var labels []string
			var vals []float64
			for _, b := range d.b {
				labels = append(labels, b.label)
				vals = append(vals, float64(b.n))
			}
			c, err := drawChart(barChart, d.id, d.title, labels, []string{d.series}, [][]float64{vals}, lang)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	if l := y.Longevity; l != nil {
		if l.Hardware > 0 {
			var labels []string
			var vals []float64
			for _, r := range l.RoundsDistribution {
				labels = append(labels, r.Label)
				vals = append(vals, float64(r.Hardware))
			}
			c, err := drawChart(barChart, "rounds", lang.T("c.rounds"), labels, []string{lang.T("l.hardware")}, [][]float64{vals}, lang)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if l.Retired > 0 {
			var labels []string
			var vals []float64
			for _, b := range l.ServiceLifeDistribution {
				labels = append(labels, b.Label)
				vals = append(vals, float64(b.Count))
			}
			c, err := drawChart(barChart, "service-life", lang.T("h.service_life"), labels, []string{lang.T("l.retired")}, [][]float64{vals}, lang)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if len(l.Certifications) > 0 {
			var labels []string
			vals := [][]float64{{}, {}, {}}
			for _, c := range l.Certifications {
				labels = append(labels, fmt.Sprint(c.Year))
				for i, p := range []*float64{c.EnergyStarPct, c.TCOPct, c.EPEATPct} {
					x := 0.0
					if p != nil {
						x = *p
					}
					vals[i] = append(vals[i], x)
				}
			}
			c, err := drawChart(barChart, "certifications", lang.T("c.certifications"), labels, []string{"Energy Star", "TCO Certified", "EPEAT"}, vals, lang)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func counts(bs []devicesBucket) []struct {
	label string
	n     int
} {
	out := make([]struct {
		label string
		n     int
	}, len(bs))
	for i, b := range bs {
		out[i].label, out[i].n = b.Label, b.Count
	}
	return out
}
