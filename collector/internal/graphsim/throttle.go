package graphsim

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limit is one documented throttling limit: N requests in any Window.
type limit struct {
	n      int
	window time.Duration
}

// The limits the simulator enforces, as Microsoft documents them
// (microsoft-graph-docs-contrib):
var (
	// concepts/throttling-limits.md, "Microsoft 365 reports service
	// limits": CSV requests, 14 per 10 minutes per app per tenant and 40
	// per 10 minutes per tenant for all apps, "individually to each report
	// API".
	limitReportApp    = limit{14, 10 * time.Minute}
	limitReportTenant = limit{40, 10 * time.Minute}
	// includes/throttling-call-records.md (callRecord, participant,
	// session): 10,000 requests per 20 seconds per tenant for all apps,
	// 1,500 per 20 seconds per application per tenant; per call record 10
	// per 20 seconds (first page) and 50 per 5 minutes (subsequent pages);
	// list call records 15 per 20 seconds (first page) and 55 per 5
	// minutes (subsequent pages). (Another version of that page gives 40
	// per 20 seconds for both; the simulator enforces the stricter one.)
	limitCallRecordsTenant = limit{10000, 20 * time.Second}
	limitCallRecordsApp    = limit{1500, 20 * time.Second}
	limitRecordFirst       = limit{10, 20 * time.Second}
	limitRecordNext        = limit{50, 5 * time.Minute}
	limitListFirst         = limit{15, 20 * time.Second}
	limitListNext          = limit{55, 5 * time.Minute}
)

// throttle counts requests per key in sliding windows. Every request that
// reaches it counts, also the ones it refuses: "Microsoft Graph continues
// to log resource usage while a client is being throttled"
// (concepts/throttling.md).
type throttle struct {
	scale float64
	now   func() time.Time

	mu      sync.Mutex
	windows map[string][]time.Time
	checks  int
	// Throttled counts 429 answers per key prefix (for tests and the bench).
	throttled map[string]int
}

func newThrottle(scale float64) *throttle {
	if scale <= 0 {
		scale = 1
	}
	return &throttle{scale: scale, now: time.Now, windows: map[string][]time.Time{}, throttled: map[string]int{}}
}

type check struct {
	key   string
	limit limit
	kind  string // for the throttled counters: "reports", "list", "record", "callRecords"
}

// admit counts a request against every check; when one is over its limit
// it returns how long until the request would fit (the Retry-After).
func (t *throttle) admit(checks ...check) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	over := ""
	for _, c := range checks {
		w := time.Duration(float64(c.limit.window) / t.scale)
		times := t.windows[c.key]
		cut := now.Add(-w)
		drop := 0
		for drop < len(times) && !times[drop].After(cut) {
			drop++
		}
		times = append(times[drop:], now)
		t.windows[c.key] = times
		if len(times) > c.limit.n {
			// Free once all but n-1 of the requests in the window have
			// left it, counting this one.
			d := times[len(times)-c.limit.n].Add(w).Sub(now)
			if d > wait {
				wait, over = d, c.kind
			}
		}
	}
	t.checks++
	if t.checks%4096 == 0 {
		t.sweep(now)
	}
	if over != "" {
		t.throttled[over]++
		return wait, false
	}
	return 0, true
}

// sweep forgets keys whose newest request left every window (one key per
// call record would otherwise grow without end).
func (t *throttle) sweep(now time.Time) {
	longest := time.Duration(float64(10*time.Minute) / t.scale)
	for k, times := range t.windows {
		if len(times) == 0 || now.Sub(times[len(times)-1]) > longest {
			delete(t.windows, k)
		}
	}
}

// Throttled returns how many requests were answered 429 by kind
// ("reports", "list", "record", "callRecords").
func (s *Server) Throttled() map[string]int {
	s.throttle.mu.Lock()
	defer s.throttle.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.throttle.throttled {
		out[k] = v
	}
	return out
}

// tooMany answers 429 with Retry-After (concepts/throttling.md: "Microsoft
// Graph returns HTTP status code 429 ... A suggested wait time is returned
// in the response header"). At time scale 1 it is whole seconds; faster
// scales send fractions, which Graph also does.
func (s *Server) tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := wait.Seconds()
	if s.throttle.scale == 1 {
		w.Header().Set("Retry-After", strconv.Itoa(int(secs+0.999)))
	} else {
		w.Header().Set("Retry-After", strconv.FormatFloat(max(secs, 0.001), 'f', 3, 64))
	}
	graphError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests; retry after the time in the Retry-After header.")
}
