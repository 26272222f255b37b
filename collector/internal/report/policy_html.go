package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	texttemplate "text/template"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/collector/internal/paper"
	"github.com/kretslopp/kretslopp/collector/internal/safetext"
)

// section is one activity of the results document, already formatted for
// one language. HTML and Markdown render the same sections.
type section struct {
	N              int
	ID             string // the activity's JSON key (a part's: its own)
	Title          string
	Policy         string   // what the policy's action plan set out to do
	NoData         string   // set when the section has no data: said instead of figures
	Year, Previous int      // the years the figures compare
	Figures        []figure // the report year against the year before
	Tables         []table
	Charts         []Chart
	Notes          []string
	// Parts are parts of the activity with data of their own (the CO2e of
	// activity 4), each saying so when it has none.
	Parts []section
	// Estimate is a figure that is not measured (the travel estimate of
	// activity 5), printed apart from the measured ones.
	Estimate *estimateBox
}

// figure is one figure of the report year and the year before, with the
// measurement (and field) it comes from.
type figure struct {
	Label, Value, Previous, Change, Source string
}

// table is a table of a section, with the measurement it comes from.
type table struct {
	ID      string // data-table in HTML, for tests and styles; may be empty
	Caption string
	H       int // heading level of the caption: 3 (0) or 4
	Head    []string
	Num     []bool // right-aligned (numeric) columns
	Rows    [][]string
	Source  string
}

// figures collects a section's figures in one language.
type figures struct {
	lang Lang
	list []figure
}

func (f *figures) add(label, source string, cur, prev, change string, has bool) {
	if has {
		f.list = append(f.list, figure{label, cur, prev, change, source})
	}
}

func (l Lang) opt(p *int64) string {
	if p == nil {
		return "–"
	}
	return l.Int(*p)
}

// count adds a whole-number figure; the change is in per cent.
func (f *figures) count(label, source string, cur, prev *int64) {
	change := "–"
	if cur != nil && prev != nil {
		change = f.lang.Pct(meetings.Growth(*cur, *prev, true), true)
	}
	f.add(label, source, f.lang.opt(cur), f.lang.opt(prev), change, cur != nil || prev != nil)
}

// share adds a percentage; the change is in percentage points.
func (f *figures) share(label, source string, cur, prev *float64) {
	change := "–"
	if cur != nil && prev != nil {
		d := math.Round((*cur-*prev)*10) / 10
		change = fmt.Sprintf(f.lang.T("p.points"), f.lang.signed(d))
	}
	f.add(label, source, f.lang.Pct(cur, false), f.lang.Pct(prev, false), change, cur != nil || prev != nil)
}

// years adds a number of years; the change is in years.
func (f *figures) years(label, source string, cur, prev *float64) {
	change := "–"
	if cur != nil && prev != nil {
		d := math.Round((*cur-*prev)*10) / 10
		change = fmt.Sprintf(f.lang.T("p.years"), f.lang.signed(d))
	}
	num := func(p *float64) string {
		if p == nil {
			return "–"
		}
		return f.lang.Number(*p, 1)
	}
	f.add(label, source, num(cur), num(prev), change, cur != nil || prev != nil)
}

// kg adds an amount of kg CO2e; the change is the difference in kg.
func (f *figures) kg(label, source string, cur, prev *float64) {
	change := "–"
	if cur != nil && prev != nil {
		change = fmt.Sprintf(f.lang.T("p.kg"), f.lang.signed(math.Round((*cur-*prev)*10)/10))
	}
	f.add(label, source, f.lang.kgOf(cur), f.lang.kgOf(prev), change, cur != nil || prev != nil)
}

func (l Lang) signed(v float64) string {
	s := l.Number(v, 1)
	if v > 0 {
		s = "+" + s
	}
	return s
}

func intp(n int) *int64 { v := int64(n); return &v }

// positive is n, or nil (no data) for 0: for counts of what reported.
func positive(n int) *int64 {
	if n <= 0 {
		return nil
	}
	return intp(n)
}

