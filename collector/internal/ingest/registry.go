package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/kretslopp/kretslopp/collector/internal/auth"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/retry"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// Querier runs InfluxQL; *influx.Client is one.
type Querier interface {
	Query(ctx context.Context, influxql string) ([]influx.Series, error)
}

// Binding reasons, the field reason of device_binding.
const (
	ReasonFirstReport = "first_report"
	ReasonKnown       = "known"
	ReasonMove        = "move"
)

// RefreshInterval is how often a collector reads the bindings other
// collectors (and `device move`) wrote, so that replicas behind a load
// balancer agree within about this time.
const RefreshInterval = 10 * time.Second

// refreshOverlap is how far back each refresh reads again, for clocks
// that differ between collectors.
const refreshOverlap = 10 * time.Minute

// Registry knows every device ID this collector has seen and the agent
// token each belongs to: a device is bound to the first token that
// reports it (to its name, which a token and its successor share; tokens
// without a name are one group), and another token writing it is refused
// (403) until an operator moves it. It also holds the budget of never-seen devices per
// token and hour (ingest.new_devices_per_hour). Bindings live in InfluxDB
// (device_binding), so that several collectors agree and a restart keeps
// them; the table is rebuilt from there at start (Load) and follows other
// collectors' bindings every RefreshInterval (Refresh). Memory is bounded
// by ingest.max_devices, about 100 bytes a device.
type Registry struct {
	maxDevices int
	perHour    int
	now        func() time.Time

	mu          sync.Mutex
	devices     map[string]binding
	tokens      []string // names by index-1; index 0 is "bound to no token"
	tokenIndex  map[string]uint32
	budgets     map[string]*rate.Limiter
	lastRefresh time.Time
	lastStamp   int64 // unix ns of the last binding point made here
	loaded      atomic.Bool
}

// stamp is a binding time after every earlier one made here, so that two
// bindings of a token in the same nanosecond stay two points.
func (r *Registry) stamp(now time.Time) time.Time {
	ns := max(now.UnixNano(), r.lastStamp+1)
	r.lastStamp = ns
	return time.Unix(0, ns)
}

type binding struct {
	token     uint32 // 1-based index into tokens; 0: seen before bindings existed
	persisted bool   // the binding point is in InfluxDB
}

// NewRegistry allows maxDevices devices and perHour never-seen devices
// per token and hour (a token bucket: perHour at once, then perHour an
// hour). now may be nil (time.Now).
func NewRegistry(maxDevices, perHour int, now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{maxDevices: maxDevices, perHour: perHour, now: now, devices: map[string]binding{}, tokenIndex: map[string]uint32{}, budgets: map[string]*rate.Limiter{}}
}

// Ready reports whether the table has been loaded from InfluxDB; until
// then ingest answers 503, because it cannot tell a new device from a
// known one.
func (r *Registry) Ready() bool { return r.loaded.Load() }

// Len is the number of devices in the table.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.devices)
}

// MarkLoaded makes an empty table ready (tests of a fresh fleet).
func (r *Registry) MarkLoaded() { r.loaded.Store(true) }

func (r *Registry) index(name string) uint32 {
	i, ok := r.tokenIndex[name]
	if !ok {
		r.tokens = append(r.tokens, name)
		i = uint32(len(r.tokens))
		r.tokenIndex[name] = i
	}
	return i
}

// Admit decides whether token may write deviceID now. A device bound to
// the token, or seen before bindings existed (then bound now), is
// admitted; one bound to another token is refused with 403; a device
// never seen takes one from the token's budget and is bound to it, or is
// refused with 429 and the time until the budget has room. Admitted
// devices whose binding is not yet in InfluxDB come with the point to
// write (Confirm marks it written).
func (r *Registry) Admit(token auth.Identity, deviceID string) Admission {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	ti := r.index(token.Group())
	b, known := r.devices[deviceID]
	reason := ReasonFirstReport
	switch {
	case known && b.token == ti:
		if b.persisted {
			return Admission{}
		}
		// Bound here, but its point is not in InfluxDB yet: write it.
		return Admission{Binding: BindingPoint(deviceID, token, ReasonFirstReport, r.stamp(now))}
	case known && b.token == 0:
		reason = ReasonKnown
	case known:
		return Admission{Refused: &DeviceError{DeviceID: deviceID, Status: http.StatusForbidden,
			Msg: "belongs to another agent token; an operator can move it to this one (kretslopp-collector device move)"}}
	case len(r.devices) >= r.maxDevices:
		return Admission{Refused: &DeviceError{DeviceID: deviceID, Status: http.StatusTooManyRequests, Budget: "max_devices", RetryAfter: time.Hour,
			Msg: fmt.Sprintf("ingest.max_devices: the collector knows %d devices, its limit; an operator must raise it", len(r.devices))}}
	default:
		lim := r.budgets[token.Name]
		if lim == nil {
			lim = rate.NewLimiter(rate.Every(time.Hour/time.Duration(r.perHour)), r.perHour)
			r.budgets[token.Name] = lim
		}
		if res := lim.ReserveN(now, 1); !res.OK() || res.DelayFrom(now) > 0 {
			wait := time.Hour
			if res.OK() {
				wait = res.DelayFrom(now)
				res.CancelAt(now)
			}
			return Admission{Refused: &DeviceError{DeviceID: deviceID, Status: http.StatusTooManyRequests, Budget: "new_devices_per_hour", RetryAfter: wait,
				Msg: fmt.Sprintf("ingest.new_devices_per_hour: this agent token has reported %d new devices within the hour; the report is kept by the agent and accepted once the budget has room", r.perHour)}}
		}
	}
	r.devices[deviceID] = binding{token: ti}
	return Admission{Binding: BindingPoint(deviceID, token, reason, r.stamp(now)), New: reason == ReasonFirstReport}
}

