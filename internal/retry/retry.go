// Package retry is how Kretslopp waits before trying a request again:
// exponential backoff with jitter, stretched to a server's Retry-After and
// capped, and a wait that ends with its context. The agent's sender uses
// it towards the collector; an HTTP client retrying Microsoft Graph fits
// it too (Graph sends Retry-After in seconds, sometimes fractional, on 429
// and 503).
package retry

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter is the longest Retry-After ParseRetryAfter believes; a
// longer one is treated as unreadable rather than as a week of silence.
const maxRetryAfter = 7 * 24 * time.Hour

// ParseRetryAfter reads a Retry-After header value (RFC 9110, section
// 10.2.3): delay-seconds, also with a fraction as Microsoft Graph sends
// them ("2.128"), or an HTTP-date, which now turns into a delay (0 when it
// is past). ok is false when the value is absent, negative, longer than a
// week, or neither form.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) || secs > maxRetryAfter.Seconds() {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d = max(t.Sub(now), 0); d > maxRetryAfter {
			return 0, false
		}
		return d, true
	}
	return 0, false
}

// RetryableStatus reports whether an HTTP status is worth another try of
// an idempotent request: throttling (429) and the server faults 500, 502,
// 503 and 504.
func RetryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// DefaultBase and DefaultMax are a zero Backoff's first and longest delay.
const (
	DefaultBase = time.Second
	DefaultMax  = time.Minute
)

// Backoff spaces out retries: the n-th delay is Base·2^(n-1), at most
// Max, with jitter that picks a random point in its upper half (so that
// many clients that failed together do not retry together, and none
// retries at once), and never shorter than a server's Retry-After, which
// is honoured up to MaxRetryAfter. The zero value waits 1 s to 1 min.
type Backoff struct {
	Base, Max     time.Duration
	MaxRetryAfter time.Duration // 0: Max
	attempt       int
}

func (b *Backoff) bounds() (base, maxDelay, maxRA time.Duration) {
	base, maxDelay, maxRA = b.Base, b.Max, b.MaxRetryAfter
	if base <= 0 {
		base = DefaultBase
	}
	if maxDelay <= 0 {
		maxDelay = DefaultMax
	}
	if maxRA <= 0 {
		maxRA = maxDelay
	}
	return base, maxDelay, maxRA
}

// Delay is the jittered delay before retry number attempt (0 is the first
// retry), without a Retry-After: for loops that count attempts themselves.
func (b *Backoff) Delay(attempt int) time.Duration {
	base, maxDelay, _ := b.bounds()
	d := base << min(max(attempt, 0), 30)
	if d <= 0 || d > maxDelay {
		d = maxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// Next is the delay before the next try, at least retryAfter (a server's
// Retry-After, 0 if none) capped at MaxRetryAfter; Reset starts over.
func (b *Backoff) Next(retryAfter time.Duration) time.Duration {
	d := b.Delay(b.attempt)
	b.attempt++
	_, _, maxRA := b.bounds()
	return max(d, min(retryAfter, maxRA))
}

// Reset starts over after a success.
func (b *Backoff) Reset() { b.attempt = 0 }

// Attempts is how many delays Next has given since the last Reset.
func (b *Backoff) Attempts() int { return b.attempt }

// Sleep waits d, or returns ctx's error as soon as it ends.
func Sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