// policySections formats the document's sections in report order.
func (p *Policy) policySections(lang Lang, withCharts bool) ([]section, error) {
	var out []section
	for i, build := range []func(Lang, bool) (section, error){
		p.reuseSection, p.procurementSection, p.socialSection, p.longevityWithCarbon,
		p.meetingsWithTravel, p.printingSection, p.mailSection,
	} {
		s, err := build(lang, withCharts)
		if err != nil {
			return nil, err
		}
		s.N, s.Year, s.Previous = i+1, p.Year, p.Previous
		for j := range s.Parts {
			s.Parts[j].Year, s.Parts[j].Previous = p.Year, p.Previous
		}
		out = append(out, s)
	}
	return out, nil
}

// longevityWithCarbon is activity 4 with its CO2e: what the service
// lives measured there mean in embodied emissions.
func (p *Policy) longevityWithCarbon(lang Lang, withCharts bool) (section, error) {
	s, err := p.longevitySection(lang, withCharts)
	if err != nil {
		return s, err
	}
	c, err := p.carbonPart(lang, withCharts)
	s.Parts = append(s.Parts, c)
	return s, err
}

// carbonPart is the CO2e of activity 4: embodied CO2e per device-year and
// the emissions the lives of retired hardware avoided or caused, the
// report year against the year before, with the tables and charts of the
// yearly report's CO2e section.
func (p *Policy) carbonPart(lang Lang, withCharts bool) (section, error) {
	s := section{ID: "carbon", Title: lang.T("p4.co2")}
	cv, err := newCarbonView(p.Carbon, p.From, p.To, lang, withCharts)
	if err != nil {
		return s, err
	}
	if cv.NoData != "" {
		s.NoData = cv.NoData
		return s, nil
	}
	cur, okCur := carbonYear(p.Carbon, p.Year)
	prev, okPrev := carbonYear(p.Carbon, p.Previous)
	count := func(ok bool, n int) *int64 {
		if !ok {
			return nil
		}
		return intp(n)
	}
	deviceYears := func(ok bool, v float64) *float64 {
		if !ok {
			return nil
		}
		return &v
	}
	source := carbonSource(p.Carbon.Dataset)
	f := figures{lang: lang}
	f.kg(lang.T("p4.co2_per_dy"), source, cur.EmbodiedKgPerDeviceYear, prev.EmbodiedKgPerDeviceYear)
	f.count(lang.T("p4.co2_devices"), "inventory.purchase_date, inventory.status_date, device_daily.last_seen", count(okCur, cur.Devices), count(okPrev, prev.Devices))
	f.years(lang.T("p4.co2_device_years"), "inventory.purchase_date, inventory.status_date, device_daily.last_seen", deviceYears(okCur, cur.DeviceYears), deviceYears(okPrev, prev.DeviceYears))
	f.count(lang.T("p4.co2_retired"), "inventory.status, inventory.status_date", count(okCur, cur.Retired), count(okPrev, prev.Retired))
	f.kg(lang.T("p4.co2_avoided"), source, retiredKg(cur.Figures, cur.AvoidedByLongerLivesKg), retiredKg(prev.Figures, prev.AvoidedByLongerLivesKg))
	f.kg(lang.T("p4.co2_extra"), source, retiredKg(cur.Figures, cur.ExtraByShorterLivesKg), retiredKg(prev.Figures, prev.ExtraByShorterLivesKg))
	f.kg(lang.T("p4.co2_net"), source, retiredKg(cur.Figures, cur.AvoidedKg), retiredKg(prev.Figures, prev.AvoidedKg))
	s.Figures = f.list
	for _, t := range cv.Tables {
		t.H = 4
		s.Tables = append(s.Tables, t)
	}
	s.Charts = cv.Charts
	s.Notes = []string{lang.T("co2.note_kg"), cv.Intro, cv.Matches, cv.Baseline, cv.Citation}
	return s, nil
}

// meetingsWithTravel is activity 5 with, only when the analyst set
// carbon.travel, the travel estimate in a box of its own.
func (p *Policy) meetingsWithTravel(lang Lang, withCharts bool) (section, error) {
	s, err := p.meetingsSection(lang, withCharts)
	if p.Carbon != nil {
		s.Estimate = travelBox(p.Carbon.Travel, p.From, p.To, lang)
	}
	return s, err
}

func (p *Policy) reuseYear(y int) (ReuseYear, bool) {
	for _, r := range p.Reuse.Years {
		if r.Year == y {
			return r, true
		}
	}
	return ReuseYear{Year: y}, false
}

