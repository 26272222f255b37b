package pull

import (
	"context"
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

func TestCallRecordWindow(t *testing.T) {
	now := time.Date(2020, 6, 15, 10, 0, 0, 0, time.UTC)
	from, to := CallRecordWindow(time.Time{}, time.Time{}, now, 0)
	if from != day("2020-05-17") || to != day("2020-06-15") {
		t.Errorf("first run %s..%s", from, to)
	}
	from, _ = CallRecordWindow(day("2020-06-14"), time.Time{}, now, 0)
	if from != day("2020-06-08") {
		t.Errorf("daily run from %s, want a week back", from)
	}
	from, _ = CallRecordWindow(day("2020-06-01"), time.Time{}, now, 0)
	if from != day("2020-06-02") {
		t.Errorf("after a pause from %s", from)
	}
	from, _ = CallRecordWindow(time.Time{}, day("2019-01-01"), now, 0)
	if from != day("2020-05-17") {
		t.Errorf("since beyond retention: %s", from)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2020, 6, 15, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"2": 2 * time.Second, "2.128": 2128 * time.Millisecond, "0": 0,
		now.Add(30 * time.Second).Format(http.TimeFormat): 30 * time.Second,
	} {
		if got, ok := ParseRetryAfter(in, now); !ok || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "soon", "-1", "NaN", "1e99"} {
		if _, ok := ParseRetryAfter(in, now); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"2", "2.5", "Wed, 21 Oct 2015 07:28:00 GMT", "", "x", "-3", "Inf"} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, now)
		if ok && (d < 0 || d > 7*24*time.Hour) {
			t.Fatalf("%q gave %v", s, d)
		}
		if !ok && d != 0 {
			t.Fatalf("%q: not ok but %v", s, d)
		}
	})
}

func TestBackoffJitterBounds(t *testing.T) {
	for attempt := 0; attempt < 40; attempt++ {
		d := Backoff(attempt, 100*time.Millisecond, 5*time.Second)
		if d < 0 || d > 5*time.Second || (attempt < 5 && d > 100*time.Millisecond<<attempt) {
			t.Fatalf("attempt %d: %v", attempt, d)
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
