package inventory

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// readGoroutines counts the goroutines a source started that are still
// running, from the stacks of all goroutines.
func readGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "inventory.(*source[...]).run.func")
}

// waitReadGoroutines waits until at most n such goroutines run, or fails
// at the deadline.
func waitReadGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for readGoroutines() > n {
		if time.Now().After(deadline) {
			t.Fatalf("%d read goroutines, want at most %d", readGoroutines(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSourceBoundsAHungRead: a read that ignores its context (as a read
// blocked in the kernel or in COM does) ends the call at the deadline,
// holds one goroutine while it hangs, starts no second one, and once it
// returns the next call reads again.
func TestSourceBoundsAHungRead(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	read := func(context.Context) (int, error) {
		n := calls.Add(1)
		if n == 1 {
			<-release // ignores ctx
		}
		return int(n), nil
	}
	s := source[int]{name: "battery"}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	start := time.Now()
	_, err := s.run(ctx, read)
	cancel()
	var se *SourceError
	if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) || !se.Since.IsZero() {
		t.Fatalf("hung read: %v, want a deadline SourceError", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the call took %v after a 50 ms deadline", d)
	}
	if n := readGoroutines(); n != 1 {
		t.Errorf("%d read goroutines while the read hangs, want 1", n)
	}
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = s.run(ctx, read)
		cancel()
		if !errors.As(err, &se) || se.Since.IsZero() || !errors.Is(err, errStillRunning) {
			t.Fatalf("while hung: %v, want a still-running SourceError", err)
		}
	}
	if n := readGoroutines(); n != 1 {
		t.Errorf("%d read goroutines after five more cycles, want 1", n)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("read started %d times while the first hung", n)
	}

	close(release)
	waitReadGoroutines(t, 0)
	v, err := s.run(context.Background(), read)
	if err != nil || v != 2 {
		t.Fatalf("after the hang: %v, %v; want the next read", v, err)
	}
}

func TestSourceDoneContext(t *testing.T) {
	s := source[int]{name: "hardware"}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	started := false
	_, err := s.run(ctx, func(context.Context) (int, error) { started = true; return 1, nil })
	if !errors.Is(err, context.Canceled) || started {
		t.Fatalf("err %v, started %v", err, started)
	}
}
