package runner

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/agent/internal/inventory"
	"github.com/kretslopp/kretslopp/agent/internal/sender"
	"github.com/kretslopp/kretslopp/agent/internal/spool"
)

// TestRunRecoversAfterOutage: the collector fails the first requests, then
// comes back; every batch arrives and the spool ends empty.
func TestRunRecoversAfterOutage(t *testing.T) {
	var calls, ok atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		ok.Add(1)
	}))
	defer srv.Close()
	dir := t.TempDir()
	sp, err := spool.Open(spool.Options{Dir: dir, MaxBytes: 1 << 20, MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	snd, err := sender.New(sender.Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := &Runner{
		Interval:  time.Second,
		Reader:    inventory.NewReader(inventory.Options{SysfsRoot: "../inventory/testdata/sysfs/thinkpad-t14-energy"}, log),
		Spool:     sp,
		Sender:    snd,
		Log:       log,
		StatusDir: dir,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	// Wait for the status file too: the collector counting a batch does
	// not mean that the delivery it belongs to has returned, and the
	// status is written after it returns (cancelling in between left a
	// status without the success on a loaded machine).
	var st spool.Stats
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		st, err = ReadStatus(dir)
		if ok.Load() >= 3 && err == nil && !st.LastSuccess.IsZero() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ok.Load() < 3 {
		t.Fatalf("only %d batches accepted after the outage", ok.Load())
	}
	if st.LastSuccess.IsZero() || st.LastError == "" {
		t.Errorf("status %+v (%v)", st, err)
	}
}
