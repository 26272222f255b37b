// Package pull runs one Microsoft Graph pull: every usage report and the call
// records, each into its own measurement, one point per UTC day, and a
// summary. It decides how far back to go from what InfluxDB already holds
// (the collector keeps no other state: the call-record checkpoint is the
// listed_at field of each day's point) and never stops at the first failing
// report. The Graph side is behind the Source interface, implemented with
// msgraph-sdk-go in package graph, so this package compiles and tests
// without the SDK. It also paces requests by Graph's documented limits
// (limit.go) and retries them (retry.go).
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
	// for a report by date, period is "" and date is the day. A date Graph
	// has no data for answers an error that wraps ErrNotAvailable.
	Report(ctx context.Context, name, period string, date time.Time) (io.ReadCloser, error)
	// CallRecords lists the call records that started in [from, to), page
	// by page, calling each for every record.
	CallRecords(ctx context.Context, from, to time.Time, each func(callrecords.Record) error) error
	// Participants counts the participants_v2 entries of one call record
	// (every page of them). No identity leaves it.
	Participants(ctx context.Context, id string) (int, error)
}

// ErrNotAvailable is Graph saying that it has no report for a date (outside
// the window it keeps, or not yet processed): nothing to pull, no failure.
var ErrNotAvailable = errors.New("no data in Microsoft Graph for this date")

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
	// Skype reports are pulled only with Options.Skype: Skype for Business
	// Online was retired on 31 July 2021.
	Skype bool
}

// Reports are the usage reports, in order.
var Reports = []Report{
	{Name: "getTeamsUserActivityCounts", Format: meetings.FormatTeamsActivityCounts, Measurement: schema.Meetings, Where: `"platform" = 'teams'`, Field: "meetings"},
	{Name: "getTeamsUserActivityUserDetail", Format: meetings.FormatTeamsUserDetail, Measurement: schema.TeamsMeetingTypes, Where: `"report_period" = '1'`, Field: "users", ByDate: true},
	{Name: "getTeamsDeviceUsageUserCounts", Format: meetings.FormatTeamsDeviceUsage, Measurement: schema.TeamsClients, Field: "windows", NoSource: true},
	{Name: "getSkypeForBusinessOrganizerActivityCounts", Format: meetings.FormatSkypeOrganizer, Measurement: schema.Meetings, Where: `"platform" = 'skype'`, Field: "conf_audio_video", Skype: true},
	{Name: "getSkypeForBusinessParticipantActivityCounts", Format: meetings.FormatSkypeParticipant, Measurement: schema.Meetings, Where: `"platform" = 'skype'`, Field: "part_audio_video", Skype: true},
	{Name: "getSkypeForBusinessPeerToPeerActivityCounts", Format: meetings.FormatSkypePeerToPeer, Measurement: schema.Meetings, Where: `"platform" = 'skype'`, Field: "p2p_audio", Skype: true},
}

// CallRecordsName names the call-record step in the summary.
const CallRecordsName = "callRecords"

// DateWindowDays is how many days back a report by date can be asked for:
// the page says 30 (api-reference/v1.0/api/reportroot-getteamsuseractivityuserdetail.md),
// Graph answers 400 InvalidArgument "Only support data for the past 28
// days" beyond 28 (microsoft-graph-docs-contrib issues #793 and #8720,
// recorded on real tenants); the pull keeps to the smaller.
const DateWindowDays = 28

// Settle is how long after a day's end its call records are taken as
// complete: a listing that started earlier is provisional and the day is
// listed again by the next run.
const Settle = 24 * time.Hour

// Options tune a run.
type Options struct {
	// Period forces the report period (D7, D30, D90, D180); empty chooses
	// from InfluxDB: D180 on the first run, then the shortest period that
	// reaches back past the newest day already written. For call records
	// it relists the last n days.
	Period string
	// Since forces the first day to pull (reports: the shortest period
	// covering it; call records: every day from it, within Graph's 30 days).
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
	// SkipReports leaves the usage reports out (call records only).
	SkipReports bool
	// Skype pulls the three Skype for Business reports too.
	Skype bool
	// Participants reads participants_v2 of every group meeting (one
	// request per meeting, more beyond 130 participants).
	Participants bool
	// Deadline, when set, is the end of the run budget: no call-record day
	// starts after it, the rest is left for the next run.
	Deadline time.Time
	// Stats is the Graph client's retry counters (throttled waits per step).
	Stats *RetryStats
	// Progress, when set, is told what the run is doing.
	Progress func(Progress)
	Logger   *slog.Logger
}

