// Package inventory reads what the agent reports about one device: identity,
// uptime, boot time, memory and disk size, and each battery. Every source
// lives in its own file; OS-specific sources are in *_linux.go, *_darwin.go,
// *_windows.go and *_other.go, while the parsers they use take an io.Reader
// and build on every OS so that they are tested everywhere.
package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"
)

// Device is the identity and state of one machine.
type Device struct {
	ID            string `json:"id"`
	Hostname      string `json:"hostname"`
	OS            string `json:"os"`
	OSVersion     string `json:"os_version"`
	OSDescription string `json:"os_description,omitempty"`
	Arch          string `json:"arch"`
	Manufacturer  string `json:"manufacturer"`
	Model         string `json:"model"`
	// ModelIdentifier is the machine-readable model where the hardware
	// keeps one apart from the marketing name in Model (a Lenovo's machine
	// type-model); empty elsewhere.
	ModelIdentifier string `json:"model_identifier,omitempty"`
	Serial          string `json:"serial"`
	FirmwareDate    string `json:"firmware_date,omitempty"`
	// OSInstallTime is unix seconds, 0 when unknown. In JSON it is RFC 3339
	// (UTC) or null; see MarshalJSON.
	OSInstallTime int64   `json:"os_install_time"`
	MemoryBytes   uint64  `json:"memory_bytes,omitempty"`
	DiskBytes     uint64  `json:"disk_bytes,omitempty"`
	DiskMount     string  `json:"disk_mountpoint,omitempty"`
	UptimeS       float64 `json:"uptime_s"`
	// BootTime is unix seconds.
	BootTime     int64  `json:"boot_time"`
	AgentVersion string `json:"agent_version"`
}

// MarshalJSON writes Device with os_install_time as an RFC 3339 time in
// UTC, or null when unknown; every other key as tagged.
func (d Device) MarshalJSON() ([]byte, error) {
	type plain Device
	var it *string
	if d.OSInstallTime > 0 {
		s := time.Unix(d.OSInstallTime, 0).UTC().Format(time.RFC3339)
		it = &s
	}
	// The outer field shadows the embedded one of the same JSON name.
	return json.Marshal(struct {
		plain
		OSInstallTime *string `json:"os_install_time"`
	}{plain(d), it})
}

// Battery is one battery. Pointer fields are nil (JSON null) when unknown.
type Battery struct {
	Name            string   `json:"name"`
	CycleCount      *int64   `json:"cycle_count"`
	DesignWh        *float64 `json:"design_wh"`
	FullWh          *float64 `json:"full_wh"`
	HealthPct       *float64 `json:"health_pct"`
	ChargePct       *float64 `json:"charge_pct"`
	State           string   `json:"state"`
	VoltageV        *float64 `json:"voltage_v,omitempty"`
	Vendor          string   `json:"vendor,omitempty"`
	Model           string   `json:"model,omitempty"`
	Chemistry       string   `json:"chemistry,omitempty"`
	Serial          string   `json:"serial,omitempty"`
	ManufactureDate string   `json:"manufacture_date,omitempty"`
	// Implausible lists readings withheld as implausible, each with the
	// value read (see finish); the battery still reports.
	Implausible []string `json:"implausible,omitempty"`
	// MissingSource names a source that failed, so that the battery is
	// reported from a lesser one (Windows without root\WMI).
	MissingSource string `json:"missing_source,omitempty"`
}

// Battery states, as in hw.battery.state.
const (
	StateCharging    = "charging"
	StateDischarging = "discharging"
	StateFull        = "full"
	StateNotCharging = "not_charging"
	StateUnknown     = "unknown"
)