func (p *Policy) reuseSection(lang Lang, _ bool) (section, error) {
	s := section{ID: "reuse", Title: lang.T("p1.title"), Policy: lang.T("p1.policy")}
	cur, _ := p.reuseYear(p.Year)
	prev, _ := p.reuseYear(p.Previous)
	has := false
	for _, r := range p.Reuse.Years {
		has = has || r.Hardware > 0 || r.Retired != nil && *r.Retired > 0
	}
	if !has {
		s.NoData = lang.T("p1.nodata")
		return s, nil
	}
	f := figures{lang: lang}
	f.count(lang.T("p1.hardware"), "device_daily.serial", positive(cur.Hardware), positive(prev.Hardware))
	f.count(lang.T("l.second_round"), "device_daily (device_id, os_install_time, department)", cur.InSecondRound, prev.InSecondRound)
	f.share(lang.T("p1.second_round_pct"), "device_daily", cur.InSecondRoundPct, prev.InSecondRoundPct)
	f.count(lang.T("l.third_round"), "device_daily (device_id, os_install_time, department)", cur.InThirdRoundOrLater, prev.InThirdRoundOrLater)
	f.share(lang.T("p1.third_round_pct"), "device_daily", cur.InThirdRoundOrLaterPct, prev.InThirdRoundOrLaterPct)
	if cur.InventoryItems > 0 || prev.InventoryItems > 0 {
		f.count(lang.T("p1.sold"), "inventory.status = sold_for_reuse", cur.RetiredSoldForReuse, prev.RetiredSoldForReuse)
		f.count(lang.T("p1.recycled"), "inventory.status = recycled", cur.RetiredRecycled, prev.RetiredRecycled)
		f.years(lang.T("l.median_life"), "inventory.purchase_date, inventory.status_date", cur.MedianServiceLifeYears, prev.MedianServiceLifeYears)
	} else {
		s.Notes = append(s.Notes, lang.T("l.no_inventory"))
	}
	s.Figures = f.list
	s.Notes = append(s.Notes, lang.T("p1.note"))
	return s, nil
}

func (p *Policy) procurementSection(lang Lang, withCharts bool) (section, error) {
	s := section{ID: "procurement", Title: lang.T("p2.title"), Policy: lang.T("p2.policy")}
	if len(p.Procurement.Years) == 0 {
		s.NoData = lang.T("p2.nodata")
		return s, nil
	}
	var cur, prev struct{ es, tco, epeat *float64 }
	t := table{Caption: lang.T("h.certifications"), Head: []string{lang.T("year"), lang.T("l.purchases"), "Energy Star", "TCO Certified", "EPEAT"},
		Num: []bool{false, true, true, true, true}, Source: "inventory.purchase_date, inventory.energy_star, inventory.tco_certified, inventory.epeat"}
	for _, c := range p.Procurement.Years {
		t.Rows = append(t.Rows, []string{fmt.Sprint(c.Year), lang.Int(int64(c.Purchases)), lang.Pct(c.EnergyStarPct, false), lang.Pct(c.TCOPct, false), lang.Pct(c.EPEATPct, false)})
		switch c.Year {
		case p.Year:
			cur.es, cur.tco, cur.epeat = c.EnergyStarPct, c.TCOPct, c.EPEATPct
		case p.Previous:
			prev.es, prev.tco, prev.epeat = c.EnergyStarPct, c.TCOPct, c.EPEATPct
		}
	}
	f := figures{lang: lang}
	f.share(fmt.Sprintf(lang.T("p2.share"), "Energy Star"), "inventory.energy_star", cur.es, prev.es)
	f.share(fmt.Sprintf(lang.T("p2.share"), "TCO Certified"), "inventory.tco_certified", cur.tco, prev.tco)
	f.share(fmt.Sprintf(lang.T("p2.share"), "EPEAT"), "inventory.epeat", cur.epeat, prev.epeat)
	s.Figures, s.Tables = f.list, []table{t}
	if len(f.list) == 0 {
		s.Notes = append(s.Notes, fmt.Sprintf(lang.T("p2.no_purchases"), p.Year, p.Previous))
	}
	s.Notes = append(s.Notes, lang.T("p2.note"))
	if withCharts {
		c, err := certificationsChart(p.Procurement.Years, lang)
		if err != nil {
			return s, err
		}
		s.Charts = append(s.Charts, c)
	}
	return s, nil
}

