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

// crash closes the bbolt file without the Spool's own Close, as a killed
// process would leave it.
func crash(t *testing.T, s *Spool) {
	t.Helper()
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAckedDeleteRidesOnTheNextCommit(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, MaxBytes: 1 << 20, MaxAge: time.Hour}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	a, _ := s.Append([]byte("a"), t0, 0)
	if err := s.Ack(a, t0); err != nil {
		t.Fatal(err)
	}
	// Acknowledged: gone for the sender and for IT support at once.
	if _, ok, _ := s.Oldest(); ok {
		t.Fatal("an acknowledged batch is offered again")
	}
	if st, _ := s.Stats(); st.Depth != 0 || st.Bytes != 0 || !st.Oldest.IsZero() || !st.LastSuccess.Equal(t0) {
		t.Fatalf("stats after ack: %+v", st)
	}
	// Killed before the next commit: the batch is still on disk and is sent
	// again (the collector's writes are idempotent).
	crash(t, s)
	if s, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	it, ok, _ := s.Oldest()
	if !ok || it.Seq != a || string(it.Payload) != "a" {
		t.Fatalf("after a crash the acknowledged batch must be resent, got %v %v", it, ok)
	}
	// Acknowledged again, then the next Append commits the delete with it.
	if err := s.Ack(a, t0); err != nil {
		t.Fatal(err)
	}
	b, _ := s.Append([]byte("b"), t0.Add(time.Second), 0)
	crash(t, s)
	if s, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stats(); st.Depth != 1 || st.Bytes != 1+itemOverhead || !st.LastSuccess.Equal(t0) {
		t.Fatalf("after append and crash: %+v", st)
	}
	if it, _, _ := s.Oldest(); it.Seq != b {
		t.Fatalf("oldest is %d, want %d", it.Seq, b)
	}
	// Close commits a waiting delete.
	if err := s.Ack(b, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, opts)
	if st, _ := s.Stats(); st.Depth != 0 || st.Bytes != 0 || !st.LastSuccess.Equal(t0.Add(time.Second)) {
		t.Fatalf("after close: %+v", st)
	}
}

func TestOnlyOneAckedBatchWaits(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, MaxBytes: 1 << 20, MaxAge: time.Hour}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for i := range 3 {
		seq, _ := s.Append([]byte{byte(i)}, time.Now(), 0)
		seqs = append(seqs, seq)
	}
	for _, seq := range seqs[:2] {
		if err := s.Ack(seq, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// The second Ack committed the first's delete; only the second waits.
	crash(t, s)
	s = open(t, dir, opts)
	if st, _ := s.Stats(); st.Depth != 2 {
		t.Fatalf("depth %d after two acks and a crash, want 2 (one resent, one never sent)", st.Depth)
	}
	if it, _, _ := s.Oldest(); it.Seq != seqs[1] {
		t.Fatalf("oldest %d, want %d", it.Seq, seqs[1])
	}
}

func TestRejectAlsoCommitsTheWaitingDelete(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, MaxBytes: 1 << 20, MaxAge: time.Hour}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := s.Append([]byte("good"), time.Now(), 0)
	bad, _ := s.Append([]byte("bad"), time.Now(), 0)
	if err := s.Ack(good, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Reject(bad, time.Now()); err != nil {
		t.Fatal(err)
	}
	crash(t, s)
	s = open(t, dir, opts)
	if st, _ := s.Stats(); st.Depth != 0 || st.Bytes != 0 || st.Dropped != 1 || st.LastSuccess.IsZero() {
		t.Fatalf("stats %+v", st)
	}
}
