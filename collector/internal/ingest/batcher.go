package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
)

// ErrClosed is returned for writes submitted after Close.
var ErrClosed = errors.New("ingest: writer is closed")

// bodyWriter is the part of influx.Client the batcher needs; tests give it
// a failing writer.
type bodyWriter interface {
	WriteBody(ctx context.Context, body []byte, lines int) error
}

// Batcher commits the points of concurrent requests to InfluxDB together
// (group commit): each worker takes whatever requests are waiting, up to
// maxLines, writes them in one request and tells every waiting request the
// outcome. Nothing is acknowledged before InfluxDB accepted it and nothing
// is kept after a failure: the agent keeps its data and sends it again.
type Batcher struct {
	w        bodyWriter
	maxLines int
	timeout  time.Duration
	log      *slog.Logger
	observe  func(lines int, d time.Duration, err error)
	linger   time.Duration
	inflight atomic.Int32

	subs chan *submission
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

type submission struct {
	body  []byte
	lines int
	done  chan error
}

// NewBatcher starts workers that write through w. A worker waits up to
// linger for more requests while another write is in flight. observe, if
// not nil, is called after each write with its size, duration and error.
func NewBatcher(w bodyWriter, maxLines, workers int, linger, timeout time.Duration, logger *slog.Logger, observe func(lines int, d time.Duration, err error)) *Batcher {
	if observe == nil {
		observe = func(int, time.Duration, error) {}
	}
	b := &Batcher{
		w: w, maxLines: maxLines, linger: linger, timeout: timeout, log: logger, observe: observe,
		subs: make(chan *submission, 4*workers*maxLines/64+16),
		stop: make(chan struct{}),
	}
	for range workers {
		b.wg.Add(1)
		go b.work()
	}
	return b
}

// Write commits the given points and returns once InfluxDB accepted them
// all, or with the first error. Points that line protocol cannot carry
// (invalid UTF-8, for one) are left out and described in invalid, so that
// one bad value does not make an agent resend its batch for ever. A
// request larger than maxLines is split; the parts are idempotent, so a
// partial failure only costs a resend.
func (b *Batcher) Write(ctx context.Context, points []influx.Point) (invalid []error, err error) {
	subs, invalid := encode(points, b.maxLines)
	for _, s := range subs {
		select {
		case b.subs <- s:
		case <-b.stop:
			return invalid, ErrClosed
		case <-ctx.Done():
			return invalid, ctx.Err()
		}
	}
	for _, s := range subs {
		select {
		case werr := <-s.done:
			if werr != nil && err == nil {
				err = werr
			}
		case <-ctx.Done():
			return invalid, ctx.Err()
		}
	}
	return invalid, err
}

// encode turns points into submissions of at most maxLines lines.
func encode(points []influx.Point, maxLines int) (subs []*submission, invalid []error) {
	var body []byte
	lines := 0
	for _, p := range points {
		next, err := p.AppendLine(body)
		if err != nil {
			invalid = append(invalid, err)
			continue
		}
		body = next
		lines++
		if lines == maxLines {
			subs = append(subs, &submission{body: body, lines: lines, done: make(chan error, 1)})
			body, lines = nil, 0
		}
	}
	if lines > 0 {
		subs = append(subs, &submission{body: body, lines: lines, done: make(chan error, 1)})
	}
	return subs, invalid
}

func (b *Batcher) work() {
	defer b.wg.Done()
	var carry *submission
	batch := make([]*submission, 0, 64)
	var buf []byte
	for {
		first := carry
		carry = nil
		if first == nil {
			select {
			case first = <-b.subs:
			case <-b.stop:
				return
			}
		}
		batch = append(batch[:0], first)
		lines := first.lines
		// While another write is in flight InfluxDB is busy anyway, so
		// waiting a little for more requests costs no throughput and makes
		// the batch larger; when InfluxDB is idle the batch goes at once.
		var linger <-chan time.Time
		var timer *time.Timer
		if b.linger > 0 && b.inflight.Load() > 0 {
			timer = time.NewTimer(b.linger)
			linger = timer.C
		}
		// take adds s to the batch, or keeps it for the next batch and
		// reports false when it would not fit.
		take := func(s *submission) bool {
			if lines+s.lines > b.maxLines {
				carry = s
				return false
			}
			batch = append(batch, s)
			lines += s.lines
			return true
		}
	drain:
		for lines < b.maxLines {
			select {
			case s := <-b.subs:
				if !take(s) {
					break drain
				}
				continue
			default:
			}
			if linger == nil {
				break
			}
			select {
			case s := <-b.subs:
				if !take(s) {
					break drain
				}
			case <-linger:
				break drain
			}
		}
		if timer != nil {
			timer.Stop()
		}
		buf = buf[:0]
		for _, s := range batch {
			buf = append(buf, s.body...)
		}
		err := b.write(buf, lines)
		if err != nil && len(batch) > 1 && influx.IsRejected(err) {
			// InfluxDB refused something in the batch; find out whose it
			// was so that one agent's bad data does not fail the others.
			for _, s := range batch {
				s.done <- b.write(s.body, s.lines)
			}
			continue
		}
		for _, s := range batch {
			s.done <- err
		}
	}
}

func (b *Batcher) write(body []byte, lines int) error {
	b.inflight.Add(1)
	defer b.inflight.Add(-1)
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	start := time.Now()
	err := b.w.WriteBody(ctx, body, lines)
	b.observe(lines, time.Since(start), err)
	if err != nil {
		b.log.Warn("influxdb write failed", "lines", lines, "err", err)
	}
	return err
}

// Close stops the workers after their current write. Call it after the
// HTTP server has shut down, so no request is left waiting.
func (b *Batcher) Close() {
	b.once.Do(func() { close(b.stop) })
	b.wg.Wait()
}
