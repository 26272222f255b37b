// Package runner is the agent's main loop: read a snapshot every interval,
// commit it to the spool, and deliver the spool in the background with
// backoff.
package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/kretslopp/kretslopp/agent/internal/inventory"
	"github.com/kretslopp/kretslopp/agent/internal/report"
	"github.com/kretslopp/kretslopp/agent/internal/sender"
	"github.com/kretslopp/kretslopp/agent/internal/spool"
)

// StatusFile is written next to the spool after every cycle so that
// `kretslopp-agent spool` can report while the service holds the lock.
const StatusFile = "status.json"

// Runner holds the parts of the loop.
type Runner struct {
	Interval time.Duration
	Reader   *inventory.Reader
	Spool    *spool.Spool
	Sender   *sender.Sender
	Log      *slog.Logger
	// StatusDir receives status.json; none when empty.
	StatusDir string
	// StartDelay overrides the random start-up delay (tests); negative
	// means random in [0, Interval).
	StartDelay time.Duration
	// ReadTimeout bounds a cycle's reading; 0 means the interval, at most
	// MaxReadTimeout.
	ReadTimeout time.Duration

	statusAt  time.Time
	statusErr bool
}

// MaxReadTimeout is the longest a cycle's reading may take by default.
const MaxReadTimeout = 30 * time.Second

func (r *Runner) readTimeout() time.Duration {
	if r.ReadTimeout > 0 {
		return r.ReadTimeout
	}
	return min(r.Interval, MaxReadTimeout)
}

// statusEvery bounds how often status.json is rewritten while nothing
// changes; a change between success and failure is written at once.
const statusEvery = time.Minute

// Run loops until ctx is cancelled.
func (r *Runner) Run(ctx context.Context) error {
	delay := r.StartDelay
	if delay < 0 {
		// Spread thousands of laptops waking at the same time.
		delay = rand.N(r.Interval)
	}
	r.Log.InfoContext(ctx, "agent running", "interval", r.Interval, "start_delay", delay.Round(time.Millisecond))
	kick := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.deliverLoop(ctx, kick)
	}()
	defer func() { <-done }()

	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		next := time.Now().Add(r.Interval)
		if err := r.Cycle(ctx); err != nil {
			r.Log.ErrorContext(ctx, "cycle failed", "err", err)
		}
		select {
		case kick <- struct{}{}:
		default:
		}
		timer.Reset(time.Until(next))
	}
}

// Cycle reads one snapshot and commits it to the spool. The reading has a
// deadline: a source that has not answered by then (a hung WMI query,
// ioreg or sysfs read) is left out of this cycle's report, which still
// goes out, and an error names it; the next cycle reads it again.
func (r *Runner) Cycle(ctx context.Context) error {
	rctx, cancel := context.WithTimeout(ctx, r.readTimeout())
	snap, readErr := r.Reader.Read(rctx)
	cancel()
	if readErr != nil && ctx.Err() == nil {
		r.Log.ErrorContext(ctx, "reading incomplete; reporting what was read", "err", readErr, "read_timeout", r.readTimeout())
	}
	dropped, err := r.Spool.Dropped()
	if err != nil {
		return err
	}
	body := sender.Gzip(report.Build(snap, dropped).Marshal())
	if _, err := r.Spool.Append(body, snap.Time, dropped); err != nil {
		return err
	}
	return nil
}

// deliverLoop drains the spool whenever kicked, retrying with backoff.
func (r *Runner) deliverLoop(ctx context.Context, kick <-chan struct{}) {
	bo := sender.NewBackoff(r.Interval)
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
			if retry != nil {
				continue // already waiting out a backoff
			}
		case <-retry:
			retry = nil
		}
		n, err := sender.Deliver(ctx, r.Sender, r.Spool, r.Log)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			d := bo.Next(err)
			r.Log.WarnContext(ctx, "delivery failed; will retry", "err", err, "retry_in", d.Round(time.Millisecond), "sent", n)
			retry = time.After(d)
		} else {
			if n > 0 {
				r.Log.DebugContext(ctx, "delivered", "batches", n)
			}
			bo.Reset()
		}
		if failed := err != nil; failed != r.statusErr || time.Since(r.statusAt) >= statusEvery {
			r.statusErr, r.statusAt = failed, time.Now()
			r.writeStatus()
		}
	}
}

// writeStatus writes status.json atomically; failures are logged at debug.
func (r *Runner) writeStatus() {
	if r.StatusDir == "" {
		return
	}
	st, err := r.Spool.Stats()
	if err == nil {
		err = WriteStatus(r.StatusDir, st)
	}
	if err != nil {
		r.Log.Debug("status file not written", "err", err)
	}
}

// WriteStatus writes st to dir/status.json through a rename.
func WriteStatus(dir string, st spool.Stats) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	tmp := filepath.Join(dir, StatusFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, StatusFile)); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	return nil
}

// ReadStatus reads dir/status.json.
func ReadStatus(dir string) (spool.Stats, error) {
	var st spool.Stats
	data, err := os.ReadFile(filepath.Join(dir, StatusFile))
	if err != nil {
		return st, fmt.Errorf("status: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("status: %w", errors.Join(err))
	}
	return st, nil
}
