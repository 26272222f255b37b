package prometheus

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/kretslopp/kretslopp/internal/influxserver"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
	"gopkg.in/yaml.v3"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func load(t *testing.T) ruleFile {
	t.Helper()
	f, err := os.Open("alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rf ruleFile
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true) // the rule file format: a misspelt key fails
	if err := dec.Decode(&rf); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	if len(rf.Groups) == 0 {
		t.Fatal("no rule groups")
	}
	return rf
}

// anchors are the GitHub heading anchors of docs/operations.md.
func anchors(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		out[b.String()] = true
	}
	return out
}

func TestRulesWellFormed(t *testing.T) {
	rf := load(t)
	docs := anchors(t)
	seen := map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s: a rule without alert name", g.Name)
				continue
			}
			if seen[r.Alert] {
				t.Errorf("alert %s twice", r.Alert)
			}
			seen[r.Alert] = true
			if _, err := time.ParseDuration(r.For); err != nil && r.For != "" {
				t.Errorf("%s: for %q: %v", r.Alert, r.For, err)
			}
			switch r.Labels["severity"] {
			case "critical", "warning", "info":
			default:
				t.Errorf("%s: severity %q", r.Alert, r.Labels["severity"])
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s: no %s annotation", r.Alert, a)
				}
			}
			_, anchor, _ := strings.Cut(r.Annotations["runbook_url"], "docs/operations.md#")
			if !docs[anchor] {
				t.Errorf("%s: runbook anchor #%s is not a heading of docs/operations.md", r.Alert, anchor)
			}
			if err := balanced(r.Expr); err != nil {
				t.Errorf("%s: expr: %v", r.Alert, err)
			}
			if strings.Contains(r.Expr, "kretslopp_") && !strings.Contains(r.Expr, `job="kretslopp-collector"`) {
				t.Errorf("%s: collector metrics should be scoped to job=\"kretslopp-collector\"", r.Alert)
			}
		}
	}
	for _, must := range []string{"KretsloppCollectorAllDown", "KretsloppInfluxWriteErrors", "KretsloppInfluxWriteSlow", "KretsloppAuthFailures", "KretsloppGraphPullFailed", "KretsloppGraphPullBehind"} {
		if !seen[must] {
			t.Errorf("alert %s missing", must)
		}
	}
}

// balanced checks (), {}, [] and quotes, the PromQL mistakes YAML lets
// through.
func balanced(expr string) error {
	var stack []rune
	pair := map[rune]rune{')': '(', '}': '{', ']': '['}
	inQuote := false
	for i, r := range expr {
		if r == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		switch r {
		case '(', '{', '[':
			stack = append(stack, r)
		case ')', '}', ']':
			if len(stack) == 0 || stack[len(stack)-1] != pair[r] {
				return fmt.Errorf("unbalanced %q at %d", r, i)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if inQuote || len(stack) > 0 {
		return fmt.Errorf("unclosed %q", stack)
	}
	return nil
}

// instrumentFiles declare the collector's own instruments.
var instrumentFiles = []string{"../../collector/internal/ingest/handler.go", "../../collector/internal/server/background.go", "../../collector/internal/pull/metrics.go"}

// declaredMetrics derives the Prometheus names of the instruments the
// collector declares (instrumentFiles), by the OpenTelemetry Prometheus
// exporter's rules: dots become underscores, unit "s" adds _seconds,
// counters add _total.
func declaredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	re := regexp.MustCompile(`meter\.(Int64Counter|Float64Counter|Int64Histogram|Float64Histogram|Int64Gauge|Float64Gauge|Int64ObservableGauge|Float64ObservableGauge)\("([a-z0-9_.]+)"([^\n]*)`)
	for _, file := range instrumentFiles {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		found := re.FindAllStringSubmatch(string(src), -1)
		if len(found) == 0 {
			t.Fatalf("no instruments found in %s", file)
		}
		for _, m := range found {
			name := strings.ReplaceAll(m[2], ".", "_")
			if strings.Contains(m[3], `WithUnit("s")`) {
				name += "_seconds"
			}
			switch {
			case strings.HasSuffix(m[1], "Counter"):
				out[name+"_total"] = true
			case strings.HasSuffix(m[1], "Gauge"):
				out[name] = true
			default:
				for _, s := range []string{"_bucket", "_sum", "_count"} {
					out[name+s] = true
				}
			}
		}
	}
	return out
}

// TestMetricNamesExist: every collector metric an alert uses is one the
// collector exposes. The collector is started and its /metrics read; the
// names derived from the source must agree with what it serves.
func TestMetricNamesExist(t *testing.T) {
	declared := declaredMetrics(t)
	live := scrapeCollector(t)
	for name := range live {
		if strings.HasPrefix(name, "kretslopp_") && !declared[name] {
			t.Errorf("collector serves %s, which the name derivation does not predict", name)
		}
	}
	known := map[string]bool{"up": true}
	for n := range declared {
		known[n] = true
	}
	for n := range live {
		known[n] = true
	}
	rf := load(t)
	word := regexp.MustCompile(`[a-z_][a-z0-9_]*`)
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			// Label values and names inside {} are not metrics.
			expr := regexp.MustCompile(`\{[^}]*\}|"[^"]*"|\[[^\]]*\]`).ReplaceAllString(r.Expr, " ")
			for _, w := range word.FindAllString(expr, -1) {
				if !strings.HasPrefix(w, "kretslopp_") && w != "up" {
					continue
				}
				if !known[w] {
					t.Errorf("%s uses %s, which the collector does not expose", r.Alert, w)
				}
			}
		}
	}
}

