package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/graphsim"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

// simTimeScale runs the simulator's documented throttling, and the
// collector's pacing (KRETSLOPP_GRAPH_TIME_SCALE), this much faster.
const simTimeScale = 1000

// pullSim starts a simulator at the given date and points the real binary
// at it through the environment, trusting its CA through SSL_CERT_FILE
// only (as in the demo and in production with a private CA).
func pullSim(t *testing.T, today time.Time, story graphsim.Story, scale float64) *graphsim.Server {
	t.Helper()
	sim, err := graphsim.Start("", graphsim.Options{
		Story:    story,
		Now:      func() time.Time { return today.Add(12 * time.Hour) },
		TenantID: "tenant", ClientID: "app", ClientSecret: "pull-test-secret",
		TimeScale: scale,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, sim.CACertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"SSL_CERT_FILE": ca, "KRETSLOPP_GRAPH_BASE_URL": sim.BaseURL(), "KRETSLOPP_GRAPH_AUTHORITY_HOST": sim.AuthorityHost(),
		"KRETSLOPP_GRAPH_TENANT_ID": "tenant", "KRETSLOPP_GRAPH_CLIENT_ID": "app", "KRETSLOPP_GRAPH_CLIENT_SECRET": "pull-test-secret",
		"KRETSLOPP_GRAPH_TIME_SCALE": strconv.FormatFloat(scale, 'f', -1, 64),
	} {
		t.Setenv(k, v)
	}
	return sim
}

// TestPullThenReportShowsGrowth: simulator → pull (the real binary) → real
// InfluxDB → report shows the Teams jump of 2020 (and, with graph.skype,
// the decline of Skype for Business).
func TestPullThenReportShowsGrowth(t *testing.T) {
	db := influxtest.NewDatabase(t)
	t.Setenv("KRETSLOPP_GRAPH_SKYPE", "true")
	for _, today := range []string{"2020-01-02", "2021-01-02"} {
		day, _ := time.Parse("2006-01-02", today)
		pullSim(t, day, graphsim.Story{Seed: 2020, CallRecordScale: 0.005}, simTimeScale)
		r := runCLI(t, db, "pull", "--once", "--today", today)
		if r.code != 0 {
			t.Fatalf("pull at %s: exit %d\n%s\n%s", today, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "0 of 7 failed") || !strings.Contains(r.stdout, "getTeamsUserActivityCounts") {
			t.Errorf("summary:\n%s", r.stdout)
		}
		if strings.Contains(r.stderr, "pull-test-secret") {
			t.Error("the client secret was logged")
		}
	}
	years := reportJSON(t, db, "2019", "2020")
	teams := years["teams 2020"]
	if teams.GrowthPct == nil || *teams.GrowthPct < 5000 {
		t.Fatalf("teams 2020 %+v (2019 %+v): want the pandemic jump", teams, years["teams 2019"])
	}
	if skype := years["skype 2020"]; skype.Meetings >= years["skype 2019"].Meetings {
		t.Errorf("skype should decline: %+v %+v", years["skype 2019"], skype)
	}
	t.Logf("teams 2019 %d, 2020 %d (%+.0f %%) — second half of each year, from two 180-day pulls", years["teams 2019"].Meetings, teams.Meetings, *teams.GrowthPct)
}

// TestPullOneReportFailing: a report answering 503 fails alone, the others
// land, the exit status says so, and so does the metrics file.
func TestPullOneReportFailing(t *testing.T) {
	db := influxtest.NewDatabase(t)
	day := time.Date(2020, 6, 15, 0, 0, 0, 0, time.UTC)
	sim := pullSim(t, day, graphsim.Story{Seed: 2020, CallRecordScale: 0.005}, simTimeScale)
	sim.AddFault(graphsim.Fault{Match: "getTeamsDeviceUsageUserCounts", Status: http.StatusServiceUnavailable, Times: -1})
	metrics := filepath.Join(t.TempDir(), "kretslopp_graph_pull.prom")
	r := runCLI(t, db, "pull", "--once", "--today", "2020-06-15", "--no-call-records", "--metrics-file", metrics)
	if r.code == 0 || !strings.Contains(r.stdout, "1 of 3 failed") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	series := db.Query(t, `SELECT count("meetings") FROM "meetings" WHERE "platform"='teams'`)
	if len(series) == 0 || series[0].Values[0][1] != float64(180) && series[0].Values[0][1] != "180" {
		t.Errorf("teams days: %+v", series)
	}
	text, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`kretslopp_graph_pull_runs_total{outcome="failed"} 1`, "kretslopp_graph_pull_failed 1", `kretslopp_graph_pull_days_total{step="getTeamsUserActivityCounts"} 180`} {
		if !strings.Contains(string(text), want) {
			t.Errorf("metrics file lacks %q:\n%s", want, text)
		}
	}
}

// callTotals sums call_records_daily in a database.
func callTotals(t *testing.T, db *influxtest.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	series := db.Query(t, `SELECT sum("records"), sum("group_meetings"), sum("peer_to_peer_calls"), sum("unknown_calls"), sum("participants"), count("records") FROM "call_records_daily"`)
	if len(series) == 0 || len(series[0].Values) == 0 {
		return out
	}
	for i, name := range []string{"records", "group_meetings", "peer_to_peer_calls", "unknown_calls", "participants", "days"} {
		out[name] = fmt.Sprint(series[0].Values[0][i+1])
	}
	return out
}

// TestSIGTERMMidBackfillThenResume sends SIGTERM to a real
// `kretslopp-collector pull --once` in the middle of a 29-day call-record
// backfill. The days it finished stay, it says it was interrupted, and a
// second run resumes at the first incomplete day: the totals then equal
// those of an uninterrupted run into another database.
func TestSIGTERMMidBackfillThenResume(t *testing.T) {
	day := time.Date(2020, 6, 15, 0, 0, 0, 0, time.UTC)
	// At a time scale of 100 the documented 55 list pages per 5 minutes
	// take the backfill some seconds: time enough to interrupt it.
	story := graphsim.Story{Seed: 77, CallRecordScale: 0.02}
	pullSim(t, day, story, 100)

	whole := influxtest.NewDatabase(t)
	if r := runCLI(t, whole, "pull", "--once", "--today", "2020-06-15", "--no-reports"); r.code != 0 {
		t.Fatalf("uninterrupted pull: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	want := callTotals(t, whole)
	if want["days"] != "29" {
		t.Fatalf("uninterrupted run wrote %v", want)
	}

	db := influxtest.NewDatabase(t)
	cmd := exec.Command(testkit.Binary(t, testkit.Collector), "pull", "--once", "--today", "2020-06-15", "--no-reports")
	cmd.Env = append(append(os.Environ(), "KRETSLOPP_CONFIG=", "KRETSLOPP_LOG_LEVEL=info"), db.Env()...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got := callTotals(t, db)
		if n, _ := strconv.Atoi(got["days"]); n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no three call-record days written in time\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() == 0 {
		t.Fatalf("interrupted pull: %v; want a non-zero exit\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "INTERRUPTED") || !strings.Contains(stdout.String(), "interrupted") {
		t.Errorf("summary does not say it was interrupted:\n%s", stdout.String())
	}
	partial := callTotals(t, db)
	n, _ := strconv.Atoi(partial["days"])
	if n < 3 || n >= 29 {
		t.Fatalf("after SIGTERM %d days written; want some, not all (%v)", n, partial)
	}
	t.Logf("SIGTERM after %d of 29 days", n)

	r := runCLI(t, db, "pull", "--once", "--today", "2020-06-15", "--no-reports")
	if r.code != 0 {
		t.Fatalf("resumed pull: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// The resumed run lists only the days left.
	re := regexp.MustCompile(`callRecords\s+\S+\s+(\d+)\s+(\d+)`)
	m := re.FindStringSubmatch(r.stdout)
	if m == nil || m[1] != strconv.Itoa(29-n) || m[2] != "0" {
		t.Errorf("resumed run, want %d days and none left:\n%s", 29-n, r.stdout)
	}
	if got := callTotals(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("interrupted and resumed %v, uninterrupted %v", got, want)
	}
}

// freeAddr is a loopback address nobody listens on yet.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeExportsPullMetrics: the pull inside serve exports the same
// counters as the CLI pull on /metrics, and a failing report shows as
// kretslopp_graph_pull_failed 1, which KretsloppGraphPullFailed alerts on.
func TestServeExportsPullMetrics(t *testing.T) {
	db := influxtest.NewDatabase(t)
	sim := pullSim(t, time.Now().UTC().Truncate(24*time.Hour), graphsim.Story{Seed: 5, CallRecordScale: 0.002}, simTimeScale)
	sim.AddFault(graphsim.Fault{Match: "getTeamsDeviceUsageUserCounts", Status: http.StatusServiceUnavailable, Times: -1})
	addr := freeAddr(t)
	cfgFile := filepath.Join(t.TempDir(), "collector.yaml")
	if err := os.WriteFile(cfgFile, []byte("graph:\n  pull_interval: 24h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testkit.Binary(t, testkit.Collector), "serve", "--config", cfgFile)
	cmd.Env = append(append(os.Environ(), "KRETSLOPP_LISTEN="+addr, "KRETSLOPP_LOG_LEVEL=warn"), db.Env()...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	deadline := time.Now().Add(2 * time.Minute)
	var text string
	for {
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			text = string(b)
			if strings.Contains(text, "kretslopp_graph_pull_runs_total") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pull metrics on /metrics\n%s\n%s", text, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`kretslopp_graph_pull_runs_total\{[^}]*outcome="failed"[^}]*\} 1`),
		regexp.MustCompile(`kretslopp_graph_pull_failed(\{[^}]*\})? 1`),
		regexp.MustCompile(`kretslopp_graph_pull_days_total\{[^}]*step="callRecords"[^}]*\} 29`),
		regexp.MustCompile(`kretslopp_graph_pull_days_left\{[^}]*step="callRecords"[^}]*\} 0`),
		regexp.MustCompile(`kretslopp_graph_pull_throttled_waits_total(\{[^}]*\})? \d+`),
	} {
		if !want.MatchString(text) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(text, "kretslopp_graph_pull_last_success_timestamp_seconds") {
		t.Error("a failed run set the last success time")
	}
}
