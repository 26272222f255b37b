package paper

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
)

// Rollup says what an import touched, so that only that is recomputed:
// the measurement, for printing the source (its own series) and the
// fields it wrote, and the calendar months (first day, 00:00 UTC). For
// printing it also adds up the points it was given per month and site,
// which stand for the rollup when they are all the month holds.
type Rollup struct {
	Measurement string
	Source      string // printing: the source tag
	Fields      map[string]bool
	Months      map[time.Time]bool

	sums        map[monthSite]map[string]int64 // printing: the run's points summed
	days        map[monthSite]int64            // … and counted
	fieldPoints map[string]int64               // points of the run with each field
	dayFiles    map[int64]int                  // files of the run holding each day
}

type monthSite struct {
	month time.Time
	site  string
}

// AddRollups records what the records of one file touch in rs (keyed by
// measurement and source), creating entries as needed. Call it once per
// file: a day found in two files may be one point written twice.
func AddRollups(rs map[string]*Rollup, recs []Record) {
	fileDays := map[*Rollup]map[int64]bool{}
	for _, r := range recs {
		src := r.Tags[TagSource]
		key := r.Measurement + "\x00" + src
		ru := rs[key]
		if ru == nil {
			ru = &Rollup{Measurement: r.Measurement, Source: src, Fields: map[string]bool{}, Months: map[time.Time]bool{},
				sums: map[monthSite]map[string]int64{}, days: map[monthSite]int64{}, fieldPoints: map[string]int64{}, dayFiles: map[int64]int{}}
			rs[key] = ru
		}
		month := time.Date(r.Day.Year(), r.Day.Month(), 1, 0, 0, 0, 0, time.UTC)
		ru.Months[month] = true
		ms := monthSite{month, r.Tags[TagSite]}
		if r.Measurement == MeasurementPrinting {
			if ru.sums[ms] == nil {
				ru.sums[ms] = map[string]int64{}
			}
			ru.days[ms]++
		}
		for f, v := range r.Fields {
			if n, ok := v.(int64); ok {
				ru.Fields[f] = true
				ru.fieldPoints[f]++
				if r.Measurement == MeasurementPrinting {
					ru.sums[ms][f] += n
				}
			}
		}
		if fileDays[ru] == nil {
			fileDays[ru] = map[int64]bool{}
		}
		fileDays[ru][r.Day.Unix()] = true
	}
	for ru, days := range fileDays {
		for d := range days {
			ru.dayFiles[d]++
		}
	}
}

// Months lists the calendar months that the records of one measurement
// touch, sorted.
func Months(recs []Record, measurement string) []time.Time {
	rs := map[string]*Rollup{}
	AddRollups(rs, recs)
	seen := map[time.Time]bool{}
	for _, ru := range rs {
		if ru.Measurement == measurement {
			maps.Copy(seen, ru.Months)
		}
	}
	return sortedMonths(seen)
}

