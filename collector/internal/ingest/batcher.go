package ingest

import (
	"bytes"
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
// maxLines (and influx.MaxBytesPerWrite), writes them in one request and
// tells every waiting request the outcome. Nothing is acknowledged before
// InfluxDB accepted it and nothing is kept after a failure: the agent
// keeps its data and sends it again. When InfluxDB refuses a batch, each
// request's lines are written on their own and split down to the bad
// lines (influx.SplitWrite), so that one agent's bad point fails neither
// the other agents nor its own good points.
type Batcher struct {
	w        bodyWriter
	maxLines int
	maxBytes int
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
	done  chan result
}

type result struct {
	refused []influx.Refused
	err     error
}

// NewBatcher starts workers that write through w. A worker waits up to
// linger for more requests while another write is in flight. observe, if
// not nil, is called after each write with its size, duration and error.
func NewBatcher(w bodyWriter, maxLines, workers int, linger, timeout time.Duration, logger *slog.Logger, observe func(lines int, d time.Duration, err error)) *Batcher {
	if observe == nil {
		observe = func(int, time.Duration, error) {}
	}
	b := &Batcher{
		w: w, maxLines: maxLines, maxBytes: influx.MaxBytesPerWrite, linger: linger, timeout: timeout, log: logger, observe: observe,
		subs: make(chan *submission, 4*workers*maxLines/64+16),
		stop: make(chan struct{}),
	}
	for range workers {
		b.wg.Add(1)
		go b.work()
	}
	return b
}

// Write encodes points and commits them (WriteLines). Points that line
// protocol cannot carry are left out and described in invalid; callers
// that check values first (the handler) have none.
func (b *Batcher) Write(ctx context.Context, points []influx.Point) (invalid []error, refused []influx.Refused, err error) {
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
	}
	refused, err = b.WriteLines(ctx, body, lines)
	return invalid, refused, err
}

// WriteLines commits body (lines newline-terminated lines of line
// protocol) and returns once InfluxDB took every line, or refused some
// as bad data (those are returned, the others landed), or with an error
// (InfluxDB unreachable, one of its limits): then nothing is promised and
// the agent sends everything again. A body larger than a batch is split;
// the parts are idempotent, so a partial failure only costs a resend.
func (b *Batcher) WriteLines(ctx context.Context, body []byte, lines int) (refused []influx.Refused, err error) {
	subs := b.split(body, lines)
	for _, s := range subs {
		select {
		case b.subs <- s:
		case <-b.stop:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	for _, s := range subs {
		select {
		case r := <-s.done:
			refused = append(refused, r.refused...)
			if r.err != nil && err == nil {
				err = r.err
			}
		case <-ctx.Done():
			return refused, ctx.Err()
		}
	}
	return refused, err
}

// split cuts body into submissions of at most maxLines lines and maxBytes
// bytes (a longer single line is a submission of its own).
func (b *Batcher) split(body []byte, lines int) []*submission {
	if lines <= b.maxLines && len(body) <= b.maxBytes {
		if lines == 0 {
			return nil
		}
		return []*submission{{body: body, lines: lines, done: make(chan result, 1)}}
	}
	var subs []*submission
	start, n := 0, 0
	for i := 0; i < len(body); {
		end := i + bytes.IndexByte(body[i:], '\n') + 1
		if end <= i {
			end = len(body)
		}
		if n > 0 && (n == b.maxLines || end-start > b.maxBytes) {
			subs = append(subs, &submission{body: body[start:i], lines: n, done: make(chan result, 1)})
			start, n = i, 0
		}
		n++
		i = end
	}
	if n > 0 {
		subs = append(subs, &submission{body: body[start:], lines: n, done: make(chan result, 1)})
	}
	return subs
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
		lines, size := first.lines, len(first.body)
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
			if lines+s.lines > b.maxLines || size+len(s.body) > b.maxBytes {
				carry = s
				return false
			}
			batch = append(batch, s)
			lines += s.lines
			size += len(s.body)
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
		err := b.write(context.Background(), buf, lines)
		if err != nil && influx.IsRejected(err) {
			// InfluxDB refused something in the batch (bad data or one of
			// its limits); write each request's lines on their own, split
			// down to the bad lines, so that one agent's bad point or new
			// series fails neither the others nor its own good points.
			for _, s := range batch {
				refused, err := influx.SplitWrite(context.Background(), b.write, s.body, s.lines, influx.MaxSplitWrites)
				s.done <- result{refused, err}
			}
			continue
		}
		for _, s := range batch {
			s.done <- result{err: err}
		}
	}
}

func (b *Batcher) write(_ context.Context, body []byte, lines int) error {
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