func (p *Policy) socialSection(lang Lang, _ bool) (section, error) {
	return section{ID: "social", Title: lang.T("p3.title"), Policy: lang.T("p3.policy"), NoData: lang.T("p3.nodata")}, nil
}

func (p *Policy) longevityYear(y int) LongevityYear {
	for _, r := range p.Longevity.Years {
		if r.Year == y {
			return r
		}
	}
	return LongevityYear{Year: y}
}

func (p *Policy) longevitySection(lang Lang, withCharts bool) (section, error) {
	s := section{ID: "longevity", Title: lang.T("p4.title"), Policy: lang.T("p4.policy")}
	cur, prev := p.longevityYear(p.Year), p.longevityYear(p.Previous)
	has := false
	for _, r := range p.Longevity.Years {
		has = has || r.Retired != nil && *r.Retired > 0 || r.HardwareWithBattery > 0
	}
	if !has {
		s.NoData = lang.T("p4.nodata")
		return s, nil
	}
	f := figures{lang: lang}
	f.years(lang.T("l.median_life"), "inventory.purchase_date, inventory.status_date", cur.MedianServiceLifeYears, prev.MedianServiceLifeYears)
	f.count(lang.T("p4.with_battery"), "battery_daily.health_pct", positive(cur.HardwareWithBattery), positive(prev.HardwareWithBattery))
	f.count(lang.T("f.below80"), "battery_daily.health_pct", cur.BatteriesBelow80, prev.BatteriesBelow80)
	f.count(fmt.Sprintf(lang.T("l.candidates"), lang.Number(cur.PlannedLifeYears, 0)), "battery_daily.health_pct, inventory.purchase_date", cur.ReuseCandidates, prev.ReuseCandidates)
	s.Figures = f.list
	if len(cur.ServiceLifeByClass) > 0 {
		t := table{Caption: fmt.Sprintf(lang.T("p4.by_class"), p.Year), Head: []string{lang.T("l.class"), lang.T("l.retired"), lang.T("l.median_life")},
			Num: []bool{false, true, true}, Source: "inventory.class, inventory.purchase_date, inventory.status_date"}
		for _, g := range cur.ServiceLifeByClass {
			t.Rows = append(t.Rows, []string{g.Name, lang.Int(int64(g.Retired)), numOrDash(lang, g.MedianYears)})
		}
		s.Tables = append(s.Tables, t)
	} else {
		s.Notes = append(s.Notes, fmt.Sprintf(lang.T("p4.no_retired"), p.Year))
	}
	if cur.HardwareWithBattery > 0 {
		t := table{Caption: fmt.Sprintf(lang.T("p4.by_age"), p.Year), Head: []string{lang.T("p4.age"), lang.T("l.hardware"), lang.T("f.median_health"), lang.T("f.below80")},
			Num: []bool{false, true, true, true}, Source: "battery_daily.health_pct; inventory.purchase_date (else device_daily first report)"}
		vals := series(1, len(cur.BatteryHealthByAge))
		var labels []string
		for i, b := range cur.BatteryHealthByAge {
			t.Rows = append(t.Rows, []string{b.Label, lang.Int(int64(b.Hardware)), lang.Pct(b.MedianHealthPct, false), lang.Int(int64(b.Below80))})
			labels = append(labels, b.Label)
			if b.MedianHealthPct != nil {
				vals[0][i] = *b.MedianHealthPct
			}
		}
		s.Tables = append(s.Tables, t)
		if withCharts {
			c, err := drawChart(chartSpec{kind: barChart, id: "battery-health-by-age", title: fmt.Sprintf(lang.T("c.health_by_age"), p.Year), labels: labels,
				names: []string{lang.T("f.median_health")}, values: vals, axis: axisPercent}, lang)
			if err != nil {
				return s, err
			}
			s.Charts = append(s.Charts, c)
		}
	}
	return s, nil
}

// src names the fields of a measurement a figure comes from:
// "printing.sheets_not_printed, printing.sheets_printed".
func src(measurement string, fields ...string) string {
	out := ""
	for i, f := range fields {
		if i > 0 {
			out += ", "
		}
		out += measurement + "." + f
	}
	return out
}

