package paper

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

// Querier runs InfluxQL; *influx.Client is one.
type Querier interface {
	Query(ctx context.Context, influxql string) ([]influx.Series, error)
}

// Writer writes points; *influx.Client is one.
type Writer interface {
	Write(ctx context.Context, points []influx.Point) error
}

// printingSums are the printing fields summed by the figures and rollups.
var printingSums = []string{FieldJobsSubmitted, FieldJobsReleased, FieldJobsNotReleased, FieldSheetsPrinted, FieldSheetsNotPrint,
	FieldSheetsColour, FieldSheetsDuplex, FieldJobsLogged, FieldPagesLogged, FieldPagesColourLogged}

// sumSelect is `sum("f") AS "f", …` (and `count("f") AS "n_f", …` with counts).
func sumSelect(fields []string, counts bool) string {
	parts := make([]string, 0, 2*len(fields))
	for _, f := range fields {
		parts = append(parts, fmt.Sprintf("sum(%q) AS %q", f, f))
		if counts {
			parts = append(parts, fmt.Sprintf("count(%q) AS %q", f, "n_"+f))
		}
	}
	return strings.Join(parts, ", ")
}

// Counts are summed figures by field name; a field no point had is absent.
type Counts map[string]int64

func (c Counts) add(r influx.Row, fields []string) bool {
	found := false
	for _, f := range fields {
		if p := r.IntPtr(f); p != nil {
			c[f] += *p
			found = true
		}
	}
	return found
}

func (c Counts) ptr(f string) *int64 {
	if v, ok := c[f]; ok {
		return &v
	}
	return nil
}

// PrintingYear is one calendar year of the printing measurement, all
// sites and sources together. A figure no point had is null, never 0.
type PrintingYear struct {
	Year  int `json:"year"`
	Days  int `json:"days"`  // days with any printing point
	Sites int `json:"sites"` // sites with any printing point
	// From print-daily (any print-management system with a hold/release queue):
	SheetsPrinted    *int64 `json:"sheets_printed"`
	SheetsNotPrinted *int64 `json:"sheets_not_printed"` // jobs sent but never released: paper saved
	// SheetsNotPrintedChangePct is against the year before (null for the
	// first year of the report or a zero base).
	SheetsNotPrintedChangePct *float64 `json:"sheets_not_printed_change_pct"`
	// ShareNotPrintedPct is sheets_not_printed / (sheets_printed +
	// sheets_not_printed), over the sites that report both.
	ShareNotPrintedPct *float64 `json:"share_not_printed_pct"`
	JobsSubmitted      *int64   `json:"jobs_submitted"`
	JobsReleased       *int64   `json:"jobs_released"`
	JobsNotReleased    *int64   `json:"jobs_not_released"`
	SheetsColour       *int64   `json:"sheets_colour"`
	SheetsDuplex       *int64   `json:"sheets_duplex"`
	// From PaperCut's print log: what the log lists (see docs/paper.md).
	JobsLogged        *int64 `json:"jobs_logged"`
	PagesLogged       *int64 `json:"pages_logged"`
	PagesColourLogged *int64 `json:"pages_colour_logged"`
}

// PrintingMonth is one calendar month, all sites together.
type PrintingMonth struct {
	Year             int    `json:"year"`
	Month            int    `json:"month"`
	Days             int    `json:"days"`
	SheetsPrinted    *int64 `json:"sheets_printed"`
	SheetsNotPrinted *int64 `json:"sheets_not_printed"`
	PagesLogged      *int64 `json:"pages_logged"`
}

// PrintingSite is one site's year.
type PrintingSite struct {
	Site             string `json:"site"`
	Year             int    `json:"year"`
	SheetsPrinted    *int64 `json:"sheets_printed"`
	SheetsNotPrinted *int64 `json:"sheets_not_printed"`
	JobsNotReleased  *int64 `json:"jobs_not_released"`
	PagesLogged      *int64 `json:"pages_logged"`
}

