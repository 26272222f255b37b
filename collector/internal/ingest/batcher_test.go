package ingest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	influxhttp "github.com/influxdata/influxdb-client-go/v2/api/http"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
)

// recordingWriter stands in for InfluxDB in these unit tests only; the
// integration tests in collector/internal/server use a real server.
type recordingWriter struct {
	mu     sync.Mutex
	writes []int
	fail   func(body []byte) error
}

func (w *recordingWriter) WriteBody(_ context.Context, body []byte, lines int) error {
	w.mu.Lock()
	w.writes = append(w.writes, lines)
	w.mu.Unlock()
	if w.fail != nil {
		return w.fail(body)
	}
	return nil
}

func point(device string) []influx.Point {
	return []influx.Point{{Measurement: "device", Tags: map[string]string{"device_id": device}, Fields: map[string]any{"uptime_s": 1.0}, Time: time.Unix(1, 0)}}
}

func TestBatcherSplitsLargeRequests(t *testing.T) {
	w := &recordingWriter{}
	b := NewBatcher(w, 3, 1, 0, time.Second, slog.New(slog.DiscardHandler), nil)
	defer b.Close()
	var points []influx.Point
	for range 7 {
		points = append(points, point("d")...)
	}
	if _, _, err := b.Write(context.Background(), points); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range w.writes {
		if n > 3 {
			t.Errorf("a write of %d lines exceeds the limit 3", n)
		}
		total += n
	}
	if total != 7 {
		t.Errorf("wrote %d lines, want 7", total)
	}
}

func TestBatcherReportsWriteFailureToEveryWaiter(t *testing.T) {
	down := errors.New("connection refused")
	w := &recordingWriter{fail: func([]byte) error { return down }}
	b := NewBatcher(w, 100, 2, 0, time.Second, slog.New(slog.DiscardHandler), nil)
	defer b.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _, err := b.Write(context.Background(), point("d")); errs <- err }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, down) {
			t.Errorf("waiter got %v, want the write error", err)
		}
	}
}

func TestBatcherIsolatesRejectedData(t *testing.T) {
	rejected := &influxhttp.Error{StatusCode: 400, Message: "partial write: field type conflict"}
	w := &recordingWriter{fail: func(body []byte) error {
		if bytes.Contains(body, []byte("device_id=bad")) {
			return rejected
		}
		return nil
	}}
	// One worker and a blocked first write make the others queue up and
	// share a batch with the bad one.
	b := NewBatcher(w, 100, 1, 0, time.Second, slog.New(slog.DiscardHandler), nil)
	defer b.Close()
	var wg sync.WaitGroup
	type outcome struct {
		refused []influx.Refused
		err     error
	}
	results := map[string]outcome{}
	var mu sync.Mutex
	for _, d := range []string{"a", "bad", "c", "d", "e"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			points := point(d)
			if d == "bad" {
				points = append(points, point("good-of-bad")...)
			}
			_, refused, err := b.Write(context.Background(), points)
			mu.Lock()
			results[d] = outcome{refused, err}
			mu.Unlock()
		}()
	}
	wg.Wait()
	for d, o := range results {
		if o.err != nil {
			t.Errorf("device %s: %v; a refused point is no write error", d, o.err)
		}
		if d == "bad" && (len(o.refused) != 1 || !strings.Contains(o.refused[0].Line, "device_id=bad") || !strings.Contains(o.refused[0].Reason, "field type conflict")) {
			t.Errorf("bad data: refused %v, want the one bad line named", o.refused)
		}
		if d != "bad" && len(o.refused) > 0 {
			t.Errorf("device %s refused because of another device's data: %v", d, o.refused)
		}
	}
}

// A limit of InfluxDB's is no bad data: the request that met it gets the
// error (the agent keeps its report), the others in the batch do not.
func TestBatcherLimitErrorIsAnError(t *testing.T) {
	limit := &influxhttp.Error{StatusCode: 400, Message: `partial write: max-values-per-tag limit exceeded (100000/100000): measurement="device" tag="device_id" value="new" dropped=1`}
	w := &recordingWriter{fail: func(body []byte) error {
		if bytes.Contains(body, []byte("device_id=new")) {
			return limit
		}
		return nil
	}}
	b := NewBatcher(w, 100, 1, 0, time.Second, slog.New(slog.DiscardHandler), nil)
	defer b.Close()
	if _, refused, err := b.Write(context.Background(), append(point("old"), point("new")...)); !influx.IsLimit(err) || len(refused) > 0 {
		t.Errorf("refused %v, err %v; want the limit error and nothing refused", refused, err)
	}
	if _, _, err := b.Write(context.Background(), point("old")); err != nil {
		t.Errorf("a known device: %v", err)
	}
}

// Long lines: a batch is bounded by bytes as well as lines.
func TestBatcherSplitsByBytes(t *testing.T) {
	w := &recordingWriter{}
	b := NewBatcher(w, 5000, 1, 0, time.Second, slog.New(slog.DiscardHandler), nil)
	b.maxBytes = 1000
	defer b.Close()
	var points []influx.Point
	for i := range 30 {
		points = append(points, influx.Point{Measurement: "device", Tags: map[string]string{"device_id": strings.Repeat("x", 200) + strconv.Itoa(i)}, Fields: map[string]any{"uptime_s": 1.0}, Time: time.Unix(1, 0)})
	}
	if _, _, err := b.Write(context.Background(), points); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range w.writes {
		total += n
		if n > 4 {
			t.Errorf("a write of %d lines of ~230 bytes exceeds 1000 bytes", n)
		}
	}
	if total != 30 {
		t.Errorf("wrote %d lines, want 30", total)
	}
}

func TestBatcherHonoursContext(t *testing.T) {
	block := make(chan struct{})
	w := &recordingWriter{fail: func([]byte) error { <-block; return nil }}
	b := NewBatcher(w, 100, 1, 0, time.Minute, slog.New(slog.DiscardHandler), nil)
	defer func() { close(block); b.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := b.Write(ctx, point("d")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want deadline exceeded", err)
	}
}

func TestBatcherLeavesOutInvalidPoints(t *testing.T) {
	w := &recordingWriter{}
	b := NewBatcher(w, 100, 1, 0, time.Second, slog.New(slog.DiscardHandler), nil)
	defer b.Close()
	points := append(point("good"), influx.Point{Measurement: "device", Tags: map[string]string{"device_id": "x"},
		Fields: map[string]any{"hostname": "bad\xff"}, Time: time.Unix(1, 0)})
	invalid, _, err := b.Write(context.Background(), points)
	if err != nil {
		t.Fatal(err)
	}
	if len(invalid) != 1 || len(w.writes) != 1 || w.writes[0] != 1 {
		t.Errorf("invalid = %v, writes = %v; want the bad point left out and the good one written", invalid, w.writes)
	}
}