// scrapeCollector runs the real collector (testkit's harness) twice and
// returns the metric names on their /metrics: once against an unreachable
// InfluxDB with the lifecycle refresh on, sending one unauthenticated and
// one authenticated report, until the refresh has failed once; once
// against an InfluxDB that stops after the collector started (its device
// table loaded), so that a report's write fails and the write-error and
// write-duration series exist.
func scrapeCollector(t *testing.T) map[string]bool {
	t.Helper()
	dead, err := influxserver.FreePort() // a port nobody answers on
	if err != nil {
		t.Fatal(err)
	}
	c := testkit.StartCollector(t, nil, testkit.CollectorOptions{
		YAML: "lifecycle_interval: 1m\n",
		Env:  []string{fmt.Sprintf("KRETSLOPP_INFLUX_URL=http://127.0.0.1:%d", dead), "KRETSLOPP_INFLUX_BUCKET=kretslopp/autogen"},
	})
	report := agentsim.Request(agentsim.Laptop(1).ResourceMetrics(time.Now().Add(-time.Minute)))
	for _, token := range []string{"", testkit.AgentToken} {
		if status, _ := agentsim.TryPost(c.URL, token, report, false); status == 200 {
			t.Fatalf("token %q: a report was acknowledged with InfluxDB unreachable", token)
		}
	}
	// The refresh runs at start; wait until its failure is counted.
	names := map[string]bool{}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, body := c.Get(t, "/metrics")
		clear(names)
		failed := false
		for _, line := range strings.Split(body, "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			series, _, _ := strings.Cut(line, " ")
			name, labels, _ := strings.Cut(series, "{")
			names[name] = true
			failed = failed || name == "kretslopp_background_runs_total" && strings.Contains(labels, `outcome="error"`) && strings.Contains(labels, `task="lifecycle"`)
		}
		if failed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lifecycle refresh did not count its failure within 60 s:\n%s", body)
		}
	}
	srv := testkit.NewServer(t)
	c = testkit.StartCollector(t, testkit.CreateDatabase(t, srv), testkit.CollectorOptions{})
	srv.Stop()
	if status, _ := agentsim.TryPost(c.URL, testkit.AgentToken, report, false); status != 503 {
		t.Fatalf("a report with InfluxDB stopped: status %d, want 503", status)
	}
	_, body := c.Get(t, "/metrics")
	for _, line := range strings.Split(body, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			series, _, _ := strings.Cut(line, " ")
			name, _, _ := strings.Cut(series, "{")
			names[name] = true
		}
	}
	for _, must := range []string{"kretslopp_ingest_requests_total", "kretslopp_influx_write_errors_total", "kretslopp_influx_write_duration_seconds_bucket", "kretslopp_influx_limit_errors_total", "kretslopp_ingest_inflight_bytes", "kretslopp_ingest_devices"} {
		if !names[must] {
			t.Errorf("collector /metrics lacks %s after a failed write", must)
		}
	}
	return names
}

// TestGraphPullAlertCoversEveryWayToRun: the failed-pull alert watches the
// pull inside serve (its own gauge), the CronJob and the systemd timer.
func TestGraphPullAlertCoversEveryWayToRun(t *testing.T) {
	rf := load(t)
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert != "KretsloppGraphPullFailed" {
				continue
			}
			for _, want := range []string{`kretslopp_graph_pull_failed{job="kretslopp-collector"}`, "kube_job_status_failed", "node_systemd_unit_state"} {
				if !strings.Contains(r.Expr, want) {
					t.Errorf("KretsloppGraphPullFailed does not watch %s", want)
				}
			}
			return
		}
	}
	t.Fatal("no KretsloppGraphPullFailed")
}