func numOrDash(l Lang, p *float64) string {
	if p == nil {
		return "–"
	}
	return l.Number(*p, 1)
}

func (p *Policy) meetingsSection(lang Lang, withCharts bool) (section, error) {
	s := section{ID: "meetings", Title: lang.T("p5.title"), Policy: lang.T("p5.policy")}
	m := p.Meetings
	if len(m.ByYear) == 0 {
		s.NoData = lang.T("no_meetings")
		return s, nil
	}
	f := figures{lang: lang}
	byKey := map[string]*int64{}
	for _, r := range m.ByYear {
		v := r.Meetings
		byKey[fmt.Sprint(r.Platform, r.Year)] = &v
	}
	for _, pl := range platformsOf(m.ByYear) {
		f.count(fmt.Sprintf(lang.T("p5.platform"), platformName(pl)), "meetings.meetings (platform="+pl+")", byKey[fmt.Sprint(pl, p.Year)], byKey[fmt.Sprint(pl, p.Previous)])
	}
	var tc, tp *int64
	for _, t := range m.Totals {
		v := t.Meetings
		switch t.Year {
		case p.Year:
			tc = &v
		case p.Previous:
			tp = &v
		}
	}
	f.count(lang.T("p5.all"), "meetings.meetings", tc, tp)
	s.Figures = f.list
	t := table{Caption: lang.T("h.meetings_year"), Head: []string{lang.T("platform"), lang.T("year"), lang.T("meetings"), lang.T("growth")},
		Num: []bool{false, false, true, true}, Source: "meetings.meetings"}
	for _, r := range m.ByYear {
		t.Rows = append(t.Rows, []string{platformName(r.Platform), fmt.Sprint(r.Year), lang.Int(r.Meetings), lang.Pct(r.GrowthPct, true)})
	}
	s.Tables = []table{t}
	for _, r := range m.ByYear {
		if r.GrowthPct != nil && *r.GrowthPct >= 100 {
			s.Notes = append(s.Notes, fmt.Sprintf(lang.T("highlight"), platformName(r.Platform), lang.Pct(r.GrowthPct, false), r.Year, r.Year-1))
		}
	}
	if withCharts {
		c, err := drawChart(meetingsByYearSpec(m.report, lang), lang)
		if err != nil {
			return s, err
		}
		s.Charts = append(s.Charts, c)
	}
	return s, nil
}

