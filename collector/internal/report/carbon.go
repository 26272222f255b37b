package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
)

// carbonView is the carbon section (carbon.Section) formatted for one
// language: the yearly report prints all of it, the results document its
// figures under activity 4 and the travel estimate under activity 5.
type carbonView struct {
	NoData string // set when no year has hardware: said instead of figures
	Intro  string
	KPIs   []kpi
	Tables []table
	Charts []Chart
	// Notes: how the footprints were found, the baseline, the data set.
	Matches, Baseline, Citation string
	Travel                      *estimateBox // nil unless carbon.travel is set
}

// kpi is one headline figure.
type kpi struct{ Value, Label string }

// estimateBox is a figure that is not measured (the travel estimate),
// printed apart from the measured figures with its factors and sources.
type estimateBox struct {
	ID, Title, Label, Note string
	Tables                 []table
}

// carbonSource names where the CO2e figures come from: the hardware's
// service life (inventory and agents' reports) and the data set's
// footprints.
func carbonSource(ds carbon.DatasetInfo) string {
	return fmt.Sprintf("inventory.purchase_date, inventory.status_date, device_daily.last_seen × %s (%s)", ds.File, shortCommit(ds.Commit))
}

func shortCommit(c string) string { return c[:min(12, len(c))] }

// kgOf formats kg CO2e with one decimal; nil is "–".
func (l Lang) kgOf(p *float64) string {
	if p == nil {
		return "–"
	}
	return l.Number(*p, 1)
}

// carbonYear finds a year of the section.
func carbonYear(s *carbon.Section, y int) (carbon.Year, bool) {
	if s != nil {
		for _, r := range s.Years {
			if r.Year == y {
				return r, true
			}
		}
	}
	return carbon.Year{Year: y}, false
}

// retiredKg is an avoided-emissions figure of a group: nil (no data) when
// the group retired nothing that year, rather than 0 kg.
func retiredKg(f carbon.Figures, v float64) *float64 {
	if f.Retired == 0 {
		return nil
	}
	return &v
}

// matchName translates a match kind.
func matchName(k carbon.Kind, lang Lang) string {
	if _, ok := messages["co2.match."+string(k)]; ok {
		return lang.T("co2.match." + string(k))
	}
	return string(k)
}

// modelName is the manufacturer and model as the fleet spells them, the
// manufacturer left out when the model already starts with it.
func modelName(mfr, model string) string {
	if mfr == "" {
		return model
	}
	first := strings.ToLower(strings.Fields(mfr + " ")[0])
	if strings.HasPrefix(strings.ToLower(model), first) {
		return model
	}
	return mfr + " " + model
}

// footprintName says which footprint a model's figures use.
func footprintName(m carbon.ModelFigures, lang Lang) string {
	switch {
	case m.Product != nil:
		return strings.TrimSpace(m.ProductManufacturer + " " + *m.Product)
	case m.ClassDefault != nil:
		return fmt.Sprintf(lang.T("co2.class_default"), *m.ClassDefault)
	}
	return lang.T("co2.own_figures")
}

// newCarbonView formats the section for the years from..to. The headline
// figures are those of the last year with hardware.
func newCarbonView(s *carbon.Section, from, to int, lang Lang, withCharts bool) (*carbonView, error) {
	v := &carbonView{}
	if s == nil {
		v.NoData = lang.T("co2.nodata")
		return v, nil
	}
	v.Travel = travelBox(s.Travel, from, to, lang)
	if len(s.Years) == 0 {
		v.NoData = lang.T("co2.nodata")
		if s.HardwareUndated > 0 {
			v.NoData += " " + fmt.Sprintf(lang.T("co2.undated"), s.HardwareUndated)
		}
		return v, nil
	}
	v.Intro = fmt.Sprintf(lang.T("co2.intro"), s.AsOf)
	last := s.Years[len(s.Years)-1]
	v.KPIs = []kpi{
		{lang.kgOf(last.EmbodiedKgPerDeviceYear), fmt.Sprintf(lang.T("co2.kpi_per_dy"), last.Year)},
		{lang.kgOf(retiredKg(last.Figures, last.AvoidedKg)), fmt.Sprintf(lang.T("co2.kpi_avoided"), last.Year)},
		{lang.Int(int64(last.Devices)), fmt.Sprintf(lang.T("co2.kpi_devices"), last.Year)},
		{lang.Int(int64(s.Matches[carbon.KindNone])) + " / " + lang.Int(int64(s.Hardware)), lang.T("co2.kpi_defaults")},
	}
	v.Matches = fmt.Sprintf(lang.T("co2.matches"), lang.Int(int64(s.Hardware)), lang.Int(int64(s.Matches[carbon.KindExact])), lang.Int(int64(s.Matches[carbon.KindRule])),
		lang.Int(int64(s.Matches[carbon.KindOverride])), lang.Int(int64(s.Matches[carbon.KindNone])))
	if s.HardwareUndated > 0 {
		v.Matches += " " + fmt.Sprintf(lang.T("co2.undated"), s.HardwareUndated)
	}
	if s.Method.BaselineFromManufacturer {
		v.Baseline = fmt.Sprintf(lang.T("co2.baseline_mfr"), lang.Number(s.Method.BaselineYears, decimalsOf(s.Method.BaselineYears)))
	} else {
		v.Baseline = fmt.Sprintf(lang.T("co2.baseline_fixed"), lang.Number(s.Method.BaselineYears, decimalsOf(s.Method.BaselineYears)))
	}
	ds := s.Dataset
	v.Citation = fmt.Sprintf(lang.T("co2.citation"), ds.Name, strings.TrimPrefix(ds.Repository, "https://"), shortCommit(ds.Commit), ds.Date, ds.File, lang.Int(int64(ds.Products)), ds.License)
	v.Tables = carbonTables(s, last.Year, lang)
	if withCharts {
		cs, err := carbonCharts(s, from, to, lang)
		if err != nil {
			return nil, err
		}
		v.Charts = cs
	}
	return v, nil
}

