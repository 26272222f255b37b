package meetings

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// Querier runs InfluxQL (influx.Client does).
type Querier interface {
	Query(ctx context.Context, influxql string) ([]influx.Series, error)
}

// Writer writes points (influx.Client does).
type Writer interface {
	Write(ctx context.Context, points []influx.Point) error
}

// Daily is one platform's meeting count on one UTC day, read back from the
// "meetings" measurement.
type Daily struct {
	Platform string
	Day      time.Time
	Meetings int64
}

// QueryDaily reads the "meetings" field of every platform and day in the
// calendar years fromYear..toYear (UTC), one query per year.
func QueryDaily(ctx context.Context, q Querier, fromYear, toYear int) ([]Daily, error) {
	var out []Daily
	for y := fromYear; y <= toYear; y++ {
		start := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		end := start.AddDate(1, 0, 0)
		iql := fmt.Sprintf(`SELECT "meetings" FROM %q WHERE time >= '%s' AND time < '%s' GROUP BY "platform"`,
			schema.Meetings, start.Format(time.RFC3339), end.Format(time.RFC3339))
		series, err := q.Query(ctx, iql)
		if err != nil {
			return nil, fmt.Errorf("read daily meetings of %d: %w", y, err)
		}
		for _, s := range series {
			ti, mi := colIndex(s.Columns, "time"), colIndex(s.Columns, "meetings")
			if ti < 0 || mi < 0 {
				return nil, fmt.Errorf("read daily meetings of %d: unexpected columns %v", y, s.Columns)
			}
			for _, row := range s.Values {
				if len(row) <= max(ti, mi) || row[mi] == nil {
					continue
				}
				ts, _ := row[ti].(string)
				day, err := time.Parse(time.RFC3339Nano, ts)
				if err != nil {
					return nil, fmt.Errorf("read daily meetings of %d: time %v: %w", y, row[ti], err)
				}
				n, err := toInt(row[mi])
				if err != nil {
					return nil, fmt.Errorf("read daily meetings of %d: %w", y, err)
				}
				out = append(out, Daily{Platform: s.Tags["platform"], Day: day.UTC(), Meetings: n})
			}
		}
	}
	return out, nil
}

func colIndex(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	return -1
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case float64:
		return int64(math.Round(x)), nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case json.Number:
		return x.Int64()
	}
	return 0, fmt.Errorf("meetings value %v (%T) is not a number", v, v)
}

// Total is a platform's meetings in one calendar month or year.
type Total struct {
	Platform string
	Year     int
	Month    int // 1-12; 0 for a yearly total
	Meetings int64
	Days     int // days with data
	// GrowthPct is the change against the previous period (month or year)
	// in per cent; nil when that period has no data or zero meetings.
	GrowthPct *float64
	// YoYPct (months only) is the change against the same month a year
	// earlier; nil as for GrowthPct.
	YoYPct *float64
}

// Growth returns (cur-prev)/prev in per cent rounded to 0.1, or nil for a
// missing or zero base.
func Growth(cur, prev int64, hasPrev bool) *float64 {
	if !hasPrev || prev == 0 {
		return nil
	}
	g := math.Round(float64(cur-prev)/float64(prev)*1000) / 10
	return &g
}

type periodKey struct {
	platform    string
	year, month int
}

type acc struct {
	meetings int64
	days     int
}

func sum(days []Daily, monthly bool) map[periodKey]*acc {
	m := map[periodKey]*acc{}
	for _, d := range days {
		k := periodKey{d.Platform, d.Day.Year(), 0}
		if monthly {
			k.month = int(d.Day.Month())
		}
		a := m[k]
		if a == nil {
			a = &acc{}
			m[k] = a
		}
		a.meetings += d.Meetings
		a.days++
	}
	return m
}

