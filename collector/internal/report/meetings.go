// Package report builds Kretslopp's reports from InfluxDB. The data model
// (MeetingsReport) is separate from its renderings (JSON, a text table) so
// that other renderings, such as the yearly HTML report, reuse it.
package report

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/collector/internal/safetext"
)

// MeetingsReport holds meetings per platform per year and month, with growth
// against the previous period. Growth is null for the first period of the
// report and for a zero base.
type MeetingsReport struct {
	From            int        `json:"from"`
	To              int        `json:"to"`
	MeetingsByYear  []YearRow  `json:"meetings_by_year"`
	MeetingsByMonth []MonthRow `json:"meetings_by_month"`
	// TotalsByYear adds all platforms up.
	TotalsByYear []TotalRow `json:"totals_by_year"`
}

// YearRow is one platform's meetings in one calendar year (UTC).
type YearRow struct {
	Platform  string   `json:"platform"`
	Year      int      `json:"year"`
	Meetings  int64    `json:"meetings"`
	GrowthPct *float64 `json:"growth_pct"`
}

// MonthRow is one platform's meetings in one calendar month (UTC).
type MonthRow struct {
	Platform  string   `json:"platform"`
	Year      int      `json:"year"`
	Month     int      `json:"month"`
	Meetings  int64    `json:"meetings"`
	GrowthPct *float64 `json:"growth_pct"`     // against the month before
	YoYPct    *float64 `json:"growth_yoy_pct"` // against the same month a year before
}

// TotalRow is all platforms' meetings in one year.
type TotalRow struct {
	Year      int      `json:"year"`
	Meetings  int64    `json:"meetings"`
	GrowthPct *float64 `json:"growth_pct"`
}

// BuildMeetings reads the daily "meetings" points of the years from..to and
// sums them. Only data inside the range counts, so the first year (and
// month) of the report has no growth figure.
func BuildMeetings(ctx context.Context, q meetings.Querier, from, to int) (*MeetingsReport, error) {
	if from > to {
		return nil, fmt.Errorf("report: --from %d is after --to %d", from, to)
	}
	days, err := meetings.QueryDaily(ctx, q, from, to)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return FromDaily(days, from, to), nil
}

// FromDaily builds the report from daily counts already read.
func FromDaily(days []meetings.Daily, from, to int) *MeetingsReport {
	r := &MeetingsReport{From: from, To: to, MeetingsByYear: []YearRow{}, MeetingsByMonth: []MonthRow{}, TotalsByYear: []TotalRow{}}
	in := days[:0:0]
	for _, d := range days {
		if y := d.Day.Year(); y >= from && y <= to {
			in = append(in, d)
		}
	}
	totals := map[int]int64{}
	for _, t := range meetings.Yearly(in, from, to) {
		r.MeetingsByYear = append(r.MeetingsByYear, YearRow{Platform: t.Platform, Year: t.Year, Meetings: t.Meetings, GrowthPct: t.GrowthPct})
		totals[t.Year] += t.Meetings
	}
	for _, t := range meetings.Monthly(in, from, to) {
		r.MeetingsByMonth = append(r.MeetingsByMonth, MonthRow{Platform: t.Platform, Year: t.Year, Month: t.Month, Meetings: t.Meetings, GrowthPct: t.GrowthPct, YoYPct: t.YoYPct})
	}
	years := make([]int, 0, len(totals))
	for y := range totals {
		years = append(years, y)
	}
	sort.Ints(years)
	for _, y := range years {
		prev, ok := totals[y-1]
		r.TotalsByYear = append(r.TotalsByYear, TotalRow{Year: y, Meetings: totals[y], GrowthPct: meetings.Growth(totals[y], prev, ok)})
	}
	return r
}

// WriteJSON writes the report as one indented JSON object.
func WriteJSON(w io.Writer, r *MeetingsReport) error { return writeJSON(w, r) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteTable writes the report for a person at a terminal: meetings per
// platform and year with growth, totals, then the months.
func WriteTable(w io.Writer, r *MeetingsReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "Meetings per platform and year, %d-%d (UTC)\t\t\t\t\n", r.From, r.To)
	fmt.Fprintln(tw, "platform\tyear\tmeetings\tgrowth\t")
	if len(r.MeetingsByYear) == 0 {
		fmt.Fprintln(tw, "(no meeting data in this range)\t\t\t\t")
	}
	for _, y := range r.MeetingsByYear {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t\n", safetext.Terminal(y.Platform), y.Year, thousands(y.Meetings), pct(y.GrowthPct))
	}
	for _, t := range r.TotalsByYear {
		fmt.Fprintf(tw, "all\t%d\t%s\t%s\t\n", t.Year, thousands(t.Meetings), pct(t.GrowthPct))
	}
	fmt.Fprintln(tw, "\t\t\t\t")
	fmt.Fprintln(tw, "Meetings per month\t\t\t\t\t\t")
	fmt.Fprintln(tw, "platform\tmonth\tmeetings\tvs month before\tvs year before\t")
	for _, m := range r.MeetingsByMonth {
		fmt.Fprintf(tw, "%s\t%d-%02d\t%s\t%s\t%s\t\n", safetext.Terminal(m.Platform), m.Year, m.Month, thousands(m.Meetings), pct(m.GrowthPct), pct(m.YoYPct))
	}
	return tw.Flush()
}

func pct(p *float64) string {
	if p == nil {
		return "-"
	}
	s := strconv.FormatFloat(*p, 'f', 1, 64)
	if *p > 0 {
		s = "+" + s
	}
	return s + " %"
}

// thousands writes 39150 as "39 150", the Swedish (and SI) grouping.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