// Printing is the printing section of the policy report: one entry per
// year from..to in Years (Days 0 and every figure null for a year without
// data), the months with data, and every site's years.
type Printing struct {
	Measurement string          `json:"measurement"`
	Years       []PrintingYear  `json:"years"`
	Months      []PrintingMonth `json:"months"`
	Sites       []PrintingSite  `json:"by_site"`
}

// HasData reports whether any year has printing data.
func (p *Printing) HasData() bool {
	for _, y := range p.Years {
		if y.Days > 0 {
			return true
		}
	}
	return false
}

// Year is the figures of one year (a zero entry with Days 0 when none).
func (p *Printing) Year(y int) PrintingYear {
	for _, r := range p.Years {
		if r.Year == y {
			return r
		}
	}
	return PrintingYear{Year: y}
}

func yearStart(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }

// BuildPrinting reads the printing figures of the calendar years from..to.
func BuildPrinting(ctx context.Context, q Querier, from, to int) (*Printing, error) {
	p := &Printing{Measurement: MeasurementPrinting, Years: []PrintingYear{}, Months: []PrintingMonth{}, Sites: []PrintingSite{}}
	// Day totals over all sites: days with data, months and years.
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT %s FROM %q WHERE time >= %s AND time < %s GROUP BY time(1d) fill(none)`,
		sumSelect(printingSums, false), MeasurementPrinting, influx.TimeLiteral(yearStart(from)), influx.TimeLiteral(yearStart(to+1))))
	if err != nil {
		return nil, fmt.Errorf("printing: %w", err)
	}
	type period struct {
		days int
		c    Counts
	}
	years, months := map[int]*period{}, map[[2]int]*period{}
	get := func(m map[[2]int]*period, k [2]int) *period {
		if m[k] == nil {
			m[k] = &period{c: Counts{}}
		}
		return m[k]
	}
	for _, s := range series {
		for _, r := range s.Rows() {
			t, err := r.Time()
			if err != nil {
				return nil, fmt.Errorf("printing: %w", err)
			}
			day := Counts{}
			if !day.add(r, printingSums) {
				continue
			}
			if years[t.Year()] == nil {
				years[t.Year()] = &period{c: Counts{}}
			}
			for _, pp := range []*period{years[t.Year()], get(months, [2]int{t.Year(), int(t.Month())})} {
				pp.days++
				for f, v := range day {
					pp.c[f] += v
				}
			}
		}
	}
	var prev *int64
	for y := from; y <= to; y++ {
		row := PrintingYear{Year: y}
		if pp := years[y]; pp != nil {
			c := pp.c
			row.Days = pp.days
			row.SheetsPrinted, row.SheetsNotPrinted = c.ptr(FieldSheetsPrinted), c.ptr(FieldSheetsNotPrint)
			row.JobsSubmitted, row.JobsReleased, row.JobsNotReleased = c.ptr(FieldJobsSubmitted), c.ptr(FieldJobsReleased), c.ptr(FieldJobsNotReleased)
			row.SheetsColour, row.SheetsDuplex = c.ptr(FieldSheetsColour), c.ptr(FieldSheetsDuplex)
			row.JobsLogged, row.PagesLogged, row.PagesColourLogged = c.ptr(FieldJobsLogged), c.ptr(FieldPagesLogged), c.ptr(FieldPagesColourLogged)
		}
		if row.SheetsNotPrinted != nil && prev != nil {
			row.SheetsNotPrintedChangePct = meetings.Growth(*row.SheetsNotPrinted, *prev, true)
		}
		prev = row.SheetsNotPrinted
		if err := p.sites(ctx, q, &row); err != nil {
			return nil, err
		}
		p.Years = append(p.Years, row)
	}
	for k, pp := range months {
		p.Months = append(p.Months, PrintingMonth{Year: k[0], Month: k[1], Days: pp.days,
			SheetsPrinted: pp.c.ptr(FieldSheetsPrinted), SheetsNotPrinted: pp.c.ptr(FieldSheetsNotPrint), PagesLogged: pp.c.ptr(FieldPagesLogged)})
	}
	sort.Slice(p.Months, func(i, j int) bool {
		return p.Months[i].Year*100+p.Months[i].Month < p.Months[j].Year*100+p.Months[j].Month
	})
	return p, nil
}

// sites adds the year's sites and the share not printed.
func (p *Printing) sites(ctx context.Context, q Querier, row *PrintingYear) error {
	if row.Days == 0 {
		return nil
	}
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT %s FROM %q WHERE time >= %s AND time < %s GROUP BY %q`,
		sumSelect(printingSums, false), MeasurementPrinting, influx.TimeLiteral(yearStart(row.Year)), influx.TimeLiteral(yearStart(row.Year+1)), TagSite))
	if err != nil {
		return fmt.Errorf("printing sites %d: %w", row.Year, err)
	}
	var printed, notPrinted int64
	both := false
	for _, s := range series {
		for _, r := range s.Rows() {
			c := Counts{}
			if !c.add(r, printingSums) {
				continue
			}
			row.Sites++
			p.Sites = append(p.Sites, PrintingSite{Site: s.Tags[TagSite], Year: row.Year, SheetsPrinted: c.ptr(FieldSheetsPrinted),
				SheetsNotPrinted: c.ptr(FieldSheetsNotPrint), JobsNotReleased: c.ptr(FieldJobsNotReleased), PagesLogged: c.ptr(FieldPagesLogged)})
			pr, ok1 := c[FieldSheetsPrinted]
			np, ok2 := c[FieldSheetsNotPrint]
			if ok1 && ok2 {
				printed += pr
				notPrinted += np
				both = true
			}
		}
	}
	if both && printed+notPrinted > 0 {
		row.ShareNotPrintedPct = pct(notPrinted, printed+notPrinted)
	}
	sort.SliceStable(p.Sites, func(i, j int) bool {
		if p.Sites[i].Year != p.Sites[j].Year {
			return p.Sites[i].Year < p.Sites[j].Year
		}
		return p.Sites[i].Site < p.Sites[j].Site
	})
	return nil
}

