package ingest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
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
	if _, err := b.Write(context.Background(), points); err != nil {
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
		go func() { defer wg.Done(); _, err := b.Write(context.Background(), point("d")); errs <- err }()
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
	results := map[string]error{}
	var mu sync.Mutex
	for _, d := range []string{"a", "bad", "c", "d", "e"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.Write(context.Background(), point(d))
			mu.Lock()
			results[d] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	for d, err := range results {
		if d == "bad" && !influx.IsRejected(err) {
			t.Errorf("bad data: got %v, want the rejection", err)
		}
		if d != "bad" && err != nil {
			t.Errorf("device %s failed because of another device's data: %v", d, err)
		}
	}
}

func TestBatcherHonoursContext(t *testing.T) {
	block := make(chan struct{})
	w := &recordingWriter{fail: func([]byte) error { <-block; return nil }}
	b := NewBatcher(w, 100, 1, 0, time.Minute, slog.New(slog.DiscardHandler), nil)
	defer func() { close(block); b.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := b.Write(ctx, point("d")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want deadline exceeded", err)
	}
}

func TestBatcherLeavesOutInvalidPoints(t *testing.T) {
	w := &recordingWriter{}
	b := NewBatcher(w, 100, 1, 0, time.Second, slog.New(slog.DiscardHandler), nil)
	defer b.Close()
	points := append(point("good"), influx.Point{Measurement: "device", Tags: map[string]string{"device_id": "x"},
		Fields: map[string]any{"hostname": "bad\xff"}, Time: time.Unix(1, 0)})
	invalid, err := b.Write(context.Background(), points)
	if err != nil {
		t.Fatal(err)
	}
	if len(invalid) != 1 || len(w.writes) != 1 || w.writes[0] != 1 {
		t.Errorf("invalid = %v, writes = %v; want the bad point left out and the good one written", invalid, w.writes)
	}
}
