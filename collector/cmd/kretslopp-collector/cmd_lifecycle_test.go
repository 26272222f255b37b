package main

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/testkit"
)

// TestLifecycleRefreshInServeIsOnMetrics: serve runs the lifecycle refresh
// at start, and /metrics counts the run and tells when it succeeded.
func TestLifecycleRefreshInServeIsOnMetrics(t *testing.T) {
	db := testkit.NewDatabase(t)
	start := time.Now()
	c := testkit.StartCollector(t, db, testkit.CollectorOptions{YAML: "lifecycle_interval: 1h\n"})
	ok := regexp.MustCompile(`(?m)^kretslopp_background_runs_total\{[^}]*outcome="ok"[^}]*task="lifecycle"[^}]*\} 1$`)
	last := regexp.MustCompile(`(?m)^kretslopp_background_last_success_timestamp_seconds\{[^}]*task="lifecycle"[^}]*\} (\S+)$`)
	var body string
	for deadline := time.Now().Add(60 * time.Second); !ok.MatchString(body); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no successful lifecycle run on /metrics within 60 s:\n%s", body)
		}
		_, body = c.Get(t, "/metrics")
	}
	m := last.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no last-success timestamp for the lifecycle refresh:\n%s", body)
	}
	at, err := strconv.ParseFloat(m[1], 64)
	if err != nil || at < float64(start.Unix()-1) || at > float64(time.Now().Unix()+1) {
		t.Errorf("last success at %s (%v), want between the start %d and now", m[1], err, start.Unix())
	}
	if regexp.MustCompile(`outcome="error"[^}]*task="lifecycle"`).MatchString(body) {
		t.Errorf("a lifecycle run failed against a working InfluxDB:\n%s", c.Log())
	}
}
