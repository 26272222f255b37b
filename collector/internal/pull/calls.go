package pull

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/callrecords"
)

// CallRecordDays returns the whole UTC days Graph still keeps call records
// for at now, oldest first: from the first full day inside its 30 days up
// to yesterday (today's calls are not over).
func CallRecordDays(now time.Time) (from, to time.Time) {
	to = callrecords.Truncate(now)
	from = callrecords.Truncate(now.Add(-callrecords.Retention)).AddDate(0, 0, 1)
	return from, to
}

// Complete reports whether a day listed at listedAt needs no new listing:
// the listing started at least Settle after the day ended.
func Complete(day, listedAt time.Time) bool {
	return !listedAt.IsZero() && !listedAt.Before(day.AddDate(0, 0, 1).Add(Settle))
}

// checkpoints reads listed_at of every day in [from, to) written by a pull.
func (r *Runner) checkpoints(ctx context.Context, from, to time.Time) (map[int64]time.Time, error) {
	q := fmt.Sprintf(`SELECT %q FROM %q WHERE time >= '%s' AND time < '%s' AND %q = '%s'`,
		callrecords.FieldListedAt, callrecords.Measurement, from.Format(time.RFC3339), to.Format(time.RFC3339), callrecords.FieldSource, SourceGraph)
	series, err := r.Store.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("reading the call-record checkpoint: %w", err)
	}
	out := map[int64]time.Time{}
	for _, s := range series {
		for _, v := range s.Values {
			if len(v) < 2 || v[1] == nil {
				continue
			}
			ts, _ := v[0].(string)
			day, err := time.Parse(time.RFC3339Nano, ts)
			if err != nil {
				return nil, fmt.Errorf("reading the call-record checkpoint: time %q: %w", ts, err)
			}
			secs, err := strconv.ParseInt(fmt.Sprint(v[1]), 10, 64)
			if err != nil {
				// JSON numbers may come back as floats.
				var f float64
				if _, ferr := fmt.Sscan(fmt.Sprint(v[1]), &f); ferr != nil {
					return nil, fmt.Errorf("reading the call-record checkpoint: listed_at %v: %w", v[1], err)
				}
				secs = int64(f)
			}
			out[callrecords.Truncate(day).Unix()] = time.Unix(secs, 0).UTC()
		}
	}
	return out, nil
}

// callRecordPlan returns the days this run lists, oldest first: every day
// Graph keeps that is not complete yet, or with --since/--period every day
// from there on.
func (r *Runner) callRecordPlan(ctx context.Context) ([]time.Time, error) {
	from, to := CallRecordDays(r.now())
	forced := time.Time{}
	switch {
	case !r.Opts.Since.IsZero():
		forced = callrecords.Truncate(r.Opts.Since)
	case r.Opts.Period != "":
		var n int
		_, _ = fmt.Sscanf(r.Opts.Period, "D%d", &n)
		forced = to.AddDate(0, 0, -n)
	}
	var done map[int64]time.Time
	if forced.IsZero() {
		var err error
		if done, err = r.checkpoints(ctx, from, to); err != nil {
			return nil, err
		}
	}
	var days []time.Time
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if !forced.IsZero() {
			if !d.Before(forced) {
				days = append(days, d)
			}
			continue
		}
		if !Complete(d, done[d.Unix()]) {
			days = append(days, d)
		}
	}
	return days, nil
}

func (r *Runner) pullCallRecords(ctx context.Context) (o Outcome) {
	days, err := r.callRecordPlan(ctx)
	if err != nil {
		o.Err = err
		return o
	}
	if len(days) == 0 {
		o.Period = "up to date"
		return o
	}
	o.Period = days[0].Format("2006-01-02") + ".." + days[len(days)-1].Format("2006-01-02")
	var errs []error
	for i, day := range days {
		left := len(days) - i
		if ctx.Err() != nil {
			o.Err, o.DaysLeft = ctx.Err(), left
			return o
		}
		if !r.Opts.Deadline.IsZero() && !r.now().Before(r.Opts.Deadline) {
			o.Deferred, o.DaysLeft = "run budget (graph.run_budget) used", left
			break
		}
		r.progress(Progress{Step: CallRecordsName, Day: day, DaysDone: i, DaysTotal: len(days)})
		d, err := r.listDay(ctx, day, i, len(days))
		switch {
		case errors.Is(err, ErrThrottled):
			// Graph asks for a longer pause than we may wait: the same
			// limit holds for the next days, so leave them all.
			o.Deferred, o.DaysLeft = err.Error(), left
			o.Err = errors.Join(errs...)
			return o
		case err != nil && ctx.Err() != nil:
			o.Err, o.DaysLeft = ctx.Err(), left
			return o
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", day.Format("2006-01-02"), err))
			o.DaysLeft++
			continue
		}
		o.Days++
		o.Points++
		o.Records += d.Records
		r.logger().Info("call records of a day written", "day", day.Format("2006-01-02"), "records", d.Records,
			"group_meetings", d.GroupMeetings, "peer_to_peer", d.PeerToPeer, "unknown", d.Unknown,
			"participants_meetings", d.ParticipantsMeetings, "days_done", o.Days, "days_left", len(days)-i-1)
	}
	o.Err = errors.Join(errs...)
	return o
}

// listDay lists one day completely, reads the participants of its group
// meetings and writes its point, which is also the checkpoint (listed_at).
// Nothing is written unless the listing finished.
func (r *Runner) listDay(ctx context.Context, day time.Time, i, total int) (callrecords.Day, error) {
	listedAt := r.now()
	next := day.AddDate(0, 0, 1)
	agg := callrecords.New(day, next)
	var listed, participantFailures int64
	err := r.Source.CallRecords(ctx, day, next, func(rec callrecords.Record) error {
		listed++
		if listed%500 == 0 {
			r.progress(Progress{Step: CallRecordsName, Day: day, DaysDone: i, DaysTotal: total, Records: listed})
		}
		if !agg.Add(rec) || !r.Opts.Participants || rec.Type != callrecords.TypeGroupCall {
			return nil
		}
		n, err := r.Source.Participants(ctx, rec.ID)
		switch {
		case err == nil:
			agg.AddParticipants(rec.Start, n)
		case errors.Is(err, ErrThrottled) || ctx.Err() != nil:
			return err
		default:
			// The meeting's participants stay unknown (participants_meetings
			// says how many meetings the figure covers); the day still lands.
			participantFailures++
			r.logger().Debug("participants of a group meeting not read", "day", day.Format("2006-01-02"), "err", err)
		}
		return nil
	})
	if err != nil {
		return callrecords.Day{}, err
	}
	if participantFailures > 0 {
		r.logger().Warn("participants of some group meetings could not be read", "day", day.Format("2006-01-02"), "meetings", participantFailures)
	}
	agg.SetListedAt(listedAt)
	d := agg.Days()[0]
	if err := r.Store.Write(ctx, agg.Points(SourceGraph)); err != nil {
		return d, fmt.Errorf("writing to InfluxDB: %w", err)
	}
	return d, nil
}
