// Package pull runs one Microsoft Graph pull: every usage report and the call
// records, each into its own measurement, one point per UTC day, and a
// summary. It decides how far back to go from what InfluxDB already holds
// (the collector keeps no other state) and never stops at the first failing
// report. The Graph side is behind the Source interface, implemented with
// msgraph-sdk-go in package graph, so this package compiles and tests
// without the SDK.
package pull

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/callrecords"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// Source is Microsoft Graph as the pull sees it.
type Source interface {
	// Report returns the CSV of a usage report as Graph serves it after the
	// 302 (UTF-8 BOM included). period is "D7", "D30", "D90" or "D180";
	// for a report by date, period is "" and date is the day.
	Report(ctx context.Context, name, period string, date time.Time) (io.ReadCloser, error)
	// CallRecords lists the call records that started in [from, to), page
	// by page, calling each for every record.
	CallRecords(ctx context.Context, from, to time.Time, each func(callrecords.Record) error) error
}

// Store is the InfluxDB side (influx.Client implements it).
type Store interface {
	Write(ctx context.Context, points []influx.Point) error
	Query(ctx context.Context, influxql string) ([]influx.Series, error)
}

// Source field value of everything the pull writes.
const SourceGraph = "graph"

// Report describes one Graph usage report and where it lands.
type Report struct {
	Name   string          // the Graph function, e.g. getTeamsUserActivityCounts
	Format meetings.Format // the CSV decoder
	// Measurement, Where and Field locate the newest day already pulled.
	Measurement, Where, Field string
	// ByDate reports are fetched one date at a time (user detail: one row
	// per user, aggregated per day before writing).
	ByDate bool
	// NoSource: the measurement has no "source" field to tell pulled days
	// from imported ones (teams_clients), so any day counts.
	NoSource bool
}

// Reports are the usage reports pulled, in order.
var Reports = []Report{
	{Name: "getTeamsUserActivityCounts", Format: meetings.FormatTeamsActivityCounts, Measurement: schema.Meetings, Where: `"platform" = 'teams'`, Field: "meetings"},
	{Name: "getTeamsUserActivityUserDetail", Format: meetings.FormatTeamsUserDetail, Measurement: schema.TeamsMeetingTypes, Where: `"report_period" = '1'`, Field: "users", ByDate: true},
	{Name: "getTeamsDeviceUsageUserCounts", Format: meetings.FormatTeamsDeviceUsage, Measurement: schema.TeamsClients, Field: "windows", NoSource: true},
	{Name: "getSkypeForBusinessOrganizerActivityCounts", Format: meetings.FormatSkypeOrganizer, Measurement: schema.Meetings, Where: `"platform" = 'skype'`, Field: "conf_audio_video"},
	{Name: "getSkypeForBusinessParticipantActivityCounts", Format: meetings.FormatSkypeParticipant, Measurement: schema.Meetings, Where: `"platform" = 'skype'`, Field: "part_audio_video"},
	{Name: "getSkypeForBusinessPeerToPeerActivityCounts", Format: meetings.FormatSkypePeerToPeer, Measurement: schema.Meetings, Where: `"platform" = 'skype'`, Field: "p2p_audio"},
}

// CallRecordsName names the call-record step in the summary.
const CallRecordsName = "callRecords"

// Options tune a run.
type Options struct {
	// Period forces the report period (D7, D30, D90, D180); empty chooses
	// from InfluxDB: D180 on the first run, then the shortest period that
	// reaches back past the newest day already written.
	Period string
	// Since forces the first day to pull (reports: the shortest period
	// covering it; call records: from it, within Graph's 30 days).
	Since time.Time
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ReportLag is how many days Graph's reports lag (default 2).
	ReportLag int
	// MaxDatesPerRun bounds the per-date user-detail requests in a run
	// (default 10: Graph allows 14 CSV requests per report per 10 minutes
	// per app, and retries count too).
	MaxDatesPerRun int
	// SkipCallRecords leaves call records out (e.g. without
	// CallRecords.Read.All).
	SkipCallRecords bool
	Logger          *slog.Logger
}