// Snapshot is everything read at one moment.
type Snapshot struct {
	Time      time.Time         `json:"time"`
	Device    Device            `json:"device"`
	Batteries []Battery         `json:"batteries"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// Options configure a Reader.
type Options struct {
	// SysfsRoot is the Linux sysfs root ("/sys").
	SysfsRoot string
	// RootFS is where the root file system is found ("/"); the OS install
	// time is read from file times below it (Linux, macOS).
	RootFS       string
	AgentVersion string
	Labels       map[string]string
}

// Reader reads snapshots. A source that fails is logged once at debug level
// and skipped; it never stops the others.
type Reader struct {
	opts   Options
	log    *slog.Logger
	mu     sync.Mutex
	logged map[string]bool
	// hw caches the hardware identity, which does not change while running;
	// it is read again while its reads fail in a way that may pass.
	hw *hardware
	// host caches the slow-changing host facts.
	host *hostCache

	hwSource  source[hardware]
	batSource source[[]Battery]
}

// NewReader returns a Reader.
func NewReader(opts Options, log *slog.Logger) *Reader {
	if opts.SysfsRoot == "" {
		opts.SysfsRoot = "/sys"
	}
	if opts.RootFS == "" {
		opts.RootFS = "/"
	}
	return &Reader{opts: opts, log: log, logged: map[string]bool{},
		hwSource: source[hardware]{name: "hardware"}, batSource: source[[]Battery]{name: "battery"}}
}

// hardware is the slow-changing identity read once per process.
type hardware struct {
	Manufacturer, Model, ModelIdentifier, Serial, FirmwareDate string
	OSInstallTime                                              int64
	// OSInstallSource says where OSInstallTime came from (debug log).
	OSInstallSource string
}

// failed logs a source error once per process at debug level.
func (r *Reader) failed(ctx context.Context, source string, err error) {
	r.mu.Lock()
	seen := r.logged[source]
	r.logged[source] = true
	r.mu.Unlock()
	if !seen {
		r.log.DebugContext(ctx, "source skipped", "source", source, "err", err)
	}
}

// Read takes a snapshot now. The hardware identity and the batteries are
// read under ctx's deadline (see source): what has not answered by then is
// left out of the snapshot and named in the error, a *SourceError for each.
// Anything else that fails is left out and logged once at debug level.
func (r *Reader) Read(ctx context.Context) (Snapshot, error) {
	s := Snapshot{Time: time.Now(), Labels: r.opts.Labels, Batteries: []Battery{}}
	s.Device.AgentVersion = r.opts.AgentVersion
	r.readHost(ctx, &s.Device)
	var errs []error
	r.mu.Lock()
	hw := r.hw
	r.mu.Unlock()
	if hw == nil {
		opts := r.opts
		h, err := r.hwSource.run(ctx, func(ctx context.Context) (hardware, error) { return readHardware(ctx, opts) })
		var se *SourceError
		switch {
		case errors.As(err, &se):
			errs = append(errs, err)
		case err != nil:
			r.failed(ctx, "hardware", err)
		}
		if h.OSInstallTime > 0 {
			r.log.DebugContext(ctx, "os install time", "time", time.Unix(h.OSInstallTime, 0).UTC(), "source", h.OSInstallSource)
		}
		hw = &h
		if !isTransient(err) {
			r.mu.Lock()
			r.hw = hw
			r.mu.Unlock()
		}
	}
	s.Device.Manufacturer = hw.Manufacturer
	s.Device.Model = hw.Model
	s.Device.ModelIdentifier = hw.ModelIdentifier
	s.Device.Serial = hw.Serial
	s.Device.FirmwareDate = hw.FirmwareDate
	s.Device.OSInstallTime = hw.OSInstallTime
	root := r.opts.SysfsRoot
	bats, err := r.batSource.run(ctx, func(ctx context.Context) ([]Battery, error) { return readBatteries(ctx, root) })
	var se *SourceError
	switch {
	case errors.As(err, &se):
		errs = append(errs, err)
	case err != nil:
		r.failed(ctx, "battery", err)
	}
	if bats != nil {
		s.Batteries = bats
	}
	return s, errors.Join(errs...)
}

// Plausibility bounds. A reading outside them is a firmware or embedded
// controller fault (an energy_full 47 times the design, a cycle count of
// 65535 meaning "unknown"), not a battery: it is withheld, and the battery
// reports the reason instead of the figure.
const (
	minHealthPct = 10
	maxHealthPct = 150
	maxCycles    = 10_000
)

// finish rounds the readings of b, derives health (unless the parser set
// it from finer units), and withholds implausible readings: a capacity that
// is not positive, a health outside minHealthPct–maxHealthPct (both
// capacities go: either may be the wrong one, and a pair left behind would
// give the same health again), a cycle count above maxCycles. Each is named
// with its value in b.Implausible.
func finish(b *Battery) {
	b.DesignWh = round(b.DesignWh, 3)
	b.FullWh = round(b.FullWh, 3)
	b.VoltageV = round(b.VoltageV, 3)
	if b.DesignWh != nil && *b.DesignWh <= 0 {
		b.Implausible = append(b.Implausible, fmt.Sprintf("design_wh %g is not positive", *b.DesignWh))
		b.DesignWh, b.HealthPct = nil, nil
	}
	if b.FullWh != nil && *b.FullWh <= 0 {
		b.Implausible = append(b.Implausible, fmt.Sprintf("full_wh %g is not positive", *b.FullWh))
		b.FullWh, b.HealthPct = nil, nil
	}
	if b.HealthPct == nil && b.DesignWh != nil && b.FullWh != nil {
		b.HealthPct = ptr(*b.FullWh / *b.DesignWh * 100)
	}
	b.HealthPct = round(b.HealthPct, 2)
	if h := b.HealthPct; h != nil && (*h < minHealthPct || *h > maxHealthPct) {
		msg := fmt.Sprintf("health_pct %g outside %d–%d", *h, minHealthPct, maxHealthPct)
		if b.FullWh != nil && b.DesignWh != nil {
			msg += fmt.Sprintf(" (full_wh %g, design_wh %g)", *b.FullWh, *b.DesignWh)
		}
		b.Implausible = append(b.Implausible, msg)
		b.HealthPct, b.FullWh, b.DesignWh = nil, nil, nil
	}
	if b.CycleCount != nil && *b.CycleCount > maxCycles {
		b.Implausible = append(b.Implausible, fmt.Sprintf("cycle_count %d above %d", *b.CycleCount, maxCycles))
		b.CycleCount = nil
	}
	if b.ChargePct != nil {
		b.ChargePct = round(ptr(math.Max(0, math.Min(100, *b.ChargePct))), 2)
	}
	if b.State == "" {
		b.State = StateUnknown
	}
}

func ptr[T any](v T) *T { return &v }

func round(v *float64, digits int) *float64 {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	p := math.Pow(10, float64(digits))
	r := math.Round(*v*p) / p
	return &r
}
