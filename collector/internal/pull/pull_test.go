package pull

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestChoosePeriod(t *testing.T) {
	today := day("2020-06-15")
	for _, c := range []struct {
		last string
		want string
	}{
		{"", "D180"},
		{"2020-06-13", "D7"}, // the usual daily run: newest day already there
		{"2020-06-08", "D7"},
		{"2020-06-06", "D30"},
		{"2020-03-20", "D90"},
		{"2020-01-01", "D180"},
		{"2019-01-01", "D180"},
	} {
		var last time.Time
		if c.last != "" {
			last = day(c.last)
		}
		if got := ChoosePeriod(last, today, 2); got != c.want {
			t.Errorf("last %s: %s, want %s", c.last, got, c.want)
		}
	}
}

func TestCallRecordDaysAndComplete(t *testing.T) {
	now := time.Date(2020, 6, 15, 10, 0, 0, 0, time.UTC)
	from, to := CallRecordDays(now)
	if from != day("2020-05-17") || to != day("2020-06-15") {
		t.Errorf("days %s..%s, want the full days inside 30 days, today excluded", from, to)
	}
	d := day("2020-06-13")
	for _, c := range []struct {
		listed string
		want   bool
	}{
		{"", false},
		{"2020-06-14T06:30:00Z", false}, // listed the morning after: late records may follow
		{"2020-06-15T00:00:00Z", true},  // a full day after the day ended
		{"2020-06-16T06:30:00Z", true},
	} {
		var at time.Time
		if c.listed != "" {
			at, _ = time.Parse(time.RFC3339, c.listed)
		}
		if got := Complete(d, at); got != c.want {
			t.Errorf("listed %q: complete %v, want %v", c.listed, got, c.want)
		}
	}
}

func TestRetryTransport(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusBadGateway)
		default:
			_, _ = w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	var waits []time.Duration
	rt := &RetryTransport{BaseDelay: 10 * time.Millisecond, MaxDelay: time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || calls.Load() != 3 {
		t.Fatalf("status %d after %d calls", resp.StatusCode, calls.Load())
	}
	if len(waits) != 2 || waits[0] != 3*time.Second || waits[1] > 20*time.Millisecond {
		t.Errorf("waits %v: want Retry-After 3s then jittered backoff ≤ 20ms", waits)
	}

	// A fault that does not clear: give up after MaxRetries and return it.
	calls.Store(0)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer bad.Close()
	rt.MaxRetries = 2
	resp, err = (&http.Client{Transport: rt}).Get(bad.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || calls.Load() != 3 {
		t.Errorf("status %d after %d calls, want 503 after 3", resp.StatusCode, calls.Load())
	}
	// A POST is never replayed.
	calls.Store(0)
	resp, err = (&http.Client{Transport: rt}).Post(bad.URL, "text/plain", nil)
	if err == nil {
		resp.Body.Close()
	}
	if calls.Load() != 1 {
		t.Errorf("POST sent %d times", calls.Load())
	}
}

// A sliding window never lets more than N requests start within one
// window, whatever the pattern.
func TestLimiterSlidingWindow(t *testing.T) {
	clock := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(Limit{N: 3, Window: 10 * time.Second}, 1)
	l.now = func() time.Time { return clock }
	var starts []time.Time
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		// Instead of sleeping, Wait's sleep is replaced by advancing the
		// clock: run Wait with a context that is never cancelled but move
		// time forward until it admits.
		for {
			l.mu.Lock()
			n := 0
			for _, s := range l.times {
				if s.After(clock.Add(-l.window)) {
					n++
				}
			}
			l.mu.Unlock()
			if n < 3 {
				break
			}
			clock = clock.Add(100 * time.Millisecond)
		}
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, clock)
		clock = clock.Add(time.Second)
	}
	for i := range starts {
		n := 0
		for _, s := range starts {
			if !s.Before(starts[i]) && s.Sub(starts[i]) < 10*time.Second {
				n++
			}
		}
		if n > 3 {
			t.Fatalf("%d requests within 10 s from %s: %v", n, starts[i], starts)
		}
	}
}

func TestLimiterHonoursContext(t *testing.T) {
	l := NewLimiter(Limit{N: 1, Window: time.Hour}, 1)
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx); err == nil {
		t.Fatal("a full limiter did not give up on a cancelled context")
	}
}

// A Retry-After above MaxWait is not waited for: the request returns
// ErrThrottled at once, and the wait asked for is in the error.
func TestRetryAfterBeyondMaxWait(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	slept := false
	rt := &RetryTransport{MaxWait: 30 * time.Minute, Sleep: func(context.Context, time.Duration) error { slept = true; return nil }}
	_, err := (&http.Client{Transport: rt}).Get(srv.URL)
	var te *ThrottledError
	if !errors.Is(err, ErrThrottled) || !errors.As(err, &te) || te.RetryAfter != time.Hour {
		t.Fatalf("err %v, want a ThrottledError of 1h", err)
	}
	if slept || calls.Load() != 1 {
		t.Errorf("slept %v after %d calls: a wait over max_wait must not be taken", slept, calls.Load())
	}
}

// Long Retry-After values below MaxWait are taken, however long, and
// counted.
func TestLongRetryAfterIsWaited(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.Header().Set("Retry-After", "900")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	var waits []time.Duration
	stats := &RetryStats{}
	rt := &RetryTransport{Stats: stats, Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(waits) != 2 || waits[0] != 15*time.Minute || stats.ThrottledWaits.Load() != 2 || stats.ThrottledTime() != 30*time.Minute {
		t.Errorf("waits %v, stats %d/%s", waits, stats.ThrottledWaits.Load(), stats.ThrottledTime())
	}
}

// The timeout is per attempt: an attempt that hangs is abandoned and the
// next one, which answers, succeeds although the two together take longer
// than one timeout.
func TestAttemptTimeoutIsPerAttempt(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	rt := &RetryTransport{AttemptTimeout: 200 * time.Millisecond, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	if err != nil {
		t.Fatalf("second attempt should succeed: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" || calls.Load() != 2 {
		t.Errorf("body %q after %d calls", body, calls.Load())
	}
}

// Each attempt goes through the limiters of the request's context, retries
// included.
func TestRetriesPassTheLimiter(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	l := NewLimiter(Limit{N: 100, Window: time.Hour}, 1)
	rt := &RetryTransport{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	req, _ := http.NewRequestWithContext(WithLimiters(context.Background(), l), http.MethodGet, srv.URL, nil)
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := len(l.times); n != 2 {
		t.Errorf("limiter counted %d attempts, want 2 (the retry counts)", n)
	}
}

func TestSummaryOutcome(t *testing.T) {
	for _, c := range []struct {
		sum  Summary
		want string
	}{
		{Summary{Outcomes: []Outcome{{Days: 3}}}, OutcomeOK},
		{Summary{Outcomes: []Outcome{{Days: 3}, {DaysLeft: 2, Deferred: "run budget"}}}, OutcomePartial},
		{Summary{Outcomes: []Outcome{{Err: errors.New("x")}, {DaysLeft: 2}}}, OutcomeFailed},
		{Summary{Outcomes: []Outcome{{Err: errors.New("x")}, {Err: context.Canceled}}}, OutcomeInterrupted},
	} {
		if got := c.sum.Outcome(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.sum, got, c.want)
		}
	}
}
