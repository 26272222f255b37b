package devices

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/stats"
)

// Fleet is the device part of the yearly report: the devices seen in the
// last year of the report, as of its end (or now, if earlier).
type Fleet struct {
	AsOf           string    `json:"as_of"`       // day the ages and states are taken at
	WindowFrom     string    `json:"window_from"` // first day of the window devices were counted in
	Devices        int       `json:"devices"`     // devices that reported in the window
	DevicesByYear  []YearN   `json:"devices_by_year"`
	MedianAgeYears *float64  `json:"median_age_years"`
	AgeFromFW      int       `json:"age_from_firmware_date"` // devices whose age comes from the firmware date
	AgeFromSeen    int       `json:"age_from_first_seen"`    // … from the first report instead
	AgeBuckets     []Bucket  `json:"age_distribution"`
	PlannedLife    float64   `json:"planned_life_years"`
	DueReplacement int       `json:"due_for_replacement"` // devices older than the planned life
	Batteries      int       `json:"batteries"`
	HealthBuckets  []Bucket  `json:"battery_health_distribution"`
	MedianHealth   *float64  `json:"median_battery_health_pct"`
	BelowHealth    int       `json:"batteries_below_80_pct"`
	OverCycles     int       `json:"batteries_over_1000_cycles"`
	DueBattery     int       `json:"devices_due_for_battery"` // devices with a battery below 80 % or over 1,000 cycles
	Uptime         UptimeMix `json:"uptime"`
}

// YearN is a count of devices in one year.
type YearN struct {
	Year    int `json:"year"`
	Devices int `json:"devices"`
}

// Bucket is one bar of a distribution (years, percent or days).
type Bucket = stats.Bucket

// UptimeMix describes reboot habits: the last uptime of devices that
// reported in the last 30 days of the window.
type UptimeMix struct {
	Devices         int      `json:"devices"`
	NotRebooted30d  int      `json:"not_rebooted_30d"`
	NotRebootedPct  *float64 `json:"not_rebooted_30d_pct"`
	MedianUptimeDay *float64 `json:"median_uptime_days"`
	Buckets         []Bucket `json:"distribution"` // in days
}

// SourceSpan says over which days one source has data.
type SourceSpan struct {
	Source      string `json:"source"`
	Measurement string `json:"measurement"`
	FirstDay    string `json:"first_day,omitempty"`
	LastDay     string `json:"last_day,omitempty"`
	Days        int    `json:"days"`
}

func f(v float64) *float64 { return &v }

