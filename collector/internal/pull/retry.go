package pull

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kretslopp/kretslopp/internal/retry"
)

// DefaultMaxWait is the longest Retry-After the pull waits for (graph.max_wait).
const DefaultMaxWait = 30 * time.Minute

// DefaultAttemptTimeout bounds one attempt: until the response headers, and
// then between two reads of its body.
const DefaultAttemptTimeout = 2 * time.Minute

// ErrThrottled is what a request returns when Graph throttles it for longer
// than the pull may wait (graph.max_wait) or keeps throttling it: the work
// is left for the next run, it has not failed.
var ErrThrottled = errors.New("throttled by Graph")

// ThrottledError is ErrThrottled with the wait Graph asked for.
type ThrottledError struct {
	RetryAfter, MaxWait time.Duration
	Status              int
}

func (e *ThrottledError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("throttled by Graph (%d, Retry-After %s, more than graph.max_wait %s)", e.Status, e.RetryAfter.Round(time.Second), e.MaxWait)
	}
	return fmt.Sprintf("throttled by Graph (%d) on every retry", e.Status)
}

// Is makes errors.Is(err, ErrThrottled) true.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// RetryStats counts what a RetryTransport did; safe for concurrent use.
type RetryStats struct {
	Attempts, Retries atomic.Int64
	// ThrottledWaits counts the waits for a Retry-After on 429/503.
	ThrottledWaits atomic.Int64
	throttledNanos atomic.Int64
}

// ThrottledTime is the total time spent waiting for Retry-After.
func (s *RetryStats) ThrottledTime() time.Duration {
	return time.Duration(s.throttledNanos.Load())
}

// RetryTransport sends every attempt of an idempotent request through the
// limiters the request's context carries (WithLimiters), and retries
// throttling (429, and 503 with Retry-After) for as long as Graph asks up
// to MaxWait per wait, service faults (500, 502, 503, 504) and network
// errors with exponential backoff and jitter (internal/retry). Every attempt has its
// own timeout (AttemptTimeout).
type RetryTransport struct {
	Base http.RoundTripper
	// MaxRetries after the first attempt for faults (default 5).
	MaxRetries int
	// MaxThrottled is how many Retry-After waits one request may take
	// (default 20): "continue to use the recommended Retry-After delay and
	// retry the request until it succeeds" (concepts/throttling.md), but
	// not for ever.
	MaxThrottled int
	// BaseDelay and MaxDelay bound the exponential backoff after a fault
	// (defaults retry.DefaultBase and retry.DefaultMax).
	BaseDelay, MaxDelay time.Duration
	// MaxWait is the longest Retry-After honoured (default 30 min); a
	// longer one returns a ThrottledError at once.
	MaxWait time.Duration
	// AttemptTimeout bounds one attempt until its response headers and
	// then each pause while reading the body (default 2 min).
	AttemptTimeout time.Duration
	Logger         *slog.Logger
	// Sleep waits; nil uses a timer that honours ctx (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
	// Stats, when set, counts attempts and waits.
	Stats *RetryStats
}