// carbonTables: per year, per class and year, and the models with the
// most embodied CO2e in the year top.
func carbonTables(s *carbon.Section, top int, lang Lang) []table {
	src := carbonSource(s.Dataset)
	years := table{ID: "co2-years", Caption: lang.T("co2.by_year"), Source: src,
		Head: []string{lang.T("year"), lang.T("co2.devices"), lang.T("co2.device_years"), lang.T("co2.embodied"), lang.T("co2.per_dy"), lang.T("co2.retired"),
			lang.T("co2.avoided"), lang.T("co2.extra"), lang.T("co2.net")},
		Num: []bool{false, true, true, true, true, true, true, true, true}}
	classes := table{ID: "co2-classes", Caption: lang.T("co2.by_class"), Source: src + "; inventory.class",
		Head: []string{lang.T("year"), lang.T("l.class"), lang.T("co2.devices"), lang.T("co2.device_years"), lang.T("co2.per_dy"), lang.T("co2.retired"), lang.T("co2.net")},
		Num:  []bool{false, false, true, true, true, true, true}}
	for _, y := range s.Years {
		years.Rows = append(years.Rows, []string{fmt.Sprint(y.Year), lang.Int(int64(y.Devices)), lang.Number(y.DeviceYears, 1), lang.Number(y.EmbodiedKg, 1),
			lang.kgOf(y.EmbodiedKgPerDeviceYear), lang.Int(int64(y.Retired)), lang.kgOf(retiredKg(y.Figures, y.AvoidedByLongerLivesKg)),
			lang.kgOf(retiredKg(y.Figures, y.ExtraByShorterLivesKg)), lang.kgOf(retiredKg(y.Figures, y.AvoidedKg))})
		for _, c := range y.ByClass {
			classes.Rows = append(classes.Rows, []string{fmt.Sprint(y.Year), c.Class, lang.Int(int64(c.Devices)), lang.Number(c.DeviceYears, 1),
				lang.kgOf(c.EmbodiedKgPerDeviceYear), lang.Int(int64(c.Retired)), lang.kgOf(retiredKg(c.Figures, c.AvoidedKg))})
		}
	}
	out := []table{years, classes}
	y, _ := carbonYear(s, top)
	models := append([]carbon.ModelFigures(nil), y.ByModel...)
	sort.SliceStable(models, func(i, j int) bool {
		if models[i].EmbodiedKg != models[j].EmbodiedKg {
			return models[i].EmbodiedKg > models[j].EmbodiedKg
		}
		return models[i].Retired > models[j].Retired
	})
	const topModels = 10
	if len(models) > 0 {
		n := min(len(models), topModels)
		mt := table{ID: "co2-models", Caption: fmt.Sprintf(lang.T("co2.top_models"), n, len(models), top), Source: src + "; inventory.model, else device_daily (manufacturer, model)",
			Head: []string{lang.T("l.model"), lang.T("co2.match"), lang.T("co2.footprint"), lang.T("co2.per_device"), lang.T("co2.devices"), lang.T("co2.embodied"),
				lang.T("co2.per_dy"), lang.T("co2.retired"), lang.T("co2.net")},
			Num: []bool{false, false, false, true, true, true, true, true, true}}
		for _, m := range models[:n] {
			mt.Rows = append(mt.Rows, []string{modelName(m.Manufacturer, m.Model), matchName(m.Match, lang), footprintName(m, lang), lang.Number(m.EmbodiedKgPerDevice, 1),
				lang.Int(int64(m.Devices)), lang.Number(m.EmbodiedKg, 1), lang.kgOf(m.EmbodiedKgPerDeviceYear), lang.Int(int64(m.Retired)), lang.kgOf(retiredKg(m.Figures, m.AvoidedKg))})
		}
		out = append(out, mt)
	}
	return out
}