func (p *Policy) printingSection(lang Lang, withCharts bool) (section, error) {
	s := section{ID: "printing", Title: lang.T("p6.title"), Policy: lang.T("p6.policy")}
	pr := p.Printing
	if !pr.HasData() {
		s.NoData = lang.T("p6.nodata")
		return s, nil
	}
	cur, prev := pr.Year(p.Year), pr.Year(p.Previous)
	f := figures{lang: lang}
	f.count(lang.T("p6.not_printed"), src(paper.MeasurementPrinting, paper.FieldSheetsNotPrint), cur.SheetsNotPrinted, prev.SheetsNotPrinted)
	f.count(lang.T("p6.printed"), src(paper.MeasurementPrinting, paper.FieldSheetsPrinted), cur.SheetsPrinted, prev.SheetsPrinted)
	f.share(lang.T("p6.share"), src(paper.MeasurementPrinting, paper.FieldSheetsNotPrint, paper.FieldSheetsPrinted), cur.ShareNotPrintedPct, prev.ShareNotPrintedPct)
	f.count(lang.T("p6.jobs_not_released"), src(paper.MeasurementPrinting, paper.FieldJobsNotReleased), cur.JobsNotReleased, prev.JobsNotReleased)
	f.count(lang.T("p6.jobs_submitted"), src(paper.MeasurementPrinting, paper.FieldJobsSubmitted), cur.JobsSubmitted, prev.JobsSubmitted)
	f.count(lang.T("p6.pages_logged"), src(paper.MeasurementPrinting, paper.FieldPagesLogged)+" ("+paper.TagSource+"="+string(paper.FormatPaperCut)+")", cur.PagesLogged, prev.PagesLogged)
	f.count(lang.T("p6.jobs_logged"), src(paper.MeasurementPrinting, paper.FieldJobsLogged)+" ("+paper.TagSource+"="+string(paper.FormatPaperCut)+")", cur.JobsLogged, prev.JobsLogged)
	f.count(lang.T("p6.days"), paper.MeasurementPrinting, intp(cur.Days), intp(prev.Days))
	f.count(lang.T("p6.sites"), paper.MeasurementPrinting+" ("+paper.TagSite+")", intp(cur.Sites), intp(prev.Sites))
	s.Figures = f.list
	if cur.Days == 0 {
		s.Notes = append(s.Notes, fmt.Sprintf(lang.T("p6.no_year"), p.Year))
	} else if cur.Days < prev.Days {
		s.Notes = append(s.Notes, fmt.Sprintf(lang.T("p.partial_days"), p.Year, cur.Days, prev.Days, p.Previous))
	}
	t := table{Caption: lang.T("p6.by_year"), Head: []string{lang.T("year"), lang.T("p6.days"), lang.T("p6.sites"), lang.T("p6.printed"), lang.T("p6.not_printed"), lang.T("p6.trend"), lang.T("p6.share")},
		Num: []bool{false, true, true, true, true, true, true}, Source: src(paper.MeasurementPrinting, paper.FieldSheetsPrinted, paper.FieldSheetsNotPrint)}
	for _, y := range pr.Years {
		if y.Days == 0 {
			t.Rows = append(t.Rows, []string{fmt.Sprint(y.Year), "0", "–", lang.T("p.nodata_short"), lang.T("p.nodata_short"), "–", "–"})
			continue
		}
		t.Rows = append(t.Rows, []string{fmt.Sprint(y.Year), lang.Int(int64(y.Days)), lang.Int(int64(y.Sites)), lang.opt(y.SheetsPrinted), lang.opt(y.SheetsNotPrinted),
			lang.Pct(y.SheetsNotPrintedChangePct, true), lang.Pct(y.ShareNotPrintedPct, false)})
	}
	s.Tables = append(s.Tables, t)
	var sites []paper.PrintingSite
	for _, st := range pr.Sites {
		if st.Year == p.Year && st.SheetsNotPrinted != nil {
			sites = append(sites, st)
		}
	}
	if len(sites) > 0 {
		sort.SliceStable(sites, func(i, j int) bool { return *sites[i].SheetsNotPrinted > *sites[j].SheetsNotPrinted })
		t := table{Caption: fmt.Sprintf(lang.T("p6.top_sites"), min(len(sites), 10), p.Year), Head: []string{lang.T("p6.site"), lang.T("p6.printed"), lang.T("p6.not_printed")},
			Num: []bool{false, true, true}, Source: src(paper.MeasurementPrinting, paper.FieldSheetsNotPrint) + " (" + paper.TagSite + ")"}
		for _, st := range sites[:min(len(sites), 10)] {
			t.Rows = append(t.Rows, []string{st.Site, lang.opt(st.SheetsPrinted), lang.opt(st.SheetsNotPrinted)})
		}
		s.Tables = append(s.Tables, t)
	}
	if cur.JobsLogged != nil || prev.JobsLogged != nil {
		s.Notes = append(s.Notes, lang.T("p6.papercut_note"))
	}
	s.Notes = append(s.Notes, lang.T("p6.note"))
	if withCharts && (cur.SheetsNotPrinted != nil || prev.SheetsNotPrinted != nil || anyNotPrinted(pr)) {
		years := yearLabels(p.From, p.To)
		vals := series(1, len(years))
		for _, y := range pr.Years {
			if y.SheetsNotPrinted != nil {
				vals[0][y.Year-p.From] = float64(*y.SheetsNotPrinted)
			}
		}
		c, err := drawChart(chartSpec{kind: barChart, id: "printing-not-printed-by-year", title: lang.T("c.not_printed_year"), labels: years,
			names: []string{lang.T("p6.not_printed")}, values: vals}, lang)
		if err != nil {
			return s, err
		}
		s.Charts = append(s.Charts, c)
		mvals := series(1, (p.To-p.From+1)*12)
		for _, m := range pr.Months {
			if m.SheetsNotPrinted != nil {
				mvals[0][(m.Year-p.From)*12+m.Month-1] = float64(*m.SheetsNotPrinted)
			}
		}
		if c, err = drawChart(chartSpec{kind: lineChart, id: "printing-not-printed-by-month", title: lang.T("c.not_printed_month"), labels: monthLabels(p.From, p.To, lang),
			names: []string{lang.T("p6.not_printed")}, values: mvals}, lang); err != nil {
			return s, err
		}
		s.Charts = append(s.Charts, c)
	}
	return s, nil
}

