// Package influxtest gives integration tests a real InfluxDB 1.8 server:
// one server per test binary, started on first use, and a fresh database
// per test. With CI=true a missing or failing server fails the test; on a
// developer machine without `make influxdb` it skips with the reason.
package influxtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/influxserver"
)

var (
	shared     *influxserver.Server
	sharedErr  error
	sharedOnce sync.Once
	dbCounter  atomic.Int64
)

// Main runs the tests and stops the shared server afterwards. Use it from
// TestMain: os.Exit(influxtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	return code
}

// Unavailable stops the test: a failure under CI=true, a skip elsewhere.
func Unavailable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("InfluxDB is required (CI=true): %v", err)
	}
	tb.Skipf("InfluxDB not available: %v", err)
}

// DB is a fresh database on a real server.
type DB struct {
	Server *influxserver.Server
	URL    string
	Name   string
	// Bucket is "name/autogen", the 1.8 form of a bucket.
	Bucket string
	Org    string
	Token  string
}

// Config returns an influx.Config for this database.
func (d *DB) Config() influx.Config {
	return influx.Config{URL: d.URL, Bucket: d.Bucket, Org: d.Org, Token: d.Token}
}

// Client returns a client for this database, closed with the test.
func (d *DB) Client(tb testing.TB) *influx.Client {
	tb.Helper()
	c, err := influx.New(d.Config(), nil)
	if err != nil {
		tb.Fatalf("influx client: %v", err)
	}
	tb.Cleanup(c.Close)
	return c
}

// Query runs InfluxQL and fails the test on an error.
func (d *DB) Query(tb testing.TB, q string) []influx.Series {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	series, err := d.Client(tb).Query(ctx, q)
	if err != nil {
		tb.Fatalf("query %q: %v", q, err)
	}
	return series
}

// NewDatabase returns a fresh database on the shared server.
func NewDatabase(tb testing.TB) *DB {
	tb.Helper()
	sharedOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		shared, sharedErr = influxserver.Start(ctx, influxserver.Options{})
	})
	if sharedErr != nil {
		Unavailable(tb, sharedErr)
	}
	return CreateDatabase(tb, shared)
}

// NewServer starts a dedicated server that the test may stop, kill and
// restart; it is removed when the test ends.
func NewServer(tb testing.TB) *influxserver.Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := influxserver.Start(ctx, influxserver.Options{})
	if err != nil {
		Unavailable(tb, err)
	}
	tb.Cleanup(s.Close)
	return s
}

// CreateDatabase creates a database with a unique name on s.
func CreateDatabase(tb testing.TB, s *influxserver.Server) *DB {
	tb.Helper()
	name := fmt.Sprintf("t%d_%s", dbCounter.Add(1), sanitize(tb.Name()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Exec(ctx, fmt.Sprintf("CREATE DATABASE %q", name)); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	return &DB{Server: s, URL: s.URL, Name: name, Bucket: name + "/autogen"}
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}