func (t *RetryTransport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

type retrySettings struct {
	maxRetries, maxThrottled int
	baseDelay, maxDelay      time.Duration
	maxWait, attemptTimeout  time.Duration
}

func (t *RetryTransport) settings() retrySettings {
	s := retrySettings{t.MaxRetries, t.MaxThrottled, t.BaseDelay, t.MaxDelay, t.MaxWait, t.AttemptTimeout}
	if s.maxRetries <= 0 {
		s.maxRetries = 5
	}
	if s.maxThrottled <= 0 {
		s.maxThrottled = 20
	}
	if s.maxWait <= 0 {
		s.maxWait = DefaultMaxWait
	}
	if s.attemptTimeout <= 0 {
		s.attemptTimeout = DefaultAttemptTimeout
	}
	return s
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s := t.settings()
	sleep := t.Sleep
	if sleep == nil {
		sleep = retry.Sleep
	}
	logger := t.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx := req.Context()
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	canReplay := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	faults, throttled := 0, 0
	backoff := retry.Backoff{Base: s.baseDelay, Max: s.maxDelay}
	for attempt := 0; ; attempt++ {
		for _, l := range limitersOf(ctx) {
			if err := l.Wait(ctx); err != nil {
				return nil, err
			}
		}
		if t.Stats != nil {
			t.Stats.Attempts.Add(1)
			if attempt > 0 {
				t.Stats.Retries.Add(1)
			}
		}
		resp, err := t.attempt(req, attempt, s.attemptTimeout)
		if err == nil && !retry.RetryableStatus(resp.StatusCode) {
			return resp, nil
		}
		if !idempotent || !canReplay || ctx.Err() != nil {
			return resp, err
		}
		var wait time.Duration
		reason := ""
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			if faults >= s.maxRetries {
				return nil, err
			}
			wait, reason = backoff.Delay(faults), err.Error()
			faults++
		} else {
			reason = resp.Status
			status := resp.StatusCode
			ra, hasRA := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			throttling := status == http.StatusTooManyRequests || (status == http.StatusServiceUnavailable && hasRA)
			switch {
			case throttling && hasRA && ra > s.maxWait:
				drain(resp)
				logger.Warn("graph throttles longer than graph.max_wait; leaving this for the next run",
					"path", redactPath(req.URL.Path), "retry_after", ra.Round(time.Second), "max_wait", s.maxWait)
				return nil, &ThrottledError{RetryAfter: ra, MaxWait: s.maxWait, Status: status}
			case throttling && hasRA:
				if throttled >= s.maxThrottled {
					drain(resp)
					return nil, &ThrottledError{MaxWait: s.maxWait, Status: status}
				}
				throttled++
				wait = ra
				if t.Stats != nil {
					t.Stats.ThrottledWaits.Add(1)
					t.Stats.throttledNanos.Add(int64(ra))
				}
			default:
				if faults >= s.maxRetries {
					if status == http.StatusTooManyRequests {
						drain(resp)
						return nil, &ThrottledError{MaxWait: s.maxWait, Status: status}
					}
					return resp, nil
				}
				wait = backoff.Delay(faults)
				faults++
			}
			drain(resp)
		}
		logger.Debug("graph request failed, retrying", "host", req.URL.Host, "path", redactPath(req.URL.Path),
			"reason", reason, "attempt", attempt+1, "wait", wait.Round(time.Millisecond))
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// errAttemptTimeout is an attempt that took longer than AttemptTimeout.
var errAttemptTimeout = errors.New("attempt timed out")

// attempt sends one attempt with its own timeout: until the headers, then
// between two reads of the body.
func (t *RetryTransport) attempt(req *http.Request, n int, timeout time.Duration) (*http.Response, error) {
	actx, cancel := context.WithCancelCause(req.Context())
	r := req.Clone(actx)
	if n > 0 && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			cancel(nil)
			return nil, err
		}
		r.Body = body
	}
	timer := time.AfterFunc(timeout, func() { cancel(fmt.Errorf("%w after %s", errAttemptTimeout, timeout)) })
	resp, err := t.base().RoundTrip(r)
	if !timer.Stop() || err != nil {
		if err == nil {
			drain(resp)
		}
		cause := context.Cause(actx)
		cancel(nil)
		if errors.Is(cause, errAttemptTimeout) && req.Context().Err() == nil {
			return nil, cause
		}
		if err == nil {
			err = cause
		}
		return nil, err
	}
	resp.Body = &idleBody{ReadCloser: resp.Body, cancel: cancel, timeout: timeout,
		timer: time.AfterFunc(timeout, func() { cancel(fmt.Errorf("%w: no data for %s", errAttemptTimeout, timeout)) })}
	return resp, nil
}

// idleBody cancels its attempt when no data arrives for timeout.
type idleBody struct {
	io.ReadCloser
	cancel  context.CancelCauseFunc
	timer   *time.Timer
	timeout time.Duration
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.timer.Reset(b.timeout)
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// redactPath hides pre-authenticated download paths (they are credentials).
func redactPath(p string) string {
	if strings.Contains(strings.ToLower(p), "download") {
		return "(report download URL)"
	}
	return p
}
