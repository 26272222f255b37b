package ingest

import (
	"crypto/sha256"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimiter bounds requests per agent token, so that one stolen or
// broken agent cannot flood the collector or InfluxDB. A token shared by a
// whole site needs a limit sized for the site; see docs/security.md.
type RateLimiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu       sync.Mutex
	limiters map[[sha256.Size]byte]*tokenLimiter
	lastGC   time.Time
}

type tokenLimiter struct {
	*rate.Limiter
	lastUsed time.Time
}

// NewRateLimiter allows perSecond requests per token with the given burst;
// perSecond <= 0 turns limiting off. now may be nil (time.Now).
func NewRateLimiter(perSecond float64, burst int, now func() time.Time) *RateLimiter {
	if now == nil {
		now = time.Now
	}
	l := rate.Limit(perSecond)
	if perSecond <= 0 {
		l = rate.Inf
	}
	return &RateLimiter{limit: l, burst: max(burst, 1), now: now, limiters: map[[sha256.Size]byte]*tokenLimiter{}}
}

// Allow reports whether a request with token may proceed now, and if not,
// how long the agent should wait.
func (r *RateLimiter) Allow(token string) (bool, time.Duration) {
	if r.limit == rate.Inf {
		return true, 0
	}
	key := sha256.Sum256([]byte(token))
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.lastGC) > 10*time.Minute {
		// Forget idle tokens; a full bucket is what a new limiter has anyway.
		for k, l := range r.limiters {
			if now.Sub(l.lastUsed) > 10*time.Minute {
				delete(r.limiters, k)
			}
		}
		r.lastGC = now
	}
	l := r.limiters[key]
	if l == nil {
		l = &tokenLimiter{Limiter: rate.NewLimiter(r.limit, r.burst)}
		r.limiters[key] = l
	}
	l.lastUsed = now
	if l.AllowN(now, 1) {
		return true, 0
	}
	wait := time.Duration(math.Ceil(1 / float64(r.limit) * float64(time.Second)))
	if res := l.ReserveN(now, 1); res.OK() {
		wait = res.DelayFrom(now)
		res.CancelAt(now)
	}
	return false, wait
}