// Progress is one step forward of a run.
type Progress struct {
	Step string
	// Day is the day being listed (call records) or the date asked for
	// (per-date report); zero for a period report.
	Day time.Time
	// DaysDone and DaysTotal count the days of the step.
	DaysDone, DaysTotal int
	// Records listed so far on Day.
	Records int64
	// Done is true when the step finished (then Outcome is set).
	Done    bool
	Outcome *Outcome
}

// Outcome is one step of the summary.
type Outcome struct {
	Name   string
	Period string // "D7" … or the call-record days "2020-05-16..2020-06-14"
	Days   int    // days written
	// DaysLeft are days this run did not finish (throttled past
	// graph.max_wait, run budget used, failed or interrupted): the next
	// run takes them.
	DaysLeft int
	// Skipped counts dates Graph has no data for (not a failure).
	Skipped int
	Points  int
	Records int64 // call records counted (call records only)
	// Deferred says why work was left for the next run (empty: none).
	Deferred string
	// ThrottledWaits is how often the step waited for a Retry-After.
	ThrottledWaits int64
	Err            error
	Duration       time.Duration
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

// Outcome values of a whole run.
const (
	OutcomeOK          = "ok"          // everything pulled
	OutcomePartial     = "partial"     // days left for the next run, nothing failed
	OutcomeFailed      = "failed"      // a step failed
	OutcomeInterrupted = "interrupted" // stopped by a signal; what was done is kept
)

// Outcome is the run's outcome: interrupted, failed, partial or ok.
func (s Summary) Outcome() string {
	out := OutcomeOK
	for _, o := range s.Outcomes {
		switch {
		case errors.Is(o.Err, context.Canceled):
			return OutcomeInterrupted
		case o.Err != nil:
			out = OutcomeFailed
		case o.DaysLeft > 0 && out == OutcomeOK:
			out = OutcomePartial
		}
	}
	return out
}

// DaysLeft sums the days left over all steps.
func (s Summary) DaysLeft() int {
	n := 0
	for _, o := range s.Outcomes {
		n += o.DaysLeft
	}
	return n
}

// WriteText prints the summary as a table.
func (s Summary) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%-46s %-24s %5s %5s %9s %8s  %s\n", "REPORT", "PERIOD", "DAYS", "LEFT", "THROTTLED", "TIME", "RESULT")
	for _, o := range s.Outcomes {
		res := "ok"
		var notes []string
		if o.Records > 0 {
			notes = append(notes, fmt.Sprintf("%d call records", o.Records))
		}
		if o.Skipped > 0 {
			notes = append(notes, fmt.Sprintf("%d dates without data", o.Skipped))
		}
		if o.Deferred != "" {
			notes = append(notes, fmt.Sprintf("%d days left for the next run: %s", o.DaysLeft, o.Deferred))
		}
		if len(notes) > 0 {
			res += " (" + strings.Join(notes, "; ") + ")"
		}
		if o.Err != nil {
			res = "FAILED: " + strings.ReplaceAll(o.Err.Error(), "\n", "; ")
			if errors.Is(o.Err, context.Canceled) {
				res = fmt.Sprintf("INTERRUPTED (%d days kept, %d left for the next run)", o.Days, o.DaysLeft)
			}
		}
		fmt.Fprintf(w, "%-46s %-24s %5d %5d %9d %8s  %s\n", o.Name, o.Period, o.Days, o.DaysLeft, o.ThrottledWaits, o.Duration.Round(time.Millisecond), res)
	}
	fmt.Fprintf(w, "%d of %d failed, %d days left for the next run: %s\n", s.Failed(), len(s.Outcomes), s.DaysLeft(), s.Outcome())
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

func (r *Runner) progress(p Progress) {
	if r.Opts.Progress != nil {
		r.Opts.Progress(p)
	}
}

func (r *Runner) throttled() int64 {
	if r.Opts.Stats == nil {
		return 0
	}
	return r.Opts.Stats.ThrottledWaits.Load()
}

// Steps returns the names of the steps a run takes, in order.
func (r *Runner) Steps() []string {
	var out []string
	for _, rep := range Reports {
		if !r.Opts.SkipReports && (!rep.Skype || r.Opts.Skype) {
			out = append(out, rep.Name)
		}
	}
	if !r.Opts.SkipCallRecords {
		out = append(out, CallRecordsName)
	}
	return out
}

// Run pulls every report and the call records. It returns the summary; a
// failed step is in the summary (Summary.Err), never a reason to stop.
func (r *Runner) Run(ctx context.Context) Summary {
	var sum Summary
	step := func(name string, f func() Outcome) {
		if ctx.Err() != nil {
			sum.Outcomes = append(sum.Outcomes, Outcome{Name: name, Err: ctx.Err()})
			return
		}
		start, throttled := time.Now(), r.throttled()
		o := f()
		o.Name, o.Duration, o.ThrottledWaits = name, time.Since(start), r.throttled()-throttled
		r.log(o)
		r.progress(Progress{Step: name, Done: true, Outcome: &o, DaysDone: o.Days, DaysTotal: o.Days + o.DaysLeft})
		sum.Outcomes = append(sum.Outcomes, o)
	}
	for _, rep := range Reports {
		if r.Opts.SkipReports || rep.Skype && !r.Opts.Skype {
			continue
		}
		step(rep.Name, func() Outcome { return r.pullReport(ctx, rep) })
	}
	if !r.Opts.SkipCallRecords {
		step(CallRecordsName, func() Outcome { return r.pullCallRecords(ctx) })
	}
	return sum
}

func (r *Runner) log(o Outcome) {
	switch {
	case o.Err != nil:
		r.logger().Error("graph pull step failed", "report", o.Name, "period", o.Period, "days", o.Days, "days_left", o.DaysLeft, "err", o.Err)
	case o.Deferred != "":
		r.logger().Warn("graph pull step left days for the next run", "report", o.Name, "period", o.Period, "days", o.Days, "days_left", o.DaysLeft, "reason", o.Deferred)
	default:
		r.logger().Info("graph pull step done", "report", o.Name, "period", o.Period, "days", o.Days, "points", o.Points, "throttled_waits", o.ThrottledWaits, "took", o.Duration.Round(time.Millisecond))
	}
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
	r.progress(Progress{Step: rep.Name, DaysTotal: 1})
	body, err := r.Source.Report(ctx, rep.Name, o.Period, time.Time{})
	if errors.Is(err, ErrThrottled) {
		o.Deferred = err.Error()
		return o
	}
	if err != nil {
		o.Err = err
		return o
	}
	defer body.Close()
	return r.decodeWrite(ctx, rep, body, rep.Name+"("+o.Period+")", time.Time{}, o)
}

// pullByDate fetches a per-user report one date at a time, newest first:
// from the newest report day back to the day after the last one pulled
// (minus two days, which are refreshed), at most MaxDatesPerRun dates and
// never before Graph's window.
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
	oldest := today.AddDate(0, 0, 1-DateWindowDays)
	o.Period = fmt.Sprintf("%d dates to %s", n, newest.Format("2006-01-02"))
	var errs []error
	for i := 0; i < n; i++ {
		day := newest.AddDate(0, 0, -i)
		date := day.Format("2006-01-02")
		if day.Before(oldest) {
			r.logger().Info("graph keeps no per-date report this old; skipped", "report", rep.Name, "date", date, "window_days", DateWindowDays)
			o.Skipped++
			continue
		}
		r.progress(Progress{Step: rep.Name, Day: day, DaysDone: i, DaysTotal: n})
		body, err := r.Source.Report(ctx, rep.Name, "", day)
		switch {
		case errors.Is(err, ErrNotAvailable):
			r.logger().Info("graph has no data for this date; skipped", "report", rep.Name, "date", date, "answer", err)
			o.Skipped++
			continue
		case errors.Is(err, ErrThrottled):
			o.Deferred = err.Error()
			o.DaysLeft = n - i
			o.Err = errors.Join(errs...)
			return o
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", date, err))
			if ctx.Err() != nil {
				o.DaysLeft = n - i
				o.Err = ctx.Err()
				return o
			}
			continue
		}
		one := r.decodeWrite(ctx, rep, body, rep.Name+"(date="+date+")", day, Outcome{})
		_ = body.Close()
		if one.Err == nil && one.Points == 0 {
			r.logger().Info("graph has no data for this date yet; skipped", "report", rep.Name, "date", date)
			o.Skipped++
		}
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
