package spool

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func open(t *testing.T, dir string, opts Options) *Spool {
	t.Helper()
	opts.Dir = dir
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOldestFirstAndAck(t *testing.T) {
	s := open(t, t.TempDir(), Options{MaxBytes: 1 << 20, MaxAge: time.Hour})
	t0 := time.Now()
	for i := range 3 {
		if _, err := s.Append([]byte{byte(i)}, t0.Add(time.Duration(i)*time.Second), 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		it, ok, err := s.Oldest()
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		if it.Payload[0] != byte(i) || !it.Created.Equal(t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("item %d: %v", i, it)
		}
		if err := s.Ack(it.Seq, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := s.Oldest(); ok {
		t.Fatal("queue should be empty")
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Depth != 0 || st.Bytes != 0 || !st.LastSuccess.Equal(t0) {
		t.Errorf("stats %+v", st)
	}
}

func TestBoundedBySizeDropsOldestAndCounts(t *testing.T) {
	s := open(t, t.TempDir(), Options{MaxBytes: 10 * (100 + itemOverhead), MaxAge: time.Hour})
	payload := make([]byte, 100)
	for i := range 15 {
		payload[0] = byte(i)
		if _, err := s.Append(payload, time.Now(), 0); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := s.Stats()
	if st.Depth != 10 || st.Dropped != 5 || st.DroppedTotal != 5 {
		t.Fatalf("stats %+v", st)
	}
	it, _, _ := s.Oldest()
	if it.Payload[0] != 5 {
		t.Errorf("oldest kept is %d, want 5", it.Payload[0])
	}
	// The next batch reports the 5 drops: the unreported count goes to 0.
	if _, err := s.Append(payload, time.Now(), 5); err != nil {
		t.Fatal(err)
	}
	st, _ = s.Stats()
	if st.Dropped != 1 || st.DroppedTotal != 6 { // that append dropped one more
		t.Errorf("after reporting: %+v", st)
	}
	if _, err := s.Append(make([]byte, 2000), time.Now(), 0); err == nil {
		t.Error("a batch larger than the spool must be refused")
	}
}

func TestBoundedByAge(t *testing.T) {
	now := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	s := open(t, t.TempDir(), Options{MaxBytes: 1 << 20, MaxAge: 48 * time.Hour, Now: func() time.Time { return now }})
	for _, age := range []time.Duration{72 * time.Hour, 50 * time.Hour, time.Hour} {
		if _, err := s.Append([]byte("x"), now.Add(-age), 0); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := s.Stats()
	// The 72 h item went when the 50 h one was appended, and that one when
	// the 1 h one was.
	if st.Depth != 1 || st.Dropped != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRejectCountsAsDropped(t *testing.T) {
	s := open(t, t.TempDir(), Options{MaxBytes: 1 << 20, MaxAge: time.Hour})
	seq, _ := s.Append([]byte("bad"), time.Now(), 0)
	if err := s.Reject(seq, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordError(time.Now(), "collector answered 400"); err != nil {
		t.Fatal(err)
	}
	st, _ := s.Stats()
	if st.Depth != 0 || st.Dropped != 1 || st.LastError != "collector answered 400" || !st.LastSuccess.IsZero() {
		t.Errorf("stats %+v", st)
	}
}

func TestSurvivesReopenAndLocks(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, MaxBytes: 1 << 20, MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := s.Append([]byte(fmt.Sprint(i)), time.Now(), 0); err != nil {
			t.Fatal(err)
		}
	}
	// A second opener (the `spool` command while the service runs) times out.
	if _, err := Open(Options{Dir: dir, ReadOnly: true, LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
	s.Close()
	s = open(t, dir, Options{MaxBytes: 1 << 20, MaxAge: time.Hour})
	st, _ := s.Stats()
	if st.Depth != 5 || st.Bytes != 5*(1+itemOverhead) {
		t.Errorf("after reopen: %+v", st)
	}
}