// Yearly sums days into calendar years fromYear..toYear, one Total per
// platform and year that has data, sorted by platform and year. Growth is
// against the year before when days holds data for it.
func Yearly(days []Daily, fromYear, toYear int) []Total {
	m := sum(days, false)
	var out []Total
	for k, a := range m {
		if k.year < fromYear || k.year > toYear {
			continue
		}
		prev, ok := m[periodKey{k.platform, k.year - 1, 0}]
		var pm int64
		if ok {
			pm = prev.meetings
		}
		out = append(out, Total{Platform: k.platform, Year: k.year, Meetings: a.meetings, Days: a.days, GrowthPct: Growth(a.meetings, pm, ok)})
	}
	sortTotals(out)
	return out
}

// Monthly is Yearly by calendar month; GrowthPct is against the month
// before, YoYPct against the same month a year before.
func Monthly(days []Daily, fromYear, toYear int) []Total {
	m := sum(days, true)
	var out []Total
	for k, a := range m {
		if k.year < fromYear || k.year > toYear {
			continue
		}
		py, pmon := k.year, k.month-1
		if pmon == 0 {
			py, pmon = k.year-1, 12
		}
		t := Total{Platform: k.platform, Year: k.year, Month: k.month, Meetings: a.meetings, Days: a.days}
		if p, ok := m[periodKey{k.platform, py, pmon}]; ok {
			t.GrowthPct = Growth(a.meetings, p.meetings, true)
		}
		if p, ok := m[periodKey{k.platform, k.year - 1, k.month}]; ok {
			t.YoYPct = Growth(a.meetings, p.meetings, true)
		}
		out = append(out, t)
	}
	sortTotals(out)
	return out
}

func sortTotals(t []Total) {
	sort.Slice(t, func(i, j int) bool {
		if t[i].Platform != t[j].Platform {
			return t[i].Platform < t[j].Platform
		}
		if t[i].Year != t[j].Year {
			return t[i].Year < t[j].Year
		}
		return t[i].Month < t[j].Month
	})
}

// RollupPoints turns totals into points of meetings_monthly (Month > 0,
// time = first of the month) and meetings_yearly (time = 1 January), tag
// platform, fields meetings, days, growth_pct and (monthly) growth_yoy_pct.
func RollupPoints(totals []Total) []influx.Point {
	out := make([]influx.Point, 0, len(totals))
	for _, t := range totals {
		p := influx.Point{
			Measurement: schema.MeetingsYearly,
			Tags:        map[string]string{"platform": t.Platform},
			Fields:      map[string]any{"meetings": t.Meetings, "days": int64(t.Days)},
			Time:        time.Date(t.Year, 1, 1, 0, 0, 0, 0, time.UTC),
		}
		if t.Month > 0 {
			p.Measurement = schema.MeetingsMonthly
			p.Time = time.Date(t.Year, time.Month(t.Month), 1, 0, 0, 0, 0, time.UTC)
		}
		if t.GrowthPct != nil {
			p.Fields["growth_pct"] = *t.GrowthPct
		}
		if t.YoYPct != nil {
			p.Fields["growth_yoy_pct"] = *t.YoYPct
		}
		out = append(out, p)
	}
	return out
}

// UpdateRollups recomputes meetings_monthly and meetings_yearly for the
// years fromYear..toYear from the daily "meetings" points (reading one more
// year back for the growth base) and writes them. It returns the number of
// rollup points written.
func UpdateRollups(ctx context.Context, qw interface {
	Querier
	Writer
}, fromYear, toYear int) (int, error) {
	days, err := QueryDaily(ctx, qw, fromYear-1, toYear)
	if err != nil {
		return 0, err
	}
	points := RollupPoints(append(Monthly(days, fromYear, toYear), Yearly(days, fromYear, toYear)...))
	if len(points) == 0 {
		return 0, nil
	}
	if err := qw.Write(ctx, points); err != nil {
		return 0, fmt.Errorf("write rollups %d-%d: %w", fromYear, toYear, err)
	}
	return len(points), nil
}

// Years returns the first and last calendar year of the "meetings" records
// in recs (ok=false when there are none).
func Years(recs []Record) (from, to int, ok bool) {
	for _, r := range recs {
		if r.Measurement != schema.Meetings {
			continue
		}
		y := r.Day.Year()
		if !ok || y < from {
			from = y
		}
		if !ok || y > to {
			to = y
		}
		ok = true
	}
	return from, to, ok
}