func sortedMonths(set map[time.Time]bool) []time.Time {
	out := make([]time.Time, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// UpdateRollups recomputes the calendar-month rollup (printing_monthly,
// mail_monthly) of what ru touched from the daily points, and writes it.
// For printing only ru's source and fields are read: other sources are
// other series with rollups of their own. It returns the number of rollup
// points written.
func UpdateRollups(ctx context.Context, qw interface {
	Querier
	Writer
}, ru *Rollup) (int, error) {
	var points []influx.Point
	if ru.Measurement == MeasurementPrinting {
		ok, err := ru.onlyPoints(ctx, qw)
		if err != nil {
			return 0, err
		}
		if ok {
			points = ru.pointsFromRun()
			if err := qw.Write(ctx, points); err != nil {
				return 0, fmt.Errorf("write %s rollups: %w", ru.Measurement, err)
			}
			return len(points), nil
		}
	}
	for _, m := range sortedMonths(ru.Months) {
		var ps []influx.Point
		var err error
		switch ru.Measurement {
		case MeasurementPrinting:
			ps, err = printingMonth(ctx, qw, m, ru.Source, ru.Fields)
		case MeasurementMail:
			ps, err = mailMonth(ctx, qw, m)
		default:
			return 0, fmt.Errorf("no rollup for measurement %q", ru.Measurement)
		}
		if err != nil {
			return 0, err
		}
		points = append(points, ps...)
	}
	if len(points) == 0 {
		return 0, nil
	}
	if err := qw.Write(ctx, points); err != nil {
		return 0, fmt.Errorf("write %s rollups: %w", ru.Measurement, err)
	}
	return len(points), nil
}

// onlyPoints reports whether the run's points are all that the source
// holds in the touched months, field by field: then the rollup is the
// run's own sums, and one count query replaces a query per month (which
// for a year of 400 printers takes seconds). A point written twice in
// the run, an older point of another day, or an older field of the same
// point all make the counts differ, and the months are queried instead.
func (ru *Rollup) onlyPoints(ctx context.Context, q Querier) (bool, error) {
	for _, n := range ru.dayFiles {
		if n > 1 {
			return false, nil
		}
	}
	months := sortedMonths(ru.Months)
	if len(months) == 0 {
		return false, nil
	}
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT count(*) FROM %q WHERE %q = %s AND time >= %s AND time < %s`,
		MeasurementPrinting, TagSource, influx.StringLiteral(ru.Source), influx.TimeLiteral(months[0]), influx.TimeLiteral(months[len(months)-1].AddDate(0, 1, 0))))
	if err != nil {
		return false, fmt.Errorf("printing rollup: %w", err)
	}
	// The range may span months the run did not touch; their points count
	// too, and then the counts differ: that is the safe direction.
	counted := map[string]int64{}
	for _, s := range series {
		for _, r := range s.Rows() {
			for _, c := range r.Names() {
				if f, ok := strings.CutPrefix(c, "count_"); ok {
					if v := r.IntPtr(c); v != nil && *v > 0 {
						counted[f] = *v
					}
				}
			}
		}
	}
	return maps.Equal(counted, ru.fieldPoints), nil
}

// pointsFromRun turns the run's sums into printing_monthly points.
func (ru *Rollup) pointsFromRun() []influx.Point {
	out := make([]influx.Point, 0, len(ru.sums))
	for ms, sums := range ru.sums {
		fields := make(map[string]any, len(sums)+1)
		for f, v := range sums {
			fields[f] = v
		}
		fields[FieldDays] = ru.days[ms]
		out = append(out, influx.Point{Measurement: MeasurementPrintingMonthly, Tags: map[string]string{TagSite: ms.site, TagSource: ru.Source}, Fields: fields, Time: ms.month})
	}
	return out
}

// printingMonth sums one month of one source's fields per site.
func printingMonth(ctx context.Context, q Querier, m time.Time, source string, fieldSet map[string]bool) ([]influx.Point, error) {
	var fields []string
	for _, f := range printingSums {
		if fieldSet[f] {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return nil, nil
	}
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT %s FROM %q WHERE %q = %s AND time >= %s AND time < %s GROUP BY %q`,
		sumSelect(fields, true), MeasurementPrinting, TagSource, influx.StringLiteral(source), influx.TimeLiteral(m), influx.TimeLiteral(m.AddDate(0, 1, 0)), TagSite))
	if err != nil {
		return nil, fmt.Errorf("printing rollup %s: %w", m.Format("2006-01"), err)
	}
	var out []influx.Point
	for _, s := range series {
		for _, r := range s.Rows() {
			values := map[string]any{}
			days := int64(0)
			for _, f := range fields {
				if v := r.IntPtr(f); v != nil {
					values[f] = *v
				}
				if n := r.IntPtr("n_" + f); n != nil && *n > days {
					days = *n
				}
			}
			if len(values) == 0 {
				continue
			}
			values[FieldDays] = days
			out = append(out, influx.Point{Measurement: MeasurementPrintingMonthly,
				Tags: map[string]string{TagSite: s.Tags[TagSite], TagSource: source}, Fields: values, Time: m})
		}
	}
	return out, nil
}

// mailMonth resolves one month per system (a month point stands for the
// whole month) and adds the share sent digitally.
func mailMonth(ctx context.Context, q Querier, m time.Time) ([]influx.Point, error) {
	months, err := mailMonths(ctx, q, m, m.AddDate(0, 1, 0))
	if err != nil {
		return nil, err
	}
	var out []influx.Point
	for sys, ms := range months {
		ml := ms[m]
		if ml == nil {
			continue
		}
		fields := map[string]any{FieldLettersDigital: ml.digital, FieldLettersPaper: ml.paper, FieldDays: int64(ml.days)}
		if p := pct(ml.digital, ml.digital+ml.paper); p != nil {
			fields[FieldShareDigitalPct] = *p
		}
		out = append(out, influx.Point{Measurement: MeasurementMailMonthly, Tags: map[string]string{TagSystem: sys}, Fields: fields, Time: m})
	}
	return out, nil
}
