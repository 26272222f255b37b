package paper

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
)

// Months lists the calendar months (first day, 00:00 UTC) that the
// records of one measurement touch, sorted.
func Months(recs []Record, measurement string) []time.Time {
	seen := map[time.Time]bool{}
	for _, r := range recs {
		if r.Measurement == measurement {
			seen[time.Date(r.Day.Year(), r.Day.Month(), 1, 0, 0, 0, 0, time.UTC)] = true
		}
	}
	out := make([]time.Time, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// UpdateRollups recomputes the calendar-month rollup of measurement
// (MeasurementPrinting → printing_monthly, MeasurementMail → mail_monthly)
// for the given months from the daily points, and writes it. It returns
// the number of rollup points written.
func UpdateRollups(ctx context.Context, qw interface {
	Querier
	Writer
}, measurement string, months []time.Time) (int, error) {
	var points []influx.Point
	for _, m := range months {
		var ps []influx.Point
		var err error
		switch measurement {
		case MeasurementPrinting:
			ps, err = printingMonth(ctx, qw, m)
		case MeasurementMail:
			ps, err = mailMonth(ctx, qw, m)
		default:
			return 0, fmt.Errorf("no rollup for measurement %q", measurement)
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
		return 0, fmt.Errorf("write %s rollups: %w", measurement, err)
	}
	return len(points), nil
}

// printingMonth sums one month per site and source.
func printingMonth(ctx context.Context, q Querier, m time.Time) ([]influx.Point, error) {
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT %s FROM %q WHERE time >= %s AND time < %s GROUP BY %q, %q`,
		sumSelect(printingSums, true), MeasurementPrinting, influx.TimeLiteral(m), influx.TimeLiteral(m.AddDate(0, 1, 0)), TagSite, TagSource))
	if err != nil {
		return nil, fmt.Errorf("printing rollup %s: %w", m.Format("2006-01"), err)
	}
	var out []influx.Point
	for _, s := range series {
		for _, r := range s.Rows() {
			fields := map[string]any{}
			days := int64(0)
			for _, f := range printingSums {
				if v := r.IntPtr(f); v != nil {
					fields[f] = *v
				}
				if n := r.IntPtr("n_" + f); n != nil && *n > days {
					days = *n
				}
			}
			if len(fields) == 0 {
				continue
			}
			fields[FieldDays] = days
			out = append(out, influx.Point{Measurement: MeasurementPrintingMonthly,
				Tags: map[string]string{TagSite: s.Tags[TagSite], TagSource: s.Tags[TagSource]}, Fields: fields, Time: m})
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
