package report

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/devices"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// Yearly is the yearly sustainability report: the meetings report (its
// JSON fields stay at the top level: meetings_by_year, …) plus minutes by
// modality, the fleet, the hardware's longevity, its embodied CO2e and
// the method (which days each source covers).
type Yearly struct {
	*MeetingsReport
	GeneratedAt time.Time            `json:"generated_at"`
	Minutes     []MinutesRow         `json:"minutes_by_year"`
	Fleet       *devices.Fleet       `json:"fleet"`
	Longevity   *lifecycle.Longevity `json:"longevity"`
	// Carbon is the embodied CO2e over service life and, only with the
	// analyst's travel factors, the travel estimate (docs/carbon.md).
	Carbon *carbon.Section      `json:"carbon"`
	Method []devices.SourceSpan `json:"method"`
}

// MinutesRow is one platform's meeting time in one year, in minutes, by
// modality where the source has it (Teams: audio, video, screen share;
// Zoom and meetings-daily: total meeting minutes). Null: not known.
type MinutesRow struct {
	Platform    string `json:"platform"`
	Year        int    `json:"year"`
	Audio       *int64 `json:"audio_min"`
	Video       *int64 `json:"video_min"`
	ScreenShare *int64 `json:"screenshare_min"`
	Meeting     *int64 `json:"meeting_min"`
}

// Options adjust BuildYearly.
type Options struct {
	// PlannedLifeYears is the planned life of a device; older devices are
	// due for replacement (default 5).
	PlannedLifeYears float64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Carbon configures the CO2e figures (config carbon.*; the command
	// passes the configuration's). The zero value takes a 4-year baseline
	// for every device, no overrides and no travel estimate.
	Carbon carbon.Options
}

// BuildYearly reads everything the yearly report needs for the calendar
// years from..to (UTC).
func BuildYearly(ctx context.Context, q devices.Querier, from, to int, opts Options) (*Yearly, error) {
	if opts.PlannedLifeYears <= 0 {
		opts.PlannedLifeYears = 5
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := opts.Now().UTC()
	if from > to {
		return nil, fmt.Errorf("report: --from %d is after --to %d", from, to)
	}
	days, err := meetings.QueryDaily(ctx, q, from, to)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	y := &Yearly{MeetingsReport: FromDaily(days, from, to), GeneratedAt: now.Truncate(time.Second), Minutes: []MinutesRow{}, Method: []devices.SourceSpan{}}
	if y.Minutes, err = queryMinutes(ctx, q, from, to); err != nil {
		return nil, err
	}
	if y.Fleet, err = devices.BuildFleet(ctx, q, from, to, opts.PlannedLifeYears, now); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if y.Longevity, err = lifecycle.Build(ctx, q, from, to, opts.PlannedLifeYears, now); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if y.Carbon, err = carbon.Build(ctx, q, from, to, opts.Carbon, now); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	start := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to+1, 1, 1, 0, 0, 0, 0, time.UTC)
	y.Method = append(y.Method, meetingSpans(days, from, to)...)
	for _, s := range []struct{ source, m, field string }{
		{"devices", schema.DeviceDaily, "last_seen"},
		{"batteries", schema.BatteryDaily, "last_seen"},
	} {
		sp, err := devices.Span(ctx, q, s.source, s.m, s.field, start, end)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		y.Method = append(y.Method, sp)
	}
	return y, nil
}

// meetingSpans gives the first and last day with data per platform.
func meetingSpans(days []meetings.Daily, from, to int) []devices.SourceSpan {
	by := map[string]*devices.SourceSpan{}
	var first, last = map[string]time.Time{}, map[string]time.Time{}
	for _, d := range days {
		if y := d.Day.Year(); y < from || y > to {
			continue
		}
		sp := by[d.Platform]
		if sp == nil {
			sp = &devices.SourceSpan{Source: "meetings:" + d.Platform, Measurement: schema.Meetings}
			by[d.Platform] = sp
		}
		sp.Days++
		if f, ok := first[d.Platform]; !ok || d.Day.Before(f) {
			first[d.Platform] = d.Day
		}
		if l, ok := last[d.Platform]; !ok || d.Day.After(l) {
			last[d.Platform] = d.Day
		}
	}
	out := make([]devices.SourceSpan, 0, len(by))
	for p, sp := range by {
		sp.FirstDay, sp.LastDay = first[p].Format(time.DateOnly), last[p].Format(time.DateOnly)
		out = append(out, *sp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

func queryMinutes(ctx context.Context, q devices.Querier, from, to int) ([]MinutesRow, error) {
	out := []MinutesRow{}
	for y := from; y <= to; y++ {
		start := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		series, err := q.Query(ctx, fmt.Sprintf(`SELECT sum("audio_s") AS "audio_s", sum("video_s") AS "video_s", sum("screenshare_s") AS "screenshare_s", sum("minutes") AS "minutes" FROM %q WHERE time >= '%s' AND time < '%s' GROUP BY "platform"`,
			schema.Meetings, start.Format(time.RFC3339), start.AddDate(1, 0, 0).Format(time.RFC3339)))
		if err != nil {
			return nil, fmt.Errorf("report: minutes of %d: %w", y, err)
		}
		for _, s := range series {
			for _, v := range s.Values {
				get := func(name string, div float64) *int64 {
					for i, c := range s.Columns {
						if c == name && i < len(v) {
							if x, ok := v[i].(float64); ok {
								n := int64(x/div + 0.5)
								return &n
							}
						}
					}
					return nil
				}
				r := MinutesRow{Platform: s.Tags["platform"], Year: y, Audio: get("audio_s", 60), Video: get("video_s", 60), ScreenShare: get("screenshare_s", 60), Meeting: get("minutes", 1)}
				if r.Audio != nil || r.Video != nil || r.ScreenShare != nil || r.Meeting != nil {
					out = append(out, r)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Platform != out[j].Platform {
			return out[i].Platform < out[j].Platform
		}
		return out[i].Year < out[j].Year
	})
	return out, nil
}

// WriteYearlyJSON writes the yearly report as one indented JSON object.
func WriteYearlyJSON(w io.Writer, y *Yearly) error { return writeJSON(w, y) }

type devicesBucket = devices.Bucket
