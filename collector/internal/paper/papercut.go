package paper

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

// PaperCutDoc is the page this reader follows: PaperCut NG/MF manual,
// "Data access and custom reports", section "Plain text print log".
const PaperCutDoc = "https://www.papercut.com/help/manuals/ng-mf/common/customize-data-access/"

// printLogColumns names the columns of one print-log line as the page
// above documents them. The page gives Field 1 as "Date in format
// yyyy-MM-dd\th:mm:ss a/p": the date and the time are separated by a tab,
// so Field 1 fills two columns and Field N (N ≥ 2) is column N+1.
// The page's table continues after Field 9; those fields are not read
// (a line may carry any number of them).
var printLogColumns = []string{
	"date",                        // Field 1, date part: yyyy-MM-dd
	"time",                        // Field 1, time part: h:mm:ss a/p
	"server name",                 // Field 2
	"printer name",                // Field 3
	"user",                        // Field 4: never read
	"account charged",             // Field 5: never read
	"client/workstation name",     // Field 6: never read
	"document name",               // Field 7: never read
	"total number of pages",       // Field 8
	"total number of color pages", // Field 9
}

const (
	plDate, plTime, plPrinter = 0, 1, 3
	plPages, plColour         = 8, 9
)

// printLog aggregates PaperCut's plain-text print log (one line per job,
// tab-delimited, no header) into one point per site (or printer) and day:
// jobs_logged, pages_logged, pages_colour_logged. The user, account,
// workstation and document columns are never read into a value, so no
// name of a person or document reaches a record or an error message.
type printLog struct {
	source string
	now    time.Time
	sites  *SiteMap
	aggs   map[pointKey]*logAgg
	// Per-file caches: a log holds one day and a few hundred printers, so
	// most lines repeat a date and a printer already checked.
	lastDate string
	lastDay  time.Time
	siteOf   map[string]string // printer as written -> site
}

type logAgg struct {
	jobs, pages, colour int64
	line                int
}

func (d *printLog) tableOptions() meetings.TableOptions {
	return meetings.TableOptions{Header: printLogColumns, TabSeparated: true, ExtraFields: true}
}

func (d *printLog) init(*meetings.Table) error { return nil }

func (d *printLog) row(t *meetings.Table) *RowError {
	date := t.Cell(plDate)
	day := d.lastDay
	if date != d.lastDate || date == "" {
		var err error
		day, err = meetings.ParseDay(date, d.now)
		if err == nil && len(date) != len(time.DateOnly) {
			err = errors.New("is not a date (expected yyyy-MM-dd)")
		}
		if err != nil {
			return t.ErrAt(plDate, err.Error())
		}
		d.lastDate, d.lastDay = date, day
	}
	if err := checkClock(t.Cell(plTime)); err != nil {
		return t.ErrAt(plTime, err.Error())
	}
	printer := t.Cell(plPrinter)
	site, ok := d.siteOf[printer]
	if !ok {
		p, err := parseName(printer)
		if err != nil {
			return t.ErrAt(plPrinter, err.Error())
		}
		site = p
		if d.sites != nil {
			s, ok := d.sites.Site(p)
			if !ok {
				return t.ErrAt(plPrinter, "is not in the site map "+d.sites.File)
			}
			site = s
		}
		if d.siteOf == nil {
			d.siteOf = map[string]string{}
		}
		d.siteOf[strings.Clone(printer)] = site
	}
	pages, ok, err := meetings.ParseCount(t.Cell(plPages))
	if err == nil && !ok {
		err = meetings.ErrEmpty
	}
	if err != nil {
		return t.ErrAt(plPages, err.Error())
	}
	colour, ok, err := meetings.ParseCount(t.Cell(plColour))
	if err == nil && !ok {
		err = meetings.ErrEmpty
	}
	if err != nil {
		return t.ErrAt(plColour, err.Error())
	}
	if colour > pages {
		return t.ErrAt(plColour, fmt.Sprintf("is more than the total number of pages (%d)", pages))
	}
	k := pointKey{name: site, day: day.Unix()}
	a := d.aggs[k]
	if a == nil {
		a = &logAgg{line: t.Line()}
		d.aggs[k] = a
	}
	a.jobs++
	a.pages += pages
	a.colour += colour
	return nil
}

func (d *printLog) finish() []Record {
	keys := make([]pointKey, 0, len(d.aggs))
	for k := range d.aggs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].name != keys[j].name {
			return keys[i].name < keys[j].name
		}
		return keys[i].day < keys[j].day
	})
	out := make([]Record, 0, len(keys))
	for _, k := range keys {
		a := d.aggs[k]
		out = append(out, Record{
			Measurement: MeasurementPrinting,
			Tags:        map[string]string{TagSite: k.name, TagSource: d.source},
			Day:         time.Unix(k.day, 0).UTC(),
			Fields:      map[string]any{FieldJobsLogged: a.jobs, FieldPagesLogged: a.pages, FieldPagesColourLogged: a.colour},
			Line:        a.line,
		})
	}
	return out
}

// checkClock checks the time part of Field 1, "h:mm:ss a/p". Only the day
// is used; the time is checked so that a line whose columns are shifted
// is caught. The AM/PM marker is not interpreted: Java writes it in the
// server's locale (AM/PM, fm/em, …), and the page does not say which.
func checkClock(s string) error {
	clock, marker, _ := strings.Cut(s, " ")
	h, rest, ok1 := strings.Cut(clock, ":")
	m, sec, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || len(h) == 0 || len(h) > 2 || len(m) != 2 || len(sec) != 2 ||
		!digitsUpTo(h, 23) || !digitsUpTo(m, 59) || !digitsUpTo(sec, 59) ||
		len(marker) > 6 || strings.ContainsAny(marker, "0123456789:\t") {
		return errClock
	}
	return nil
}

var errClock = errors.New("is not a time (expected h:mm:ss followed by an AM/PM marker)")

// digitsUpTo reports whether s is one or two digits no greater than limit.
func digitsUpTo(s string, limit int) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= limit
}