// Outcome is one step of the summary.
type Outcome struct {
	Name     string
	Period   string // "D7" … or the call-record window "2020-05-16..2020-06-14"
	Days     int    // days written
	Points   int
	Records  int64 // call records counted (call records only)
	Err      error
	Duration time.Duration
}

// Summary is the result of a run.
type Summary struct{ Outcomes []Outcome }

// Failed is the number of failed steps.
func (s Summary) Failed() int {
	n := 0
	for _, o := range s.Outcomes {
		if o.Err != nil {
			n++
		}
	}
	return n
}

// Err joins the failures (nil when all succeeded).
func (s Summary) Err() error {
	var errs []error
	for _, o := range s.Outcomes {
		if o.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.Name, o.Err))
		}
	}
	return errors.Join(errs...)
}

// WriteText prints the summary as a table.
func (s Summary) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%-46s %-24s %6s %8s  %s\n", "REPORT", "PERIOD", "DAYS", "TIME", "RESULT")
	for _, o := range s.Outcomes {
		res := "ok"
		if o.Records > 0 {
			res = fmt.Sprintf("ok (%d call records)", o.Records)
		}
		if o.Err != nil {
			res = "FAILED: " + strings.ReplaceAll(o.Err.Error(), "\n", "; ")
		}
		fmt.Fprintf(w, "%-46s %-24s %6d %8s  %s\n", o.Name, o.Period, o.Days, o.Duration.Round(time.Millisecond), res)
	}
	fmt.Fprintf(w, "%d of %d failed\n", s.Failed(), len(s.Outcomes))
}

// Runner pulls from a Source into a Store.
type Runner struct {
	Source Source
	Store  Store
	Opts   Options
}