// BuildFleet computes the fleet figures for the report years from..to.
// The snapshot covers devices that reported in year to, taken at the end
// of that year or at now if earlier; plannedLife is in years.
func BuildFleet(ctx context.Context, q Querier, from, to int, plannedLife float64, now time.Time) (*Fleet, error) {
	now = now.UTC()
	start := time.Date(to, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(1, 0, 0)
	if now.Before(end) {
		end = now
	}
	fl := &Fleet{AsOf: end.Add(-time.Nanosecond).Format(time.DateOnly), WindowFrom: start.Format(time.DateOnly), PlannedLife: plannedLife,
		DevicesByYear: []YearN{}}
	for y := from; y <= to; y++ {
		ys := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		series, err := q.Query(ctx, fmt.Sprintf(`SELECT count("last_seen") FROM "device_daily" WHERE time >= %s AND time < %s GROUP BY "device_id"`, influx.TimeLiteral(ys), influx.TimeLiteral(ys.AddDate(1, 0, 0))))
		if err != nil {
			return nil, fmt.Errorf("fleet size %d: %w", y, err)
		}
		if len(series) > 0 {
			fl.DevicesByYear = append(fl.DevicesByYear, YearN{Year: y, Devices: len(series)})
		}
	}
	snaps, err := latest(ctx, q, start, end)
	if err != nil {
		return nil, err
	}
	fl.Devices = len(snaps)

	// Age: firmware date, else the first report ever.
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT first("last_seen") AS "first_seen" FROM "device_daily" WHERE time >= '%s' AND time < %s GROUP BY "device_id"`, epochQueryFloor, influx.TimeLiteral(end)))
	if err != nil {
		return nil, fmt.Errorf("first seen: %w", err)
	}
	firstSeen := map[string]time.Time{}
	for _, s := range series {
		for _, r := range s.Rows() {
			if v, ok := r.Num("first_seen"); ok {
				firstSeen[s.Tags["device_id"]] = unixTime(v)
			}
		}
	}
	fl.AgeBuckets = stats.Buckets([]float64{1, 2, 3, 4, 5, 6}, []string{"0–1", "1–2", "2–3", "3–4", "4–5", "5–6", "6+"})
	fl.HealthBuckets = stats.Buckets([]float64{60, 70, 80, 90}, []string{"<60", "60–70", "70–80", "80–90", "90+"})
	fl.Uptime.Buckets = stats.Buckets([]float64{1, 7, 30}, []string{"<1", "1–7", "7–30", "30+"})
	var ages, healths, uptimes []float64
	uptimeSince := end.Add(-RebootDays * day)
	const yearHours = 365.2425 * 24
	for _, s := range snaps {
		var born time.Time
		if t, err := time.Parse(time.DateOnly, s.firmwareDate); err == nil && t.Before(end) {
			born = t
			fl.AgeFromFW++
		} else if t, ok := firstSeen[s.id]; ok {
			born = t
			fl.AgeFromSeen++
		}
		if !born.IsZero() {
			age := end.Sub(born).Hours() / yearHours
			ages = append(ages, age)
			stats.Add(fl.AgeBuckets, age)
			if plannedLife > 0 && age > plannedLife {
				fl.DueReplacement++
			}
		}
		due := false
		for _, b := range s.batteries {
			fl.Batteries++
			if b.HealthPct != nil {
				healths = append(healths, *b.HealthPct)
				stats.Add(fl.HealthBuckets, *b.HealthPct)
				if *b.HealthPct < HealthDuePct {
					fl.BelowHealth++
					due = true
				}
			}
			if b.CycleCount != nil && *b.CycleCount > CyclesDue {
				fl.OverCycles++
				due = true
			}
		}
		if due {
			fl.DueBattery++
		}
		if s.uptime != nil && !s.lastSeen.Before(uptimeSince) {
			days := *s.uptime / day.Seconds()
			uptimes = append(uptimes, days)
			stats.Add(fl.Uptime.Buckets, days)
			fl.Uptime.Devices++
			if days >= RebootDays {
				fl.Uptime.NotRebooted30d++
			}
		}
	}
	fl.MedianAgeYears = stats.Median(ages)
	fl.MedianHealth = stats.Median(healths)
	fl.Uptime.MedianUptimeDay = stats.Median(uptimes)
	if fl.Uptime.Devices > 0 {
		fl.Uptime.NotRebootedPct = f(round(float64(fl.Uptime.NotRebooted30d)/float64(fl.Uptime.Devices)*100, 1))
	}
	return fl, nil
}

// Span reads the first and last day with data of a daily measurement in
// [from, to) and how many days have data.
func Span(ctx context.Context, q Querier, source, measurement, field string, from, to time.Time) (SourceSpan, error) {
	sp := SourceSpan{Source: source, Measurement: measurement}
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT count(%q) FROM %q WHERE time >= %s AND time < %s GROUP BY time(1d) fill(none)`, field, measurement, influx.TimeLiteral(from), influx.TimeLiteral(to)))
	if err != nil {
		return sp, fmt.Errorf("span of %s: %w", measurement, err)
	}
	var first, last time.Time
	for _, s := range series {
		for _, r := range s.Rows() {
			t, err := r.Time()
			if err != nil {
				return sp, fmt.Errorf("span of %s: %w", measurement, err)
			}
			if v, ok := r.Num("count"); !ok || v == 0 || math.IsNaN(v) {
				continue
			}
			sp.Days++
			if first.IsZero() || t.Before(first) {
				first = t
			}
			if t.After(last) {
				last = t
			}
		}
	}
	if sp.Days > 0 {
		sp.FirstDay, sp.LastDay = first.Format(time.DateOnly), last.Format(time.DateOnly)
	}
	return sp, nil
}