// carbonCharts draws two charts, one question each: what does a year of
// service cost in embodied CO2e, per device class and year; and what did
// the lives of the hardware retired each year avoid or cause. A year
// without hardware (or without retirements) is a gap.
func carbonCharts(s *carbon.Section, from, to int, lang Lang) ([]Chart, error) {
	labels := yearLabels(from, to)
	var classes []string
	seen := map[string]bool{}
	for _, y := range s.Years {
		for _, c := range y.ByClass {
			if !seen[c.Class] && c.EmbodiedKgPerDeviceYear != nil {
				seen[c.Class] = true
				classes = append(classes, c.Class)
			}
		}
	}
	sort.Strings(classes)
	idx := indexOf(classes)
	perDY := series(len(classes), len(labels))
	retired := series(2, len(labels))
	anyRetired := false
	for _, y := range s.Years {
		if y.Year < from || y.Year > to {
			continue
		}
		i := y.Year - from
		for _, c := range y.ByClass {
			if c.EmbodiedKgPerDeviceYear != nil {
				perDY[idx[c.Class]][i] = *c.EmbodiedKgPerDeviceYear
			}
		}
		if y.Retired > 0 {
			anyRetired = true
			retired[0][i], retired[1][i] = y.AvoidedByLongerLivesKg, y.ExtraByShorterLivesKg
		}
	}
	var out []Chart
	if len(classes) > 0 {
		title := lang.T("c.co2_per_dy")
		if len(classes) == 1 { // one series has no legend: the title names the class
			title = fmt.Sprintf(lang.T("c.co2_per_dy_one"), classes[0])
		}
		c, err := drawChart(chartSpec{kind: barChart, id: "co2-per-device-year", title: title, labels: labels, names: classes, values: perDY}, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if anyRetired {
		c, err := drawChart(chartSpec{kind: barChart, id: "co2-retired", title: lang.T("c.co2_retired"), labels: labels,
			names: []string{lang.T("co2.avoided"), lang.T("co2.extra")}, values: retired}, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// travelBox formats the travel estimate of the years from..to; nil
// without one (no carbon.travel: no figure at all).
func travelBox(te *carbon.TravelEstimate, from, to int, lang Lang) *estimateBox {
	if te == nil {
		return nil
	}
	b := &estimateBox{ID: "travel", Title: lang.T("tr.title"), Label: lang.T("tr.label"), Note: lang.T("tr.note")}
	units := map[string]string{"share of meetings": "tr.unit.share", "km": "tr.unit.km", "kg CO2e/km": "tr.unit.kgkm"} // carbon.EstimateTravel's units
	unit := func(u string) string {
		if k, ok := units[u]; ok {
			return lang.T(k)
		}
		return u
	}
	factors := table{ID: "travel-factors", Caption: lang.T("tr.factors"), H: 4, Head: []string{lang.T("tr.factor"), lang.T("tr.value"), lang.T("tr.unit"), lang.T("tr.source")},
		Num: []bool{false, true, false, false}}
	for _, f := range []struct {
		key string
		f   carbon.Factor
	}{
		{"tr.share", te.Factors.ShareReplacingTrip}, {"tr.km", te.Factors.KmPerTrip}, {"tr.kg_per_km", te.Factors.KgCO2ePerKm},
	} {
		factors.Rows = append(factors.Rows, []string{lang.T(f.key), lang.Number(f.f.Value, decimalsOf(f.f.Value)), unit(f.f.Unit), f.f.Source})
	}
	years := table{ID: "travel-years", Caption: lang.T("tr.years"), H: 4, Source: "meetings.meetings × " + lang.T("tr.factors_lc"),
		Head: []string{lang.T("year"), lang.T("meetings"), lang.T("tr.trips"), lang.T("tr.km_total"), lang.T("tr.kg")},
		Num:  []bool{false, true, true, true, true}}
	for _, y := range te.Years {
		if y.Year < from || y.Year > to {
			continue
		}
		years.Rows = append(years.Rows, []string{fmt.Sprint(y.Year), lang.Int(y.Meetings), lang.Number(y.TripsReplaced, 1), lang.Number(y.Km, 1), lang.Number(y.EstimatedKgCO2e, 1)})
	}
	b.Tables = []table{factors}
	if len(years.Rows) > 0 {
		b.Tables = append(b.Tables, years)
	} else {
		b.Note += " " + lang.T("tr.no_meetings")
	}
	return b
}

// decimalsOf shows a factor as given: up to four decimals, no trailing zeros.
func decimalsOf(v float64) int {
	for d := 0; d < 4; d++ {
		if s := fmt.Sprintf("%.*f", d, v); s == strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".") {
			return d
		}
	}
	return 4
}
