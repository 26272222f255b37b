package ingest

import (
	"bytes"
	"errors"
	"net/http"
	"testing"

	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// readBody takes in-flight bytes as its buffer grows and stops with
// errBusy when there are no more; what it took goes back on release.
func TestReadBodyHoldsItsBytesInFlight(t *testing.T) {
	f := NewInflight(2<<20 + outputSlack)
	body := bytes.Repeat([]byte("x"), 1<<20)
	l := f.lease(outputSlack + 4096)
	data, err := readBody(bytes.NewReader(body), "", 8<<20, l)
	if err != nil || len(data) != len(body) {
		t.Fatalf("read %d bytes, %v", len(data), err)
	}
	if f.Bytes() < int64(len(body)) || f.Bytes() != l.n {
		t.Errorf("in flight %d, lease %d, body %d", f.Bytes(), l.n, len(body))
	}
	other := f.lease(outputSlack + 4096)
	if _, err := readBody(bytes.NewReader(append(body, body...)), "", 8<<20, other); !errors.Is(err, errBusy) {
		t.Errorf("a second large body with no room left: %v, want errBusy", err)
	}
	other.release()
	l.release()
	if f.Bytes() != 0 {
		t.Errorf("%d bytes still in flight after release", f.Bytes())
	}
	if f.lease(3<<20) != nil {
		t.Error("a lease larger than the bound was granted")
	}
}

// A gzip bomb costs no more than the limit: it is cut off while
// decompressing and refused with 413.
func TestReadBodyStopsAGzipBomb(t *testing.T) {
	bomb := agentsim.Gzip(make([]byte, 64<<20))
	f := NewInflight(64 << 20)
	_, err := readBody(bytes.NewReader(bomb), "gzip", 8<<20, f.lease(outputSlack))
	if StatusOf(err) != http.StatusRequestEntityTooLarge {
		t.Fatalf("gzip bomb: %v (status %d), want 413", err, StatusOf(err))
	}
	if f.Bytes() > 16<<20+outputSlack {
		t.Errorf("the bomb took %d bytes in flight", f.Bytes())
	}
}
