// Package influxtest is the collector's view of internal/testkit's real
// InfluxDB: the same fresh database per test, with the collector's own
// client (collector/internal/influx) and configuration, which a top-level
// package may not import.
package influxtest

import (
	"context"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/influxserver"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

// Main is testkit.Main: os.Exit(influxtest.Main(m)) from TestMain.
func Main(m *testing.M) int { return testkit.Main(m) }

// DB is a fresh database on a real server.
type DB struct{ *testkit.DB }

// NewDatabase returns a fresh database on the shared server.
func NewDatabase(tb testing.TB) *DB { tb.Helper(); return &DB{testkit.NewDatabase(tb)} }

// NewServer starts a server the test may stop, kill and restart.
func NewServer(tb testing.TB) *influxserver.Server { tb.Helper(); return testkit.NewServer(tb) }

// CreateDatabase creates a database with a unique name on s.
func CreateDatabase(tb testing.TB, s *influxserver.Server) *DB {
	tb.Helper()
	return &DB{testkit.CreateDatabase(tb, s)}
}

// Config returns an influx.Config for this database.
func (d *DB) Config() influx.Config { return influx.Config{URL: d.URL, Bucket: d.Bucket} }

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

// Query runs InfluxQL with the collector's client and fails the test on
// an error.
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
