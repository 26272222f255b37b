package pull

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryTransport retries idempotent requests on throttling (429), service
// faults (500, 502, 503, 504) and network errors. It waits for Retry-After
// when the server sends one (seconds, possibly fractional, or an HTTP date)
// and otherwise backs off exponentially with full jitter.
type RetryTransport struct {
	Base http.RoundTripper
	// MaxRetries after the first attempt (default 5).
	MaxRetries int
	// BaseDelay and MaxDelay bound the exponential backoff (defaults 1 s
	// and 60 s). MaxRetryAfter caps a server's Retry-After (default 10 min);
	// a longer one fails the request instead of blocking the run.
	BaseDelay, MaxDelay, MaxRetryAfter time.Duration
	Logger                             *slog.Logger
	// Sleep waits; nil uses a timer that honours ctx (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
}

func (t *RetryTransport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// Retryable reports whether a status is worth another attempt.
func Retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// ParseRetryAfter reads a Retry-After header: delta seconds (Graph sends
// fractions such as 2.128) or an HTTP date. ok is false when absent or bad.
func ParseRetryAfter(h string, now time.Time) (d time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(h, 64); err == nil {
		if secs < 0 || secs > 86400*7 || secs != secs {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(h); err == nil {
		d := max(t.Sub(now), 0)
		if d > 7*24*time.Hour {
			return 0, false
		}
		return d, true
	}
	return 0, false
}

// Backoff returns the wait before retry number attempt (0-based): a random
// duration in [0, min(max, base·2^attempt)] ("full jitter").
func Backoff(attempt int, base, maxDelay time.Duration) time.Duration {
	d := base << min(attempt, 30)
	if d <= 0 || d > maxDelay {
		d = maxDelay
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	maxRetries, baseDelay, maxDelay, maxRA := t.MaxRetries, t.BaseDelay, t.MaxDelay, t.MaxRetryAfter
	if maxRetries == 0 {
		maxRetries = 5
	}
	if baseDelay <= 0 {
		baseDelay = time.Second
	}
	if maxDelay <= 0 {
		maxDelay = time.Minute
	}
	if maxRA <= 0 {
		maxRA = 10 * time.Minute
	}
	sleep := t.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	logger := t.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	canReplay := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := t.base().RoundTrip(r)
		if err == nil && !Retryable(resp.StatusCode) {
			return resp, nil
		}
		if !idempotent || !canReplay || attempt >= maxRetries || req.Context().Err() != nil {
			return resp, err
		}
		var wait time.Duration
		reason := ""
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			wait, reason = Backoff(attempt, baseDelay, maxDelay), err.Error()
		} else {
			reason = resp.Status
			ra, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			switch {
			case ok && ra > maxRA:
				return resp, nil // let the caller see the 429 rather than block for hours
			case ok && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable):
				wait = ra
			default:
				wait = Backoff(attempt, baseDelay, maxDelay)
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
		logger.Warn("graph request failed, retrying", "host", req.URL.Host, "path", redactPath(req.URL.Path),
			"reason", reason, "attempt", attempt+1, "wait", wait.Round(time.Millisecond))
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// redactPath hides pre-authenticated download paths (they are credentials).
func redactPath(p string) string {
	if strings.Contains(strings.ToLower(p), "download") {
		return "(report download URL)"
	}
	return p
}