func (r *Runner) now() time.Time {
	if r.Opts.Now != nil {
		return r.Opts.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) logger() *slog.Logger {
	if r.Opts.Logger != nil {
		return r.Opts.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Run pulls every report and the call records. It returns the summary; a
// failed step is in the summary (Summary.Err), never a reason to stop.
func (r *Runner) Run(ctx context.Context) Summary {
	var sum Summary
	for _, rep := range Reports {
		if ctx.Err() != nil {
			sum.Outcomes = append(sum.Outcomes, Outcome{Name: rep.Name, Err: ctx.Err()})
			continue
		}
		start := time.Now()
		o := r.pullReport(ctx, rep)
		o.Name, o.Duration = rep.Name, time.Since(start)
		r.log(o)
		sum.Outcomes = append(sum.Outcomes, o)
	}
	if !r.Opts.SkipCallRecords {
		start := time.Now()
		o := r.pullCallRecords(ctx)
		o.Name, o.Duration = CallRecordsName, time.Since(start)
		r.log(o)
		sum.Outcomes = append(sum.Outcomes, o)
	}
	return sum
}

func (r *Runner) log(o Outcome) {
	if o.Err != nil {
		r.logger().Error("graph pull step failed", "report", o.Name, "period", o.Period, "days", o.Days, "err", o.Err)
		return
	}
	r.logger().Info("graph pull step done", "report", o.Name, "period", o.Period, "days", o.Days, "points", o.Points, "took", o.Duration.Round(time.Millisecond))
}

// Periods Graph offers for usage reports.
var Periods = []int{7, 30, 90, 180}

// ChoosePeriod picks the report period. With nothing pulled before (last is
// zero) it is the longest, D180; otherwise the shortest period that reaches
// from the newest report day (today - lag) back past last, so that the days
// since are filled and the recent days overwritten with Graph's final
// figures. A forced since works the same way.
func ChoosePeriod(last time.Time, today time.Time, lag int) string {
	if last.IsZero() {
		return "D180"
	}
	newest := callrecords.Truncate(today).AddDate(0, 0, -lag)
	need := int(newest.Sub(callrecords.Truncate(last))/(24*time.Hour)) + 1
	for _, p := range Periods {
		if p >= need {
			return fmt.Sprintf("D%d", p)
		}
	}
	return "D180"
}

// ValidPeriod checks a --period value.
func ValidPeriod(p string) error {
	for _, d := range Periods {
		if p == fmt.Sprintf("D%d", d) {
			return nil
		}
	}
	return fmt.Errorf("period %q: want D7, D30, D90 or D180", p)
}

// lastDay returns the newest day pulled from Graph for the report (zero
// when none).
func (r *Runner) lastDay(ctx context.Context, measurement, field, where string, noSource bool) (time.Time, error) {
	var conds []string
	if where != "" {
		conds = append(conds, where)
	}
	if !noSource {
		conds = append(conds, `"source" = '`+SourceGraph+`'`)
	}
	q := fmt.Sprintf(`SELECT last(%q) FROM %q`, field, measurement)
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	series, err := r.Store.Query(ctx, q)
	if err != nil {
		return time.Time{}, fmt.Errorf("finding the last day pulled: %w", err)
	}
	for _, s := range series {
		for _, v := range s.Values {
			if len(v) > 0 {
				if ts, ok := v[0].(string); ok {
					t, err := time.Parse(time.RFC3339Nano, ts)
					if err != nil {
						return time.Time{}, fmt.Errorf("finding the last day pulled: time %q: %w", ts, err)
					}
					return t.UTC(), nil
				}
			}
		}
	}
	return time.Time{}, nil
}

func (r *Runner) lag() int {
	if r.Opts.ReportLag > 0 {
		return r.Opts.ReportLag
	}
	return 2
}

func (r *Runner) pullReport(ctx context.Context, rep Report) (o Outcome) {
	today := callrecords.Truncate(r.now())
	var last time.Time
	switch {
	case !r.Opts.Since.IsZero():
		last = callrecords.Truncate(r.Opts.Since)
	case r.Opts.Period == "" || rep.ByDate:
		var err error
		if last, err = r.lastDay(ctx, rep.Measurement, rep.Field, rep.Where, rep.NoSource); err != nil {
			o.Err = err
			return o
		}
	}
	o.Period = r.Opts.Period
	if o.Period == "" {
		o.Period = ChoosePeriod(last, today, r.lag())
	}
	if rep.ByDate {
		return r.pullByDate(ctx, rep, last, today, o.Period)
	}
	body, err := r.Source.Report(ctx, rep.Name, o.Period, time.Time{})
	if err != nil {
		o.Err = err
		return o
	}
	defer body.Close()
	return r.decodeWrite(ctx, rep, body, rep.Name+"("+o.Period+")", time.Time{}, o)
}

// pullByDate fetches a per-user report one date at a time, newest first:
// from the newest report day back to the day after the last one pulled
// (minus two days, which are refreshed), at most MaxDatesPerRun dates.
func (r *Runner) pullByDate(ctx context.Context, rep Report, last, today time.Time, period string) Outcome {
	o := Outcome{}
	maxDates := r.Opts.MaxDatesPerRun
	if maxDates <= 0 {
		maxDates = 10
	}
	newest := today.AddDate(0, 0, -r.lag())
	n := maxDates
	if !last.IsZero() {
		n = min(n, max(int(newest.Sub(last)/(24*time.Hour))+3, 1))
	}
	if r.Opts.Period != "" {
		var d int
		_, _ = fmt.Sscanf(period, "D%d", &d)
		n = min(maxDates, d)
	}
	o.Period = fmt.Sprintf("%d dates to %s", n, newest.Format("2006-01-02"))
	var errs []error
	for i := 0; i < n; i++ {
		day := newest.AddDate(0, 0, -i)
		body, err := r.Source.Report(ctx, rep.Name, "", day)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", day.Format("2006-01-02"), err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		one := r.decodeWrite(ctx, rep, body, rep.Name+"(date="+day.Format("2006-01-02")+")", day, Outcome{})
		_ = body.Close()
		o.Days += one.Days
		o.Points += one.Points
		if one.Err != nil {
			errs = append(errs, one.Err)
		}
	}
	o.Err = errors.Join(errs...)
	return o
}

// decodeWrite decodes one report and writes its points; day is the date a
// per-date report was requested for (zero for a period report).
func (r *Runner) decodeWrite(ctx context.Context, rep Report, body io.Reader, file string, day time.Time, o Outcome) Outcome {
	res, err := meetings.Decode(ctx, rep.Format, body, meetings.Options{File: file, Source: SourceGraph, Now: r.Opts.Now, Day: day})
	if err != nil {
		o.Err = fmt.Errorf("reading the CSV: %w", err)
		return o
	}
	points := meetings.Points(res.Records)
	if err := r.Store.Write(ctx, points); err != nil {
		o.Err = fmt.Errorf("writing to InfluxDB: %w", err)
		return o
	}
	days := map[int64]bool{}
	for _, p := range points {
		days[p.Time.Unix()] = true
	}
	o.Days, o.Points = len(days), len(points)
	if err := res.Err(); err != nil {
		o.Err = fmt.Errorf("%d bad rows: %w", res.BadRows, err)
	}
	return o
}

// CallRecordWindow returns the whole UTC days [from, to) of call records to
// pull: the first run takes every full day Graph still keeps (30 days);
// later runs go back to the day after the newest day written, but at least
// seven days, so late records are counted and each day's point is rewritten
// from the full set of its records. Today is never included (not finished).
func CallRecordWindow(last, since, now time.Time, periodDays int) (from, to time.Time) {
	to = callrecords.Truncate(now)
	oldest := callrecords.Truncate(now.Add(-30*24*time.Hour)).AddDate(0, 0, 1)
	switch {
	case !since.IsZero():
		from = callrecords.Truncate(since)
	case periodDays > 0:
		from = to.AddDate(0, 0, -periodDays)
	case last.IsZero():
		from = oldest
	default:
		from = callrecords.Truncate(last).AddDate(0, 0, 1)
		if weekAgo := to.AddDate(0, 0, -7); weekAgo.Before(from) {
			from = weekAgo
		}
	}
	if from.Before(oldest) {
		from = oldest
	}
	return from, to
}

func (r *Runner) pullCallRecords(ctx context.Context) (o Outcome) {
	var last time.Time
	periodDays := 0
	if r.Opts.Period != "" {
		_, _ = fmt.Sscanf(r.Opts.Period, "D%d", &periodDays)
	} else if r.Opts.Since.IsZero() {
		var err error
		if last, err = r.lastDay(ctx, callrecords.Measurement, "records", "", false); err != nil {
			o.Err = err
			return o
		}
	}
	from, to := CallRecordWindow(last, r.Opts.Since, r.now(), periodDays)
	o.Period = from.Format("2006-01-02") + ".." + to.AddDate(0, 0, -1).Format("2006-01-02")
	if !from.Before(to) {
		return o
	}
	// One day at a time: the de-duplication set and the aggregate never
	// hold more than one day, and a day is written only from the complete
	// listing of that day (a failed day keeps its previous point).
	var errs []error
	var seen, outside int64
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		agg := callrecords.New(day, day.AddDate(0, 0, 1))
		err := r.Source.CallRecords(ctx, day, day.AddDate(0, 0, 1), func(rec callrecords.Record) error {
			seen++
			agg.Add(rec)
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("listing call records of %s: %w", day.Format("2006-01-02"), err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		points := agg.Points(SourceGraph)
		if err := r.Store.Write(ctx, points); err != nil {
			errs = append(errs, fmt.Errorf("writing %s to InfluxDB: %w", day.Format("2006-01-02"), err))
			continue
		}
		for _, d := range agg.Days() {
			o.Records += d.Records
		}
		outside += agg.Outside()
		o.Days++
		o.Points += len(points)
	}
	o.Err = errors.Join(errs...)
	r.logger().Debug("call records", "listed", seen, "counted", o.Records, "outside_window", outside)
	return o
}
