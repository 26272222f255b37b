// Package e2e holds end-to-end tests that run the real kretslopp-agent
// and kretslopp-collector binaries against a real InfluxDB.
package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/internal/influxserver"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

const token = testkit.AgentToken

// recordingProxy forwards to the collector and notes, in arrival order,
// the report timestamp of every request the collector acknowledged.
type recordingProxy struct {
	mu    sync.Mutex
	acked []int64
	proxy *httputil.ReverseProxy
}

func (p *recordingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &statusWriter{ResponseWriter: w}
	p.proxy.ServeHTTP(rec, r)
	if rec.status != http.StatusOK {
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return
	}
	raw, _ := io.ReadAll(zr)
	var req colmetricpb.ExportMetricsServiceRequest
	if proto.Unmarshal(raw, &req) != nil {
		return
	}
	for _, rm := range req.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				if m.GetName() == schema.MetricUptime {
					p.mu.Lock()
					p.acked = append(p.acked, int64(m.GetGauge().GetDataPoints()[0].GetTimeUnixNano()))
					p.mu.Unlock()
				}
			}
		}
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

// TestAgentSurvivesCollectorOutage runs the real agent at a one-second
// interval while the collector is down for several cycles, then starts the
// collector: every sample must arrive, oldest first, with the time it was
// taken, exactly once.
func TestAgentSurvivesCollectorOutage(t *testing.T) {
	agentBin := testkit.Binary(t, testkit.Agent)
	db := testkit.NewDatabase(t)
	dir := t.TempDir()
	emptyConfig := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(emptyConfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	port, err := influxserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	sysfs, err := filepath.Abs("../../../agent/internal/inventory/testdata/sysfs/thinkpad-t14-energy")
	if err != nil {
		t.Fatal(err)
	}
	spoolDir := filepath.Join(dir, "spool")
	agentEnv := append(os.Environ(),
		"KRETSLOPP_COLLECTOR_URL=http://127.0.0.1:"+strconv.Itoa(port),
		"KRETSLOPP_TOKEN="+token,
		"KRETSLOPP_SPOOL_DIR="+spoolDir,
		"KRETSLOPP_INTERVAL=1s",
		"KRETSLOPP_SYSFS_ROOT="+sysfs,
	)
	var agentLog bytes.Buffer
	agent := exec.Command(agentBin, "--config", emptyConfig, "run")
	agent.Env, agent.Stdout, agent.Stderr = agentEnv, &agentLog, &agentLog
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	agentStart := time.Now()
	defer func() { _ = agent.Process.Kill(); _, _ = agent.Process.Wait() }()

	// The collector is down for about five collection cycles.
	time.Sleep(5 * time.Second)
	collectorStart := time.Now()

	collector := testkit.StartCollector(t, db, testkit.CollectorOptions{})
	target, _ := url.Parse(collector.URL)
	rec := &recordingProxy{proxy: httputil.NewSingleHostReverseProxy(target)}
	front := &http.Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Handler: rec}
	go func() { _ = front.ListenAndServe() }()
	defer front.Close()

	// The agent backs off while the collector is down; the backoff is
	// capped so it comes back within the minute. Wait until the spool is
	// empty and a few live reports have arrived.
	deadline := time.Now().Add(60 * time.Second)
	for {
		rec.mu.Lock()
		n := len(rec.acked)
		var newest int64
		if n > 0 {
			newest = rec.acked[n-1]
		}
		rec.mu.Unlock()
		if n > 0 && time.Unix(0, newest).After(collectorStart.Add(3*time.Second)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent did not deliver after the outage (%d reports acknowledged)\nagent log:\n%s", n, agentLog.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = agent.Process.Signal(syscall.SIGTERM)
	if _, err := agent.Process.Wait(); err != nil {
		t.Fatal(err)
	}

	// Nothing is left behind or dropped in the spool.
	var status struct {
		Depth        int    `json:"depth"`
		DroppedTotal uint64 `json:"dropped_total"`
	}
	cmd := exec.Command(agentBin, "--config", emptyConfig, "spool", "--json")
	cmd.Env = agentEnv
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("spool --json: %v", err)
	}
	if err := json.Unmarshal(out, &status); err != nil {
		t.Fatalf("spool --json output %q: %v", out, err)
	}
	if status.Depth != 0 || status.DroppedTotal != 0 {
		t.Errorf("spool after delivery: %+v, want empty and nothing dropped", status)
	}

	rec.mu.Lock()
	acked := append([]int64(nil), rec.acked...)
	rec.mu.Unlock()
	// Oldest first: acknowledged in the order the samples were taken.
	if !sort.SliceIsSorted(acked, func(i, j int) bool { return acked[i] < acked[j] }) {
		t.Errorf("reports arrived out of order: %v", acked)
	}
	// Once: no sample acknowledged twice.
	seen := map[int64]bool{}
	for _, ts := range acked {
		if seen[ts] {
			t.Errorf("sample at %s delivered twice", time.Unix(0, ts).UTC().Format(time.RFC3339Nano))
		}
		seen[ts] = true
	}
	// Original timestamps: the samples taken during the outage keep their time.
	outage := 0
	for _, ts := range acked {
		if time.Unix(0, ts).Before(collectorStart) {
			outage++
		}
	}
	if outage < 3 {
		t.Errorf("%d samples from the 5 s outage arrived with their original time, want at least 3", outage)
	}
	// Every sample: one a second from the first to the last, no gaps.
	for i := 1; i < len(acked); i++ {
		if gap := time.Duration(acked[i] - acked[i-1]); gap > 1800*time.Millisecond {
			t.Errorf("gap of %s between samples %d and %d: a sample is missing", gap, i-1, i)
		}
	}
	if first := time.Unix(0, acked[0]); first.Sub(agentStart) > 2500*time.Millisecond {
		t.Errorf("first sample taken %s after the agent started; the start-up delay is at most one interval", first.Sub(agentStart))
	}
	// And InfluxDB holds exactly these samples.
	series := db.Query(t, `SELECT uptime_s FROM device`)
	if len(series) != 1 || len(series[0].Values) != len(acked) {
		t.Fatalf("InfluxDB has %v, want %d device points", series, len(acked))
	}
	for i, v := range series[0].Values {
		ts, _ := time.Parse(time.RFC3339Nano, v[0].(string))
		if ts.UnixNano() != acked[i] {
			t.Errorf("point %d at %s, want %s", i, ts.Format(time.RFC3339Nano), time.Unix(0, acked[i]).UTC().Format(time.RFC3339Nano))
		}
	}
	bat := db.Query(t, `SELECT count(health_pct) FROM battery`)
	if len(bat) != 1 || bat[0].Values[0][1] != float64(len(acked)) {
		t.Errorf("battery points %v, want one per report (%d)", bat, len(acked))
	}
	t.Logf("%d samples delivered, %d of them taken while the collector was down", len(acked), outage)
}