func pct(n, of int64) *float64 {
	if of == 0 {
		return nil
	}
	v := math.Round(float64(n)/float64(of)*1000) / 10
	return &v
}

// MailYear is one calendar year of the mail measurement, all systems.
type MailYear struct {
	Year int `json:"year"`
	// Systems reported letters in the year; SystemsConnected sent at least
	// one letter digitally.
	Systems          int    `json:"systems"`
	SystemsConnected int    `json:"systems_connected"`
	LettersDigital   *int64 `json:"letters_digital"`
	LettersPaper     *int64 `json:"letters_paper"`
	// ShareDigitalPct is letters_digital / (letters_digital + letters_paper).
	ShareDigitalPct *float64 `json:"share_digital_pct"`
	// ShareDigitalChangePts is the change against the year before, in
	// percentage points.
	ShareDigitalChangePts *float64 `json:"share_digital_change_pts"`
	Months                int      `json:"months"` // calendar months with data
}

// MailSystem is one system's year.
type MailSystem struct {
	System          string   `json:"system"`
	Year            int      `json:"year"`
	LettersDigital  int64    `json:"letters_digital"`
	LettersPaper    int64    `json:"letters_paper"`
	ShareDigitalPct *float64 `json:"share_digital_pct"`
	Months          int      `json:"months"`
}

// Mail is the digital-mail section of the policy report: one entry per
// year from..to (Months 0 and figures null for a year without data) and
// every system's years.
type Mail struct {
	Measurement string       `json:"measurement"`
	Years       []MailYear   `json:"years"`
	Systems     []MailSystem `json:"by_system"`
}

// HasData reports whether any year has mail data.
func (m *Mail) HasData() bool {
	for _, y := range m.Years {
		if y.Months > 0 {
			return true
		}
	}
	return false
}

// Year is the figures of one year (a zero entry when none).
func (m *Mail) Year(y int) MailYear {
	for _, r := range m.Years {
		if r.Year == y {
			return r
		}
	}
	return MailYear{Year: y}
}

// monthLetters is one system's letters in one calendar month.
type monthLetters struct {
	digital, paper int64
	days           int  // day points summed (0 when a month point stands for the month)
	whole          bool // a month point
}