func anyNotPrinted(pr *paper.Printing) bool {
	for _, y := range pr.Years {
		if y.SheetsNotPrinted != nil {
			return true
		}
	}
	return false
}

func (p *Policy) mailSection(lang Lang, withCharts bool) (section, error) {
	s := section{ID: "mail", Title: lang.T("p7.title"), Policy: lang.T("p7.policy")}
	m := p.Mail
	if !m.HasData() {
		s.NoData = lang.T("p7.nodata")
		return s, nil
	}
	cur, prev := m.Year(p.Year), m.Year(p.Previous)
	f := figures{lang: lang}
	f.share(lang.T("p7.share"), src(paper.MeasurementMail, paper.FieldLettersDigital, paper.FieldLettersPaper), cur.ShareDigitalPct, prev.ShareDigitalPct)
	f.count(lang.T("p7.connected"), src(paper.MeasurementMail, paper.FieldLettersDigital)+" ("+paper.TagSystem+")", intp(cur.SystemsConnected), intp(prev.SystemsConnected))
	f.count(lang.T("p7.digital"), src(paper.MeasurementMail, paper.FieldLettersDigital), cur.LettersDigital, prev.LettersDigital)
	f.count(lang.T("p7.paper"), src(paper.MeasurementMail, paper.FieldLettersPaper), cur.LettersPaper, prev.LettersPaper)
	f.count(lang.T("p7.months"), paper.MeasurementMail, positive(cur.Months), positive(prev.Months))
	s.Figures = f.list
	if cur.Months == 0 {
		s.Notes = append(s.Notes, fmt.Sprintf(lang.T("p7.no_year"), p.Year))
	} else if cur.Months < prev.Months {
		s.Notes = append(s.Notes, fmt.Sprintf(lang.T("p.partial_months"), p.Year, cur.Months, prev.Months, p.Previous))
	}
	t := table{Caption: lang.T("p7.by_system"), Head: []string{lang.T("p7.system"), lang.T("year"), lang.T("p7.months"), lang.T("p7.digital"), lang.T("p7.paper"), lang.T("p7.share")},
		Num: []bool{false, false, true, true, true, true}, Source: src(paper.MeasurementMail, paper.FieldLettersDigital, paper.FieldLettersPaper) + " (" + paper.TagSystem + ")"}
	systems := map[string]bool{}
	for _, r := range m.Systems {
		systems[r.System] = true
		t.Rows = append(t.Rows, []string{r.System, fmt.Sprint(r.Year), lang.Int(int64(r.Months)), lang.Int(r.LettersDigital), lang.Int(r.LettersPaper), lang.Pct(r.ShareDigitalPct, false)})
	}
	s.Tables = []table{t}
	s.Notes = append(s.Notes, lang.T("p7.note"))
	if withCharts {
		names := make([]string, 0, len(systems))
		for n := range systems {
			names = append(names, n)
		}
		sort.Strings(names)
		idx := indexOf(names)
		years := yearLabels(p.From, p.To)
		vals := series(len(names), len(years))
		for _, r := range m.Systems {
			if r.ShareDigitalPct != nil {
				vals[idx[r.System]][r.Year-p.From] = *r.ShareDigitalPct
			}
		}
		c, err := drawChart(chartSpec{kind: barChart, id: "mail-share-by-system", title: lang.T("c.mail_share"), labels: years, names: names, values: vals, axis: axisPercent}, lang)
		if err != nil {
			return s, err
		}
		s.Charts = append(s.Charts, c)
	}
	return s, nil
}

// policyView is what the policy templates see.
type policyView struct {
	Lang      Lang
	Title     string
	Generated string
	Year      int
	Previous  int
	Sections  []section
}

func newPolicyView(p *Policy, lang Lang, withCharts bool) (*policyView, error) {
	secs, err := p.policySections(lang, withCharts)
	if err != nil {
		return nil, err
	}
	return &policyView{Lang: lang, Title: fmt.Sprintf(lang.T("p.title"), p.From, p.To), Generated: p.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC"),
		Year: p.Year, Previous: p.Previous, Sections: secs}, nil
}

