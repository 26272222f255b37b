// Package paper measures the two paper savings of the sustainable-IT
// policy that are not about devices: printing behind card release (sheets
// sent to a printer but never collected, so never printed) and digital
// mail (letters sent to a digital mailbox instead of on paper). It reads
// the exports of print-management systems (PaperCut NG/MF's plain-text
// print log, or one row per day and site from any other system) and of
// the mail systems, aggregates them into one point per day and site (or
// system) in the "printing" and "mail" measurements, and computes the
// yearly figures the policy report shows.
//
// Nothing per user or per document is kept: PaperCut's log names the
// person and the document of every job; those fields are never read into
// a value. See docs/paper.md.
package paper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

// Format names one import format; the values are the names
// `kretslopp-collector import --format` accepts.
type Format string

// The formats Decode reads.
const (
	// FormatPrintDaily is one row per day and site from any print-management system.
	FormatPrintDaily Format = "print-daily"
	// FormatPaperCut is PaperCut NG/MF's plain-text print log (printlog_yyyy_mm_dd.log).
	FormatPaperCut Format = "papercut-printlog"
	// FormatMailDaily is one row per day (or month) and system of digital and paper letters.
	FormatMailDaily Format = "mail-daily"
)

// Formats lists every format, in a stable order.
func Formats() []Format { return []Format{FormatPrintDaily, FormatPaperCut, FormatMailDaily} }

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q", s)
}

// RowError is a rejected row: the same type, and the same messages, as
// every other import.
type RowError = meetings.RowError

// Record is one point to write; the meetings import's type, so that
// merging and writing are shared.
type Record = meetings.Record

// Options adjusts Decode.
type Options struct {
	File      string           // names the input in messages
	Source    string           // printing: the source tag; mail: the source field (default: the format name)
	MaxErrors int              // bound on Result.Errors (default 100); every bad row is counted
	Now       func() time.Time // rejects dates in the future (default time.Now)
	// Sites maps PaperCut printer names to sites; nil: each printer is
	// its own site.
	Sites *SiteMap
}

// Result is what one file gave.
type Result struct {
	Format  Format
	File    string
	Records []Record // one per point, sorted by tags and day
	Rows    int      // data rows (log lines) read, blank ones excluded
	BadRows int
	Errors  []*RowError // the first Options.MaxErrors rejected rows, in file order
}

// Err is nil when every row was accepted.
func (r *Result) Err() error { return meetings.RowErrors(r.File, r.BadRows, r.Errors) }

type decoder interface {
	tableOptions() meetings.TableOptions
	init(t *meetings.Table) error
	row(t *meetings.Table) *RowError
	finish() []Record
}

// Decode reads one file of the given format row by row, checks every row
// and returns the points to write. A bad row does not stop the reading:
// it is counted and described (file, line, column, value, reason) and
// contributes nothing. The error return is for a file that cannot be used
// at all (unreadable, missing a required column) or a cancelled ctx.
func Decode(ctx context.Context, format Format, r io.Reader, opts Options) (*Result, error) {
	if opts.File == "" {
		opts.File = "<input>"
	}
	if opts.Source == "" {
		opts.Source = string(format)
	}
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = 100
	}
	now := time.Now().UTC()
	if opts.Now != nil {
		now = opts.Now().UTC()
	}
	var d decoder
	switch format {
	case FormatPrintDaily:
		d = &printDaily{source: opts.Source, now: now, seen: map[pointKey]int{}}
	case FormatPaperCut:
		d = &printLog{source: opts.Source, now: now, sites: opts.Sites, aggs: map[pointKey]*logAgg{}}
	case FormatMailDaily:
		d = &mailDaily{source: opts.Source, now: now, seen: map[pointKey]int{}, months: map[pointKey]int{}, dayMonths: map[pointKey]int{}}
	default:
		return nil, fmt.Errorf("unknown format %q", format)
	}
	to := d.tableOptions()
	to.File = opts.File
	t, err := meetings.NewTable(r, to)
	if err != nil {
		return nil, err
	}
	if err := d.init(t); err != nil {
		return nil, err
	}
	st, err := t.ReadRows(ctx, opts.MaxErrors, func() *RowError { return d.row(t) })
	if err != nil {
		return nil, err
	}
	res := &Result{Format: format, File: opts.File, Records: d.finish(), Rows: st.Rows, BadRows: st.BadRows, Errors: st.Errors}
	for i := range res.Records {
		res.Records[i].File = opts.File
	}
	sortRecords(res.Records)
	return res, nil
}

// pointKey identifies a point: its tag value (site or system), a second
// tag (mail: the period) and its day.
type pointKey struct {
	name, sub string
	day       int64
}

func sortRecords(recs []Record) {
	sort.Slice(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		if a.Measurement != b.Measurement {
			return a.Measurement < b.Measurement
		}
		ka, kb := a.Tags[TagSite]+a.Tags[TagSystem], b.Tags[TagSite]+b.Tags[TagSystem]
		if ka != kb {
			return ka < kb
		}
		if !a.Day.Equal(b.Day) {
			return a.Day.Before(b.Day)
		}
		return a.Tags[TagPeriod] < b.Tags[TagPeriod]
	})
}

// maxName bounds a site, printer or system name.
const maxName = 100

// parseName checks a site, printer or system name and tidies its spaces:
// it becomes a tag value, so it must be valid UTF-8 without control
// characters. Case is kept, as people wrote it.
func parseName(s string) (string, error) {
	if s == "" {
		return "", meetings.ErrEmpty
	}
	if !utf8.ValidString(s) {
		return "", errors.New("is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' {
			return "", errors.New("has a control character")
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxName {
		return "", fmt.Errorf("is longer than %d characters", maxName)
	}
	return s, nil
}

// boundCol is a count column found in the header.
type boundCol struct {
	idx   int
	field string
}

// countCol describes one optional or required count column.
type countCol struct {
	field    string
	names    []string
	required bool
}

// bindCounts finds the count columns in t's header.
func bindCounts(t *meetings.Table, cols []countCol) ([]boundCol, error) {
	var out []boundCol
	for _, c := range cols {
		i := t.Col(c.names...)
		if i < 0 {
			if c.required {
				_, err := t.Require(c.names...)
				return nil, err
			}
			continue
		}
		out = append(out, boundCol{i, c.field})
	}
	return out, nil
}

// readCounts parses the bound count columns of the current row; an empty
// cell is left out, an empty required one is an error.
func readCounts(t *meetings.Table, cols []boundCol, required map[string]bool) (map[string]any, *RowError) {
	fields := make(map[string]any, len(cols)+1)
	for _, c := range cols {
		n, ok, err := meetings.ParseCount(t.Cell(c.idx))
		if err == nil && !ok && required[c.field] {
			err = meetings.ErrEmpty
		}
		if err != nil {
			return nil, t.ErrAt(c.idx, err.Error())
		}
		if ok {
			fields[c.field] = n
		}
	}
	return fields, nil
}

func colOf(cols []boundCol, field string) int {
	for _, c := range cols {
		if c.field == field {
			return c.idx
		}
	}
	return -1
}
