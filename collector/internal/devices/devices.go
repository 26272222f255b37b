// Package devices answers questions about the fleet from the device,
// device_daily, battery and battery_daily measurements that ingest writes:
// one device's story for IT support (Story), a flagged list (List) and the
// fleet figures of the yearly report (BuildFleet). It only reads InfluxDB.
package devices

import (
	"context"
	"errors"
	"math"
	"sort"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
)

// Querier runs InfluxQL; *influx.Client is one.
type Querier interface {
	Query(ctx context.Context, influxql string) ([]influx.Series, error)
}

// Thresholds behind the flags; docs/api.md documents them.
const (
	HealthDuePct     = 80.0           // a battery below this is due for replacement
	CyclesDue        = 1000           // a battery above this many cycles is due
	RebootDays       = 30             // not rebooted for this long is flagged
	NotSeenDays      = 14             // not reported for this long is flagged
	BootWindowDays   = 30             // boots are counted over this window
	TrendWindowDays  = 365            // battery trends are fitted over this window
	ListWindowDays   = 400            // List covers devices seen in this window
	bootJitterS      = 60             // boot times closer than this are one boot
	day              = 24 * time.Hour //
	minTrendSpanDays = 7              // a trend needs at least this many days of data
	epochQueryFloor  = "2000-01-01T00:00:00Z"
)

// Flags, as they appear in JSON and in ?flag=.
const (
	FlagBatteryHealth = "battery_health_below_80"
	FlagBatteryCycles = "battery_cycles_over_1000"
	FlagNotRebooted   = "not_rebooted_30d"
	FlagNotSeen       = "not_seen_14d"
)

// AllFlags lists every flag in a stable order.
var AllFlags = []string{FlagBatteryHealth, FlagBatteryCycles, FlagNotRebooted, FlagNotSeen}

// ErrNotFound means no device has that ID, hostname or serial.
var ErrNotFound = errors.New("device not found")

// Device is one device's story.
type Device struct {
	ID           string            `json:"device_id"`
	Hostname     string            `json:"hostname"`
	Serial       string            `json:"serial,omitempty"`
	OS           string            `json:"os,omitempty"`
	OSVersion    string            `json:"os_version,omitempty"`
	Manufacturer string            `json:"manufacturer,omitempty"`
	Model        string            `json:"model,omitempty"`
	FirmwareDate string            `json:"firmware_date,omitempty"`
	AgentVersion string            `json:"agent_version,omitempty"`
	Labels       map[string]string `json:"labels"`
	FirstSeen    *time.Time        `json:"first_seen,omitempty"`
	LastSeen     time.Time         `json:"last_seen"`
	// UptimeS is the uptime at LastSeen; UptimeNowS adds the time since
	// then when the device was seen within the last hour (else null: it is
	// probably off or offline).
	UptimeS    *float64   `json:"uptime_s"`
	UptimeNowS *float64   `json:"uptime_now_s"`
	BootTime   *time.Time `json:"boot_time"`
	// Boots30d counts distinct boot times in the last 30 days (boot times
	// less than a minute apart are one boot).
	Boots30d  int       `json:"boots_30d"`
	Batteries []Battery `json:"batteries"`
	Flags     []string  `json:"flags"`
}

// Battery is one battery's state and trend.
type Battery struct {
	Name       string     `json:"battery"`
	HealthPct  *float64   `json:"health_pct"`
	CycleCount *int64     `json:"cycle_count"`
	DesignWh   *float64   `json:"design_wh,omitempty"`
	FullWh     *float64   `json:"full_wh,omitempty"`
	LastSeen   *time.Time `json:"last_seen,omitempty"`
	// HealthPer90d and CyclesPer90d are least-squares slopes over the daily
	// values of the last 365 days, scaled to 90 days; null with less than
	// a week of data.
	HealthPer90d *float64 `json:"health_change_per_90d"`
	CyclesPer90d *float64 `json:"cycles_per_90d"`
	TrendFrom    *string  `json:"trend_from,omitempty"`
	TrendDays    int      `json:"trend_days"`
}

// Summary is one device in a list.
type Summary struct {
	ID        string     `json:"device_id"`
	Hostname  string     `json:"hostname"`
	Serial    string     `json:"serial,omitempty"`
	Model     string     `json:"model,omitempty"`
	LastSeen  time.Time  `json:"last_seen"`
	UptimeS   *float64   `json:"uptime_s"`
	Boots30d  int        `json:"boots_30d"`
	Batteries []BatState `json:"batteries"`
	Flags     []string   `json:"flags"`
}

// BatState is a battery's latest health and cycles.
type BatState struct {
	Name       string   `json:"battery"`
	HealthPct  *float64 `json:"health_pct"`
	CycleCount *int64   `json:"cycle_count"`
}

// unixTime turns a unix-seconds field into a time.
func unixTime(v float64) time.Time { return time.Unix(int64(v), 0).UTC() }

// countBoots counts distinct boot times at or after since, treating boot
// times less than bootJitterS apart as one boot (Windows derives the boot
// time from the uptime and may jitter by a second).
func countBoots(bootTimes []float64, since time.Time) int {
	var ts []int64
	for _, b := range bootTimes {
		if int64(b) >= since.Unix() {
			ts = append(ts, int64(b))
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	n := 0
	var last int64
	for i, t := range ts {
		if i == 0 || t-last >= bootJitterS {
			n++
		}
		last = t
	}
	return n
}

// flags derives the flags of a device.
func flags(now, lastSeen time.Time, uptime *float64, bats []BatState) []string {
	out := []string{}
	var health, cycles bool
	for _, b := range bats {
		if b.HealthPct != nil && *b.HealthPct < HealthDuePct {
			health = true
		}
		if b.CycleCount != nil && *b.CycleCount > CyclesDue {
			cycles = true
		}
	}
	if health {
		out = append(out, FlagBatteryHealth)
	}
	if cycles {
		out = append(out, FlagBatteryCycles)
	}
	if uptime != nil && *uptime >= RebootDays*day.Seconds() {
		out = append(out, FlagNotRebooted)
	}
	if now.Sub(lastSeen) > NotSeenDays*day {
		out = append(out, FlagNotSeen)
	}
	return out
}

// ValidFlag reports whether f is a known flag.
func ValidFlag(f string) bool {
	for _, k := range AllFlags {
		if k == f {
			return true
		}
	}
	return false
}

// slope fits y = a + b·x by least squares and returns b; ok is false with
// fewer than two distinct x.
func slope(xs, ys []float64) (float64, bool) {
	n := float64(len(xs))
	if len(xs) < 2 {
		return 0, false
	}
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var sxx, sxy float64
	for i := range xs {
		sxx += (xs[i] - mx) * (xs[i] - mx)
		sxy += (xs[i] - mx) * (ys[i] - my)
	}
	if sxx == 0 {
		return 0, false
	}
	return sxy / sxx, true
}

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// CountBoots is countBoots for tests and callers with raw boot times.
func CountBoots(bootTimes []float64, since time.Time) int { return countBoots(bootTimes, since) }
