package pull

import (
	"context"
	"sync"
	"time"

	"github.com/kretslopp/kretslopp/internal/retry"
)

// Limit is a documented Graph throttling limit: at most N requests in any
// Window.
type Limit struct {
	N      int
	Window time.Duration
	// Doc is where Microsoft documents it (microsoft-graph-docs-contrib).
	Doc string
}

// The documented limits the pull paces itself by. Every attempt counts,
// retries included (concepts/throttling.md: "Microsoft Graph continues to
// log resource usage while a client is being throttled").
var (
	// ReportLimit applies to each report API separately, per app per
	// tenant, for CSV requests (the per-tenant limit for all apps, 40 per
	// 10 minutes, is above it).
	ReportLimit = Limit{N: 14, Window: 10 * time.Minute, Doc: "concepts/throttling-limits.md, Microsoft 365 reports service limits"}
	// CallRecordsAppLimit covers every callRecord request of this app in
	// the tenant: list pages and single records.
	CallRecordsAppLimit = Limit{N: 1500, Window: 20 * time.Second, Doc: "includes/throttling-call-records.md, per application per tenant"}
	// CallRecordsListFirst and CallRecordsListNext: listing call records,
	// the first page of a listing and the pages after it. Two versions of
	// the page exist; the other says 40 requests per 20 seconds for both,
	// which these stricter figures never exceed.
	CallRecordsListFirst = Limit{N: 15, Window: 20 * time.Second, Doc: "includes/throttling-call-records.md, list call records (first page)"}
	CallRecordsListNext  = Limit{N: 55, Window: 5 * time.Minute, Doc: "includes/throttling-call-records.md, list call records (subsequent pages)"}
	// CallRecordFirst and CallRecordNext: one call record, its first page
	// and the pages after it (participants_v2 beyond 130 entries).
	CallRecordFirst = Limit{N: 10, Window: 20 * time.Second, Doc: "includes/throttling-call-records.md, per call record (first page)"}
	CallRecordNext  = Limit{N: 50, Window: 5 * time.Minute, Doc: "includes/throttling-call-records.md, per call record (subsequent pages)"}
)

// windowMargin and windowSlack widen every window a little on the client
// side: the server sees a request some milliseconds after it was sent, so
// requests spaced exactly one window apart here may arrive inside one
// window there.
const (
	windowMargin = 0.03
	windowSlack  = 50 * time.Millisecond
)

// Limiter lets at most N requests start in any window of length Window (a
// sliding window, which also keeps within any fixed window the server may
// count in). The zero value is not usable; see NewLimiter.
type Limiter struct {
	n      int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	times []time.Time // start times of the last n requests, oldest first
}

// NewLimiter returns a limiter for l with its window divided by scale (the
// simulator's time scale; 1 in production) and slightly widened.
func NewLimiter(l Limit, scale float64) *Limiter {
	if scale <= 0 {
		scale = 1
	}
	w := time.Duration(float64(l.Window)/scale*(1+windowMargin)) + windowSlack
	return &Limiter{n: l.N, window: w, now: time.Now}
}

// Wait blocks until a request may start and counts it, or returns ctx's
// error.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := l.now()
		cut := now.Add(-l.window)
		drop := 0
		for drop < len(l.times) && !l.times[drop].After(cut) {
			drop++
		}
		l.times = l.times[drop:]
		if len(l.times) < l.n {
			l.times = append(l.times, now)
			l.mu.Unlock()
			return nil
		}
		wait := l.times[0].Add(l.window).Sub(now)
		l.mu.Unlock()
		if err := retry.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// limitsKey carries the limiters of a request in its context.
type limitsKey struct{}

// WithLimiters returns ctx with limiters that every attempt of a request
// made with it waits for (RetryTransport does the waiting, so retries
// count like first attempts).
func WithLimiters(ctx context.Context, ls ...*Limiter) context.Context {
	if prev, ok := ctx.Value(limitsKey{}).([]*Limiter); ok {
		ls = append(append([]*Limiter(nil), prev...), ls...)
	}
	return context.WithValue(ctx, limitsKey{}, ls)
}

func limitersOf(ctx context.Context) []*Limiter {
	ls, _ := ctx.Value(limitsKey{}).([]*Limiter)
	return ls
}

// Pacing holds the limiters of one Graph client, shared by all its
// requests, at one time scale.
type Pacing struct {
	Scale float64

	mu      sync.Mutex
	reports map[string]*Limiter
	// CallRecords is the per-app limit on every callRecord request;
	// ListFirst and ListNext the listing limits.
	CallRecords, ListFirst, ListNext *Limiter
}

// NewPacing returns the documented limits at a time scale (1 in
// production; the simulator's --time-scale in tests).
func NewPacing(scale float64) *Pacing {
	if scale <= 0 {
		scale = 1
	}
	return &Pacing{
		Scale:       scale,
		reports:     map[string]*Limiter{},
		CallRecords: NewLimiter(CallRecordsAppLimit, scale),
		ListFirst:   NewLimiter(CallRecordsListFirst, scale),
		ListNext:    NewLimiter(CallRecordsListNext, scale),
	}
}

// Report returns the limiter of one report API.
func (p *Pacing) Report(name string) *Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.reports[name]
	if l == nil {
		l = NewLimiter(ReportLimit, p.Scale)
		p.reports[name] = l
	}
	return l
}

// Record returns fresh limiters for the pages of one call record (the
// per-record limits count per record).
func (p *Pacing) Record() (first, next *Limiter) {
	return NewLimiter(CallRecordFirst, p.Scale), NewLimiter(CallRecordNext, p.Scale)
}