// Confirm records that the binding points of these devices are in
// InfluxDB, so that their next reports do not write them again.
func (r *Registry) Confirm(deviceIDs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range deviceIDs {
		if b, ok := r.devices[id]; ok && b.token != 0 {
			b.persisted = true
			r.devices[id] = b
		}
	}
}

// BindingPoint is the device_binding point that binds deviceID to the
// token's group (its name; auth.UnnamedGroup for tokens without one). The
// points of a token are one series, told apart by their time: callers
// give each binding a time of its own (Registry.stamp), or one binding
// overwrites the other.
func BindingPoint(deviceID string, token auth.Identity, reason string, at time.Time) *influx.Point {
	fields := map[string]any{"device_id": deviceID, "reason": reason}
	if token.Site != "" {
		fields["site"] = token.Site
	}
	return &influx.Point{Measurement: schema.DeviceBinding, Tags: map[string]string{schema.TokenTag: token.Group()}, Fields: fields, Time: at.UTC()}
}

// Queries of the table's rebuild. The bindings are one series per token,
// read in time order, the newest per device kept: on a fleet of 100,000
// devices far cheaper than a series per device (docs/benchmarks.md).
const (
	knownDevicesQuery = `SHOW TAG VALUES FROM "device_daily" WITH KEY = "device_id"`
	bindingsQuery     = `SELECT "device_id", "token" FROM "device_binding" WHERE time >= %s`
)

// Load rebuilds the table from InfluxDB: every device ID of device_daily
// (known, bound to no token until it reports again) and the newest binding
// of each device. Beyond max_devices the rest is left out and logged.
func (r *Registry) Load(ctx context.Context, q Querier, log *slog.Logger) error {
	start := r.now()
	known, err := q.Query(ctx, knownDevicesQuery)
	if err != nil {
		return fmt.Errorf("device table: %w", err)
	}
	bindings, err := q.Query(ctx, fmt.Sprintf(bindingsQuery, influx.TimeLiteral(time.Unix(0, 0))))
	if err != nil {
		return fmt.Errorf("device table: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	dropped := 0
	for _, s := range known {
		for _, v := range s.Values {
			if len(v) < 2 {
				continue
			}
			id, _ := v[1].(string)
			if _, ok := r.devices[id]; !ok && id != "" {
				if len(r.devices) >= r.maxDevices {
					dropped++
					continue
				}
				r.devices[id] = binding{}
			}
		}
	}
	dropped += r.applyBindings(bindings)
	r.lastRefresh = start
	r.loaded.Store(true)
	log.Info("device table loaded from InfluxDB", "devices", len(r.devices), "took", r.now().Sub(start).Round(time.Millisecond))
	if dropped > 0 {
		log.Error("more devices in InfluxDB than ingest.max_devices allows: the rest count as new", "max_devices", r.maxDevices, "left_out", dropped)
	}
	return nil
}

// applyBindings sets each device's binding to the newest of the rows
// (they come in time order) and returns how many did not fit.
func (r *Registry) applyBindings(series []influx.Series) (dropped int) {
	for _, s := range series {
		for _, row := range s.Rows() {
			id, token := row.Str("device_id"), row.Str("token")
			if id == "" || token == "" {
				continue
			}
			if _, ok := r.devices[id]; !ok && len(r.devices) >= r.maxDevices {
				dropped++
				continue
			}
			r.devices[id] = binding{token: r.index(token), persisted: true}
		}
	}
	return dropped
}

// Bindings returns the agent token's name that each bound device belongs
// to, from InfluxDB.
func Bindings(ctx context.Context, q Querier) (map[string]string, error) {
	series, err := q.Query(ctx, fmt.Sprintf(bindingsQuery, influx.TimeLiteral(time.Unix(0, 0))))
	if err != nil {
		return nil, fmt.Errorf("device bindings: %w", err)
	}
	out := map[string]string{}
	for _, s := range series {
		for _, row := range s.Rows() {
			if id, token := row.Str("device_id"), row.Str("token"); id != "" && token != "" {
				out[id] = token
			}
		}
	}
	return out, nil
}

// Refresh reads the bindings written since the last look (by other
// collectors, or `device move`) into the table.
func (r *Registry) Refresh(ctx context.Context, q Querier) error {
	r.mu.Lock()
	since := r.lastRefresh.Add(-refreshOverlap)
	r.mu.Unlock()
	start := r.now()
	series, err := q.Query(ctx, fmt.Sprintf(bindingsQuery, influx.TimeLiteral(since)))
	if err != nil {
		return fmt.Errorf("device bindings: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applyBindings(series)
	r.lastRefresh = start
	return nil
}

// Run loads the table (retrying with backoff while InfluxDB cannot be
// read) and then refreshes it every RefreshInterval until ctx ends.
func (r *Registry) Run(ctx context.Context, q Querier, log *slog.Logger) {
	backoff := retry.Backoff{Base: time.Second, Max: 30 * time.Second}
	for attempt := 0; !r.Ready(); attempt++ {
		if err := r.Load(ctx, q, log); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("device table not loaded; ingest answers 503 until it is", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff.Delay(attempt)):
			}
		}
	}
	ticker := time.NewTicker(RefreshInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if err := r.Refresh(ctx, q); err != nil && ctx.Err() == nil {
			log.Debug("device bindings not refreshed", "err", err)
		}
	}
}