// mailMonths reads the mail points in [start, end) and resolves each
// system's months: a month point stands for the whole month, and day
// points of a month that has one are not added to it.
func mailMonths(ctx context.Context, q Querier, start, end time.Time) (map[string]map[time.Time]*monthLetters, error) {
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT %q, %q FROM %q WHERE time >= %s AND time < %s GROUP BY %q, %q`,
		FieldLettersDigital, FieldLettersPaper, MeasurementMail, influx.TimeLiteral(start), influx.TimeLiteral(end), TagSystem, TagPeriod))
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	out := map[string]map[time.Time]*monthLetters{}
	for _, s := range series {
		sys, whole := s.Tags[TagSystem], s.Tags[TagPeriod] == PeriodMonth
		for _, r := range s.Rows() {
			t, err := r.Time()
			if err != nil {
				return nil, fmt.Errorf("mail: %w", err)
			}
			d, p := r.IntPtr(FieldLettersDigital), r.IntPtr(FieldLettersPaper)
			if d == nil && p == nil {
				continue
			}
			m := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
			if out[sys] == nil {
				out[sys] = map[time.Time]*monthLetters{}
			}
			ml := out[sys][m]
			if ml == nil {
				ml = &monthLetters{}
				out[sys][m] = ml
			}
			switch {
			case whole:
				*ml = monthLetters{whole: true}
			case ml.whole:
				continue
			default:
				ml.days++
			}
			if d != nil {
				ml.digital += *d
			}
			if p != nil {
				ml.paper += *p
			}
		}
	}
	return out, nil
}

// BuildMail reads the mail figures of the calendar years from..to.
func BuildMail(ctx context.Context, q Querier, from, to int) (*Mail, error) {
	months, err := mailMonths(ctx, q, yearStart(from), yearStart(to+1))
	if err != nil {
		return nil, err
	}
	out := &Mail{Measurement: MeasurementMail, Years: []MailYear{}, Systems: []MailSystem{}}
	type key struct {
		sys  string
		year int
	}
	bySys := map[key]*MailSystem{}
	for sys, ms := range months {
		for m, ml := range ms {
			k := key{sys, m.Year()}
			s := bySys[k]
			if s == nil {
				s = &MailSystem{System: sys, Year: m.Year()}
				bySys[k] = s
			}
			s.LettersDigital += ml.digital
			s.LettersPaper += ml.paper
			s.Months++
		}
	}
	for _, s := range bySys {
		s.ShareDigitalPct = pct(s.LettersDigital, s.LettersDigital+s.LettersPaper)
		out.Systems = append(out.Systems, *s)
	}
	sort.Slice(out.Systems, func(i, j int) bool {
		if out.Systems[i].Year != out.Systems[j].Year {
			return out.Systems[i].Year < out.Systems[j].Year
		}
		return out.Systems[i].System < out.Systems[j].System
	})
	var prevShare *float64
	for y := from; y <= to; y++ {
		row := MailYear{Year: y}
		var dig, pap int64
		monthsSeen := map[time.Month]bool{}
		for _, s := range out.Systems {
			if s.Year != y {
				continue
			}
			row.Systems++
			if s.LettersDigital > 0 {
				row.SystemsConnected++
			}
			dig += s.LettersDigital
			pap += s.LettersPaper
		}
		for _, ms := range months {
			for m := range ms {
				if m.Year() == y {
					monthsSeen[m.Month()] = true
				}
			}
		}
		row.Months = len(monthsSeen)
		if row.Systems > 0 {
			row.LettersDigital, row.LettersPaper = &dig, &pap
			row.ShareDigitalPct = pct(dig, dig+pap)
		}
		if row.ShareDigitalPct != nil && prevShare != nil {
			d := math.Round((*row.ShareDigitalPct-*prevShare)*10) / 10
			row.ShareDigitalChangePts = &d
		}
		prevShare = row.ShareDigitalPct
		out.Years = append(out.Years, row)
	}
	return out, nil
}