func policyFuncs(l Lang) template.FuncMap {
	return template.FuncMap{
		"t":     l.T,
		"tf":    func(key string, args ...any) string { return fmt.Sprintf(l.T(key), args...) },
		"md":    safetext.Markdown,
		"right": right,
	}
}

// WritePolicyHTML writes the results document as one self-contained HTML
// page (inline CSS and SVG, no scripts, nothing from the network).
func WritePolicyHTML(w io.Writer, p *Policy, lang Lang) error {
	v, err := newPolicyView(p, lang, true)
	if err != nil {
		return err
	}
	t, err := template.New("policy").Funcs(policyFuncs(lang)).Parse(policyHTMLTemplate + sharedHTML)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	if err := t.Execute(w, v); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WritePolicyMarkdown writes the results document as Markdown (tables, no charts).
func WritePolicyMarkdown(w io.Writer, p *Policy, lang Lang) error {
	v, err := newPolicyView(p, lang, false)
	if err != nil {
		return err
	}
	t, err := texttemplate.New("policy-md").Funcs(texttemplate.FuncMap(policyFuncs(lang))).Parse(policyMarkdownTemplate + sharedMarkdown)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	if err := t.Execute(w, v); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

const policyHTMLTemplate = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>` + reportCSS + `
.policy{font-style:italic;color:#3d4f5a}
nav ol{columns:2;column-gap:3rem}nav li{break-inside:avoid}
.part{margin-top:1.5rem}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">{{t "generated"}} {{.Generated}}</p>
<p>{{t "p.intro"}}</p>
<nav><ol>{{range .Sections}}<li><a href="#{{.ID}}">{{.Title}}</a></li>{{end}}</ol></nav>
{{range .Sections}}
<section id="{{.ID}}" data-section="{{.ID}}">
<h2>{{.N}}. {{.Title}}</h2>
<p class="policy">{{.Policy}}</p>
{{template "body" .}}</section>
{{end}}
</body>
</html>
{{define "body"}}{{if .NoData}}<p class="nodata" data-nodata="{{.ID}}">{{.NoData}}</p>
{{else}}{{if .Figures}}<table class="figures">
<thead><tr><th>{{t "p.figure"}}</th><th class="n">{{.Year}}</th><th class="n">{{.Previous}}</th><th class="n">{{t "p.change"}}</th><th>{{t "p.source"}}</th></tr></thead>
<tbody>
{{range .Figures}}<tr><td>{{.Label}}</td><td class="n">{{.Value}}</td><td class="n">{{.Previous}}</td><td class="n">{{.Change}}</td><td><code>{{.Source}}</code></td></tr>
{{end}}</tbody>
</table>
{{end}}{{range .Tables}}{{template "table" .}}{{end}}{{range .Charts}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>
{{end}}{{end}}{{range .Notes}}<p class="note">{{.}}</p>
{{end}}{{range .Parts}}<div class="part" id="{{.ID}}" data-part="{{.ID}}">
<h3>{{.Title}}</h3>
{{template "body" .}}</div>
{{end}}{{with .Estimate}}{{template "estimate" .}}{{end}}{{end}}
`

const policyMarkdownTemplate = `# {{.Title}}

{{t "generated"}} {{.Generated}}

{{t "p.intro"}}
{{range .Sections}}
## {{.N}}. {{md .Title}}

*{{md .Policy}}*
{{template "body" .}}{{end}}
{{- define "body"}}{{if .NoData}}
> {{md .NoData}}
{{else}}{{if .Figures}}
| {{t "p.figure"}} | {{.Year}} | {{.Previous}} | {{t "p.change"}} | {{t "p.source"}} |
|---|--:|--:|--:|---|
{{range .Figures}}| {{md .Label}} | {{.Value}} | {{.Previous}} | {{.Change}} | ` + "`{{.Source}}`" + ` |
{{end}}{{end}}{{range .Tables}}{{template "table" .}}{{end}}{{end}}{{range .Notes}}
{{md .}}
{{end}}{{range .Parts}}
### {{md .Title}}
{{template "body" .}}{{end}}{{with .Estimate}}{{template "estimate" .}}{{end}}{{end}}`
