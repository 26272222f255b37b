package inventory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A hardware source can hang where no context reaches it: a sysfs read
// blocked in an ACPI method, a WMI query stuck in COM, an ioreg that does
// not exit. source runs one such read at a time in a goroutine of its own
// and stops waiting when the context ends; the goroutine finishes whenever
// the read returns (at once for reads that honour the context, which the
// sysfs, ioreg and WMI readers do wherever the OS lets them). While a read
// is still running no second one starts, so a read that never returns
// holds exactly one goroutine, however many cycles pass.
type source[T any] struct {
	name  string
	mu    sync.Mutex
	since time.Time // start of the running read; zero when idle
}

// SourceError says that a source did not answer within a cycle's deadline,
// or that its earlier read is still running and no new one was started.
type SourceError struct {
	Source string
	// Since is when the still-running read started; zero for a timeout.
	Since time.Time
	Err   error
}

func (e *SourceError) Error() string {
	if !e.Since.IsZero() {
		return fmt.Sprintf("%s: the read started %s ago has not returned; not started again", e.Source, time.Since(e.Since).Round(time.Second))
	}
	return fmt.Sprintf("%s: no answer before the deadline: %v", e.Source, e.Err)
}

func (e *SourceError) Unwrap() error { return e.Err }

// errStillRunning is what a SourceError for a still-running read wraps.
var errStillRunning = errors.New("earlier read still running")

// run calls read in a goroutine and waits for it or for ctx, whichever
// comes first.
func (s *source[T]) run(ctx context.Context, read func(context.Context) (T, error)) (T, error) {
	var zero T
	s.mu.Lock()
	if !s.since.IsZero() {
		since := s.since
		s.mu.Unlock()
		return zero, &SourceError{Source: s.name, Since: since, Err: errStillRunning}
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return zero, &SourceError{Source: s.name, Err: err}
	}
	s.since = time.Now()
	s.mu.Unlock()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := read(ctx)
		s.mu.Lock()
		s.since = time.Time{}
		s.mu.Unlock()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, &SourceError{Source: s.name, Err: ctx.Err()}
	}
}

// transientError marks a failure worth trying again next cycle (a command
// or WMI query that failed), as opposed to one that will not change while
// the agent runs (a DMI file readable by root only).
type transientError struct{ err error }

func (e transientError) Error() string { return e.err.Error() }
func (e transientError) Unwrap() error { return e.err }

func isTransient(err error) bool {
	var t transientError
	var s *SourceError
	return errors.As(err, &t) || errors.As(err, &s)
}
