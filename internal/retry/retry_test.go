package retry

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]struct {
		d  time.Duration
		ok bool
	}{
		"120":   {2 * time.Minute, true},
		" 7 ":   {7 * time.Second, true},
		"2.128": {2128 * time.Millisecond, true}, // Microsoft Graph
		"0":     {0, true},
		now.Add(90 * time.Second).Format(http.TimeFormat): {90 * time.Second, true},
		"Sun, 30 Nov 2026 11:00:00 GMT":                   {0, true},                // in the past: now
		"Sunday, 30-Nov-26 12:00:30 GMT":                  {30 * time.Second, true}, // RFC 850, which RFC 9110 still allows
		"":                                                {0, false},
		"-5":                                              {0, false},
		"NaN":                                             {0, false},
		"soon":                                            {0, false},
		"1e12":                                            {0, false}, // longer than a week: not believed
		now.AddDate(0, 1, 0).Format(http.TimeFormat): {0, false},
	} {
		d, ok := ParseRetryAfter(v, now)
		if d != want.d || ok != want.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", v, d, ok, want.d, want.ok)
		}
	}
}

// FuzzParseRetryAfter: whatever a server sends, the wait is within a week
// and nothing is believed that was not read.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"2", "2.5", "Wed, 21 Oct 2015 07:28:00 GMT", "", "x", "-3", "Inf", "1e300"} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, now)
		if ok && (d < 0 || d > maxRetryAfter) {
			t.Fatalf("%q gave %v", s, d)
		}
		if !ok && d != 0 {
			t.Fatalf("%q: not ok but %v", s, d)
		}
	})
}

func TestBackoffGrowsWithJitterUpToMax(t *testing.T) {
	b := &Backoff{Base: time.Second, Max: 10 * time.Second}
	for attempt, full := range []time.Duration{1, 2, 4, 8, 10, 10, 10} {
		full *= time.Second
		for range 200 {
			if d := b.Delay(attempt); d < full/2 || d > full {
				t.Fatalf("attempt %d: delay %v outside [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[b.Delay(3)] = true
	}
	if len(seen) < 10 {
		t.Errorf("50 delays took %d values: no jitter", len(seen))
	}
	if d := b.Delay(1000); d < 5*time.Second || d > 10*time.Second {
		t.Errorf("a huge attempt gave %v; the shift must not overflow past Max", d)
	}
}

func TestNextHonoursRetryAfterUpToItsCap(t *testing.T) {
	b := &Backoff{Base: time.Second, Max: 4 * time.Second, MaxRetryAfter: time.Hour}
	if d := b.Next(0); d < 500*time.Millisecond || d > time.Second {
		t.Errorf("first delay %v", d)
	}
	if d := b.Next(30 * time.Second); d != 30*time.Second {
		t.Errorf("Retry-After 30s gave %v", d)
	}
	if d := b.Next(3 * time.Hour); d != time.Hour {
		t.Errorf("Retry-After 3h gave %v, want the 1h cap", d)
	}
	if b.Attempts() != 3 {
		t.Errorf("attempts %d", b.Attempts())
	}
	b.Reset()
	if d := b.Next(10 * time.Millisecond); d < 500*time.Millisecond || d > time.Second {
		t.Errorf("after Reset: %v; a short Retry-After never shortens the backoff", d)
	}
	var zero Backoff
	if d := zero.Next(5 * time.Minute); d != time.Minute {
		t.Errorf("zero value with Retry-After 5m: %v, want its 1m cap", d)
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("Sleep did not return when its context ended")
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Error(err)
	}
}

func TestRetryableStatus(t *testing.T) {
	for status, want := range map[int]bool{429: true, 500: true, 502: true, 503: true, 504: true, 400: false, 401: false, 404: false, 413: false, 501: false} {
		if RetryableStatus(status) != want {
			t.Errorf("RetryableStatus(%d) = %v", status, !want)
		}
	}
}
