package paper

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Summary adds up what an import read, for the line it prints at the end.
type Summary struct {
	Rows, Points, Files int
	groups              map[string]*summaryGroup
}

type summaryGroup struct {
	names       map[string]bool // sites or systems
	first, last time.Time
	points      int
	totals      map[string]int64
}

// summed are the fields the summary adds up, in the order it prints them.
var summed = []string{FieldSheetsNotPrint, FieldSheetsPrinted, FieldJobsLogged, FieldPagesLogged, FieldLettersDigital, FieldLettersPaper}

// Add counts one accepted file.
func (s *Summary) Add(res *Result) {
	if s.groups == nil {
		s.groups = map[string]*summaryGroup{}
	}
	s.Files++
	s.Rows += res.Rows
	s.Points += len(res.Records)
	for _, r := range res.Records {
		key, name := r.Measurement, r.Tags[TagSystem]
		if src := r.Tags[TagSource]; src != "" {
			key += " source=" + src
			name = r.Tags[TagSite]
		}
		g := s.groups[key]
		if g == nil {
			g = &summaryGroup{names: map[string]bool{}, first: r.Day, last: r.Day, totals: map[string]int64{}}
			s.groups[key] = g
		}
		g.points++
		g.names[name] = true
		if r.Day.Before(g.first) {
			g.first = r.Day
		}
		if r.Day.After(g.last) {
			g.last = r.Day
		}
		for _, f := range summed {
			if n, ok := r.Fields[f].(int64); ok {
				g.totals[f] += n
			}
		}
	}
}

// Print writes one line for the whole import and one per measurement and
// source.
func (s *Summary) Print(w io.Writer, verb string) {
	fmt.Fprintf(w, "%s %d points from %d rows in %d files\n", verb, s.Points, s.Rows, s.Files)
	keys := make([]string, 0, len(s.groups))
	for k := range s.groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := s.groups[k]
		what := "sites"
		if strings.HasPrefix(k, MeasurementMail) {
			what = "systems"
		}
		var parts []string
		for _, f := range summed {
			if n, ok := g.totals[f]; ok {
				parts = append(parts, fmt.Sprintf("%d %s", n, f))
			}
		}
		fmt.Fprintf(w, "  %s: %d points, %d %s, %s..%s; %s\n", k, g.points, len(g.names), what,
			g.first.Format(time.DateOnly), g.last.Format(time.DateOnly), strings.Join(parts, ", "))
	}
}
