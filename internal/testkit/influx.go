package testkit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/influxserver"
)

var (
	shared     *influxserver.Server
	sharedErr  error
	sharedOnce sync.Once
	dbCounter  atomic.Int64
)

func stopShared() {
	if shared != nil {
		shared.Close()
	}
}

// DB is a fresh database on a real InfluxDB 1.8 server.
type DB struct {
	Server *influxserver.Server
	URL    string
	Name   string
	// Bucket is "name/autogen", the 1.8 form of a bucket.
	Bucket string
}

// Env is the collector's environment for this database.
func (d *DB) Env() []string {
	return []string{"KRETSLOPP_INFLUX_URL=" + d.URL, "KRETSLOPP_INFLUX_BUCKET=" + d.Bucket}
}

// NewDatabase returns a fresh database on the InfluxDB server that the
// test process shares (started on first use; Main stops it).
func NewDatabase(tb testing.TB) *DB {
	tb.Helper()
	sharedOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		shared, sharedErr = influxserver.Start(ctx, influxserver.Options{})
	})
	Require(tb, "InfluxDB", sharedErr)
	return CreateDatabase(tb, shared)
}

// NewServer starts a server of the test's own that it may stop, kill and
// restart; it is removed when the test ends.
func NewServer(tb testing.TB) *influxserver.Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := influxserver.Start(ctx, influxserver.Options{})
	Require(tb, "InfluxDB", err)
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

// Series is one series of an InfluxQL result, as /query returns it.
type Series struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

// Query runs InfluxQL and fails the test on an error.
func (d *DB) Query(tb testing.TB, q string) []Series {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	series, err := d.TryQuery(ctx, q)
	if err != nil {
		tb.Fatal(err)
	}
	return series
}

// TryQuery runs InfluxQL and returns the series of every statement, or the
// first error a statement gave.
func (d *DB) TryQuery(ctx context.Context, q string) ([]Series, error) {
	form := url.Values{"q": {q}, "db": {d.Name}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL+"/query", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	defer resp.Body.Close()
	var body struct {
		Results []struct {
			Series []Series `json:"series"`
			Error  string   `json:"error"`
		} `json:"results"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %q: %s: %w", q, resp.Status, err)
	}
	if body.Error != "" {
		return nil, fmt.Errorf("query %q: %s", q, body.Error)
	}
	var out []Series
	for _, r := range body.Results {
		if r.Error != "" {
			return nil, fmt.Errorf("query %q: %s", q, r.Error)
		}
		out = append(out, r.Series...)
	}
	return out, nil
}
