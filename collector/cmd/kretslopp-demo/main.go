// Command demo is `make demo`: the whole Kretslopp pipeline on this machine
// with embedded defaults. It starts a real InfluxDB 1.8 and the collector,
// runs the real agent on this machine, replays a simulated municipal fleet
// through the collector, imports the historical meeting exports, pulls from
// the bundled Microsoft Graph simulator, and prints the figures and how to
// look at the data. Everything stays on loopback; the data stays in
// demo-data/. With KRETSLOPP_DEMO_KEEP=1 the servers keep running until
// Ctrl-C.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/graphsim"
	"github.com/kretslopp/kretslopp/internal/influxserver"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

const (
	dataDir      = "demo-data"
	database     = "kretslopp"
	agentToken   = "demo-agent-token-change-me-0001"
	readToken    = "demo-read-token-change-me-00001"
	seedDir      = "collector/cmd/kretslopp-demo/seed"
	graphToday   = "2021-03-31"
	fleetSize    = 120
	fleetWeeks   = 104
	collectorBin = "bin/kretslopp-collector"
	agentBin     = "bin/kretslopp-agent"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func step(format string, args ...any) {
	fmt.Printf("\n==> "+format+"\n", args...)
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(abs); err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return err
	}

	step("Starting InfluxDB OSS 1.8 (data in %s/influxdb)", dataDir)
	influxLog, err := os.Create(filepath.Join(abs, "influxd.log"))
	if err != nil {
		return err
	}
	defer influxLog.Close()
	influx, err := influxserver.Start(ctx, influxserver.Options{Dir: filepath.Join(abs, "influxdb"), Log: influxLog})
	if err != nil {
		return err
	}
	defer influx.Stop()
	if err := influx.Exec(ctx, "CREATE DATABASE "+database); err != nil {
		return err
	}
	fmt.Println("    InfluxDB at", influx.URL)

	step("Starting the collector (kretslopp-collector serve)")
	tokensFile := filepath.Join(abs, "agent-tokens")
	readTokensFile := filepath.Join(abs, "read-tokens")
	if err := os.WriteFile(tokensFile, []byte("# demo agent token\n"+agentToken+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(readTokensFile, []byte(readToken+"\n"), 0o600); err != nil {
		return err
	}
	// The simulated fleet below shares the demo's one agent token, so the
	// per-token rate limit (ingest.token_rate) is off for the demo, and it
	// replays two years of history, older than ingest.max_age allows.
	configFile := filepath.Join(abs, "collector.yaml")
	// InfluxDB shares the machine with everything else the demo runs; a
	// generous query timeout keeps the lifecycle derivation and the reports
	// from failing on a busy laptop.
	if err := os.WriteFile(configFile, []byte("# make demo: one token stands for a whole simulated fleet, two years back\ningest:\n  token_rate: 0\n  max_age: 0s\ninflux:\n  timeout: 5m\n"), 0o600); err != nil {
		return err
	}
	port, err := influxserver.FreePort()
	if err != nil {
		return err
	}
	collectorURL := "http://127.0.0.1:" + strconv.Itoa(port)
	env := append(os.Environ(),
		"KRETSLOPP_CONFIG="+configFile,
		"KRETSLOPP_LISTEN=127.0.0.1:"+strconv.Itoa(port),
		"KRETSLOPP_INFLUX_URL="+influx.URL,
		"KRETSLOPP_INFLUX_BUCKET="+database+"/autogen",
		"KRETSLOPP_AGENT_TOKENS_FILE="+tokensFile,
		"KRETSLOPP_READ_TOKENS_FILE="+readTokensFile,
		"KRETSLOPP_LOG_LEVEL=warn",
	)
	collectorLog, err := os.Create(filepath.Join(abs, "collector.log"))
	if err != nil {
		return err
	}
	defer collectorLog.Close()
	collector := exec.Command(collectorBin, "serve")
	collector.Env, collector.Stdout, collector.Stderr = env, collectorLog, collectorLog
	if err := collector.Start(); err != nil {
		return fmt.Errorf("start collector (run `make build` first): %w", err)
	}
	defer func() { _ = collector.Process.Signal(os.Interrupt); _ = collector.Wait() }()
	if err := waitReady(ctx, collectorURL+"/readyz"); err != nil {
		return err
	}
	fmt.Println("    collector at", collectorURL, "(OTLP/HTTP: POST /v1/metrics)")

	step("The agent on this machine: kretslopp-agent collect")
	agentEnv := append(os.Environ(),
		"KRETSLOPP_COLLECTOR_URL="+collectorURL,
		"KRETSLOPP_TOKEN="+agentToken,
		"KRETSLOPP_SPOOL_DIR="+filepath.Join(abs, "agent-spool"),
		"KRETSLOPP_INTERVAL=1s",
		"KRETSLOPP_LOG_LEVEL=warn",
	)
	if err := runCmd(ctx, agentEnv, os.Stdout, agentBin, "collect"); err != nil {
		return err
	}
	step("Running the agent for 5 seconds (kretslopp-agent run, one report a second)")
	agentCtx, cancelAgent := context.WithTimeout(ctx, 5*time.Second)
	agent := exec.CommandContext(agentCtx, agentBin, "run")
	agent.Env, agent.Stdout, agent.Stderr = agentEnv, os.Stdout, os.Stderr
	agent.Cancel = func() error { return agent.Process.Signal(os.Interrupt) }
	_ = agent.Run()
	cancelAgent()
	if err := runCmd(ctx, agentEnv, os.Stdout, agentBin, "spool"); err != nil {
		return err
	}

	to := time.Now().UTC().Add(-time.Hour)
	from := to.AddDate(0, 0, -7*fleetWeeks)
	step("Replaying a simulated fleet of %d municipal laptops, weekly reports %s – %s, through the collector", fleetSize, from.Format("2006-01-02"), to.Format("2006-01-02"))
	n, err := replayFleet(ctx, collectorURL, from, to)
	if err != nil {
		return err
	}
	fmt.Printf("    %d reports acknowledged\n", n)

	step("Importing historical meeting exports (%s)", seedDir)
	collectorEnv := env
	imports := [][]string{
		append([]string{"import", "--format", "teams-activity-counts"}, glob(seedDir, "TeamsUserActivityCounts_*.csv")...),
		append([]string{"import", "--format", "zoom-daily"}, glob(seedDir, "zoom-daily-*.csv")...),
		{"import", "--format", "meetings-daily", filepath.Join(seedDir, "meetings-daily.csv")},
	}
	for _, args := range imports {
		if err := runCmd(ctx, collectorEnv, os.Stdout, collectorBin, args...); err != nil {
			return err
		}
	}

	step("Pulling the last 180 days from the Microsoft Graph simulator (kretslopp-collector pull --once)")
	sim, simEnv, err := startGraphSimulator(abs)
	if err != nil {
		return err
	}
	defer sim.Close()
	if err := runCmd(ctx, append(collectorEnv, simEnv...), os.Stdout, collectorBin, "pull", "--once"); err != nil {
		return err
	}

	samples := filepath.Join(abs, "samples")
	step("Importing SYNTHETIC sample exports into %s/samples: printing (print-daily, PaperCut print logs), digital mail, the hardware inventory", dataDir)
	if err := importSamples(ctx, collectorEnv, samples, from, to); err != nil {
		return err
	}

	thisYear := strconv.Itoa(time.Now().UTC().Year())
	step("Embodied CO2e of the fleet's service lives (kretslopp-collector carbon models --json; report --format json: carbon)")
	var out bytes.Buffer
	if err := runCmd(ctx, collectorEnv, &out, collectorBin, "carbon", "models", "--json"); err != nil {
		return err
	}
	if err := printModels(out.Bytes()); err != nil {
		return err
	}
	out.Reset()
	if err := runCmd(ctx, collectorEnv, &out, collectorBin, "report", "--from", "2019", "--to", thisYear, "--format", "json"); err != nil {
		return err
	}
	if err := printCarbon(out.Bytes()); err != nil {
		return err
	}

	step("Meeting growth per platform and year, 2019–2021 (kretslopp-collector report --format json)")
	out.Reset()
	if err := runCmd(ctx, collectorEnv, &out, collectorBin, "report", "--from", "2019", "--to", "2021", "--format", "json"); err != nil {
		return err
	}
	if err := printGrowth(out.Bytes()); err != nil {
		return err
	}
	step("Fleet summary %s (kretslopp-collector report --format json)", thisYear)
	out.Reset()
	if err := runCmd(ctx, collectorEnv, &out, collectorBin, "report", "--from", thisYear, "--to", thisYear, "--format", "json"); err != nil {
		return err
	}
	if err := printFleet(out.Bytes()); err != nil {
		return err
	}
	hostname, _ := os.Hostname()
	step("This machine's story for IT support (kretslopp-collector device %s)", hostname)
	if err := runCmd(ctx, collectorEnv, os.Stdout, collectorBin, "device", hostname); err != nil {
		fmt.Printf("    (%v)\n", err)
	}
	reportPath := filepath.Join(abs, "report.html")
	step("Writing the yearly report 2019–%s to %s", thisYear, reportPath)
	if err := runCmd(ctx, collectorEnv, os.Stdout, collectorBin, "report", "--from", "2019", "--to", thisYear, "--format", "html", "--lang", "en", "--out", reportPath); err != nil {
		return err
	}

	resultsPath := filepath.Join(abs, "results.html")
	step("Writing the policy's results document 2019–%s to %s (kretslopp-collector report --template policy)", thisYear, resultsPath)
	if err := runCmd(ctx, collectorEnv, os.Stdout, collectorBin, "report", "--template", "policy", "--from", "2019", "--to", thisYear, "--format", "html", "--lang", "sv", "--out", resultsPath); err != nil {
		return err
	}
	out.Reset()
	if err := runCmd(ctx, collectorEnv, &out, collectorBin, "report", "--template", "policy", "--from", "2019", "--to", thisYear, "--format", "json"); err != nil {
		return err
	}
	if err := printResults(out.Bytes()); err != nil {
		return err
	}

	fmt.Printf(`
==> Done. The data is in %[1]s/ (InfluxDB data, logs, report.html, results.html, the synthetic samples).

Look at it:
  curl -sG %[2]s/query --data-urlencode db=%[3]s \
       --data-urlencode "q=SELECT last(uptime_s), last(hostname) FROM device GROUP BY device_id LIMIT 5"
  curl -sG %[2]s/query --data-urlencode db=%[3]s \
       --data-urlencode "q=SELECT meetings, growth_pct FROM meetings_yearly GROUP BY platform"
  open %[1]s/report.html and %[1]s/results.html in a browser

Grafana: dashboards/ holds the dashboards and provisioning; point an InfluxDB
data source (query language InfluxQL, database %[3]s) at InfluxDB, or run
deploy/compose for collector + InfluxDB 2 + Grafana together.
`, dataDir, influx.URL, database)
	if os.Getenv("KRETSLOPP_DEMO_KEEP") != "" {
		fmt.Printf("\nServers keep running (KRETSLOPP_DEMO_KEEP): InfluxDB %s, collector %s. Ctrl-C stops them.\n", influx.URL, collectorURL)
		<-ctx.Done()
	} else {
		fmt.Println("Servers stop now; KRETSLOPP_DEMO_KEEP=1 make demo keeps them running.")
	}
	return nil
}

func glob(dir, pattern string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, pattern))
	return m
}

func runCmd(ctx context.Context, env []string, stdout io.Writer, bin string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %w", bin, args, err)
	}
	return nil
}

func waitReady(ctx context.Context, url string) error {
	for range 100 {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not become ready", url)
}

// replayFleet posts the simulated fleet's history through the collector,
// as its agents would have, eight at a time.
func replayFleet(ctx context.Context, url string, from, to time.Time) (int, error) {
	type job struct{ body []byte }
	jobs := make(chan job, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	acked := 0
	client := &http.Client{Timeout: 30 * time.Second}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				err := postReport(ctx, client, url, j.body)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				} else if err == nil {
					acked++
				}
				mu.Unlock()
			}
		}()
	}
	agentsim.FleetHistory(2020, fleetSize, from, to, 7*24*time.Hour, func(d agentsim.Device, ts time.Time) bool {
		body := agentsim.Protobuf(agentsim.Request(d.ResourceMetrics(ts)), true)
		select {
		case jobs <- job{body}:
			return true
		case <-ctx.Done():
			return false
		}
	})
	close(jobs)
	wg.Wait()
	return acked, firstErr
}

func postReport(ctx context.Context, client *http.Client, url string, body []byte) error {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/metrics", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("Authorization", "Bearer "+agentToken)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return nil
		case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && attempt < 20:
			time.Sleep(time.Second)
		default:
			return fmt.Errorf("collector answered %s", resp.Status)
		}
	}
}

// demoTimeScale speeds up the simulator's throttling windows (and the
// collector's pacing) for the demo.
const demoTimeScale = 600

func startGraphSimulator(dir string) (*graphsim.Server, []string, error) {
	sim, err := graphsim.Start("127.0.0.1:0", graphsim.Options{
		// About 340 Teams users and 1/18 of the simulator's meetings: the
		// scale of the historical exports in the seed, so that pulled and
		// imported years compare.
		Story:        graphsim.Story{Seed: 2020, CallRecordScale: 0.05, Users: 340, MeetingScale: 0.056},
		Now:          time.Now,
		TenantID:     "kretslopp-demo-tenant",
		ClientID:     "kretslopp-demo-app",
		ClientSecret: "demo-secret",
		PageSize:     60,
		// Graph's documented throttling limits, 600 times faster, so that
		// the 29 days of call records take seconds instead of minutes;
		// the collector paces itself by the same scale.
		TimeScale: demoTimeScale,
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, nil, err
	}
	caFile := filepath.Join(dir, "graphsim-ca.pem")
	if err := os.WriteFile(caFile, sim.CACertPEM(), 0o644); err != nil {
		sim.Close()
		return nil, nil, err
	}
	return sim, []string{
		"SSL_CERT_FILE=" + caFile,
		"KRETSLOPP_GRAPH_BASE_URL=" + sim.BaseURL(),
		"KRETSLOPP_GRAPH_AUTHORITY_HOST=" + sim.AuthorityHost(),
		"KRETSLOPP_GRAPH_TENANT_ID=kretslopp-demo-tenant",
		"KRETSLOPP_GRAPH_CLIENT_ID=kretslopp-demo-app",
		"KRETSLOPP_GRAPH_CLIENT_SECRET=demo-secret",
		fmt.Sprintf("KRETSLOPP_GRAPH_TIME_SCALE=%d", demoTimeScale),
	}, nil
}

// printGrowth prints the contract's meetings_by_year compactly.
func printGrowth(data []byte) error {
	var r struct {
		MeetingsByYear []struct {
			Platform  string   `json:"platform"`
			Year      int      `json:"year"`
			Meetings  int64    `json:"meetings"`
			GrowthPct *float64 `json:"growth_pct"`
		} `json:"meetings_by_year"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("report JSON: %w", err)
	}
	fmt.Printf("    %-12s %6s %10s %12s\n", "platform", "year", "meetings", "growth")
	for _, row := range r.MeetingsByYear {
		growth := "-"
		if row.GrowthPct != nil {
			growth = fmt.Sprintf("%+.0f %%", *row.GrowthPct)
		}
		fmt.Printf("    %-12s %6d %10d %12s\n", row.Platform, row.Year, row.Meetings, growth)
	}
	return nil
}

// printFleet prints the report's fleet summary.
func printFleet(data []byte) error {
	var r struct {
		Fleet *struct {
			AsOf           string   `json:"as_of"`
			Devices        int      `json:"devices"`
			MedianAgeYears *float64 `json:"median_age_years"`
			DueReplacement int      `json:"due_for_replacement"`
			Batteries      int      `json:"batteries"`
			MedianHealth   *float64 `json:"median_battery_health_pct"`
			BelowHealth    int      `json:"batteries_below_80_pct"`
			OverCycles     int      `json:"batteries_over_1000_cycles"`
			DueBattery     int      `json:"devices_due_for_battery"`
		} `json:"fleet"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("report JSON: %w", err)
	}
	f := r.Fleet
	if f == nil {
		fmt.Println("    no fleet data")
		return nil
	}
	num := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.1f", *p)
	}
	fmt.Printf("    devices reporting: %d (as of %s), median age %s years, %d past their planned life\n", f.Devices, f.AsOf, num(f.MedianAgeYears), f.DueReplacement)
	fmt.Printf("    batteries: %d, median health %s %%, %d below 80 %%, %d over 1,000 cycles; %d devices due for a battery\n",
		f.Batteries, num(f.MedianHealth), f.BelowHealth, f.OverCycles, f.DueBattery)
	return nil
}

// printModels summarises carbon models --json: how the fleet's models
// found their footprints.
func printModels(data []byte) error {
	var rows []struct {
		Manufacturer string   `json:"manufacturer"`
		Model        string   `json:"model"`
		Serials      int      `json:"serials"`
		Match        string   `json:"match"`
		Product      *string  `json:"product"`
		ClassDefault *string  `json:"class_default"`
		EmbodiedKg   float64  `json:"embodied_kg"`
		Lifetime     *float64 `json:"lifetime_years"`
	}
	if err := json.Unmarshal(data, &rows); err != nil {
		return fmt.Errorf("carbon models JSON: %w", err)
	}
	models, serials := map[string]int{}, map[string]int{}
	for _, r := range rows {
		models[r.Match]++
		serials[r.Match] += r.Serials
	}
	fmt.Printf("    %d models: %d exact, %d by rule, %d by override, %d unmatched (class default)\n", len(rows), models["exact"], models["rule"], models["override"], models["none"])
	fmt.Printf("    hardware: %d exact, %d by rule, %d by override, %d on a class default\n", serials["exact"], serials["rule"], serials["override"], serials["none"])
	for _, r := range rows {
		used := "?"
		switch {
		case r.Product != nil:
			used = *r.Product
		case r.ClassDefault != nil:
			used = "class default: " + *r.ClassDefault
		}
		fmt.Printf("      %-32s %-9s %4d serials  %-36s %6.1f kg embodied\n", strings.TrimSpace(r.Manufacturer+" "+r.Model), r.Match, r.Serials, used, r.EmbodiedKg)
	}
	return nil
}

// printCarbon prints the report's carbon section per year.
func printCarbon(data []byte) error {
	var r struct {
		Carbon *struct {
			AsOf    string `json:"as_of"`
			Dataset struct {
				Name, Commit, License string
			} `json:"dataset"`
			Years []struct {
				Year       int      `json:"year"`
				Devices    int      `json:"devices"`
				PerDY      *float64 `json:"embodied_kg_per_device_year"`
				Retired    int      `json:"retired"`
				AvoidedKg  float64  `json:"avoided_kg"`
				LongerKg   float64  `json:"avoided_by_longer_lives_kg"`
				ShorterKg  float64  `json:"extra_by_shorter_lives_kg"`
				EmbodiedKg float64  `json:"embodied_kg"`
			} `json:"years"`
			Travel json.RawMessage `json:"travel"`
		} `json:"carbon"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("report JSON: %w", err)
	}
	c := r.Carbon
	if c == nil {
		return fmt.Errorf("report JSON has no carbon section")
	}
	fmt.Printf("    as of %s; footprints: %s, commit %.12s (%s)\n", c.AsOf, c.Dataset.Name, c.Dataset.Commit, c.Dataset.License)
	fmt.Printf("    %6s %10s %22s %8s %18s %16s %18s\n", "year", "in service", "kg CO2e / device-year", "retired", "avoided kg (net)", "longer lives kg", "shorter lives kg")
	for _, y := range c.Years {
		perDY := "-"
		if y.PerDY != nil {
			perDY = fmt.Sprintf("%.1f", *y.PerDY)
		}
		avoided, longer, shorter := "-", "-", "-"
		if y.Retired > 0 {
			avoided, longer, shorter = fmt.Sprintf("%.1f", y.AvoidedKg), fmt.Sprintf("%.1f", y.LongerKg), fmt.Sprintf("%.1f", y.ShorterKg)
		}
		fmt.Printf("    %6d %10d %22s %8d %18s %16s %18s\n", y.Year, y.Devices, perDY, y.Retired, avoided, longer, shorter)
	}
	if string(c.Travel) == "null" {
		fmt.Println("    no travel estimate: carbon.travel is not configured (docs/carbon.md)")
	}
	return nil
}

// importSamples writes the synthetic sample exports (samples.go) and
// imports them with the real binary, as an operator would.
func importSamples(ctx context.Context, env []string, dir string, from, to time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	now := time.Now().UTC()
	printDaily, mail, inventory := filepath.Join(dir, "print-daily.csv"), filepath.Join(dir, "mail-daily.csv"), filepath.Join(dir, "inventory.csv")
	if err := writePrintDaily(printDaily, now); err != nil {
		return err
	}
	logs, siteMap, err := writePaperCutLogs(dir, now)
	if err != nil {
		return err
	}
	if err := writeMail(mail, now); err != nil {
		return err
	}
	if err := writeInventory(inventory, from, to); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"import", "--format", "print-daily", printDaily},
		append([]string{"import", "--format", "papercut-printlog", "--site-map", siteMap}, logs...),
		{"import", "--format", "mail-daily", mail},
		{"import", "--format", "inventory", inventory},
	} {
		if err := runCmd(ctx, env, os.Stdout, collectorBin, args...); err != nil {
			return err
		}
	}
	return nil
}

// printResults prints the printing and mail figures of the results
// document, per year.
func printResults(data []byte) error {
	var r struct {
		Printing struct {
			Years []struct {
				Year             int      `json:"year"`
				SheetsNotPrinted *int64   `json:"sheets_not_printed"`
				ShareNotPrinted  *float64 `json:"share_not_printed_pct"`
			} `json:"years"`
		} `json:"printing"`
		Mail struct {
			Years []struct {
				Year             int      `json:"year"`
				ShareDigitalPct  *float64 `json:"share_digital_pct"`
				SystemsConnected int      `json:"systems_connected"`
			} `json:"years"`
		} `json:"mail"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("report JSON: %w", err)
	}
	fmt.Printf("    %6s %22s %14s %16s %10s\n", "year", "sheets never collected", "of all sheets", "letters digital", "systems")
	for i, p := range r.Printing.Years {
		sheets, share, dig, sys := "-", "-", "-", "-"
		if p.SheetsNotPrinted != nil {
			sheets = fmt.Sprint(*p.SheetsNotPrinted)
		}
		if p.ShareNotPrinted != nil {
			share = fmt.Sprintf("%.1f %%", *p.ShareNotPrinted)
		}
		if i < len(r.Mail.Years) && r.Mail.Years[i].ShareDigitalPct != nil {
			dig = fmt.Sprintf("%.1f %%", *r.Mail.Years[i].ShareDigitalPct)
			sys = fmt.Sprint(r.Mail.Years[i].SystemsConnected)
		}
		fmt.Printf("    %6d %22s %14s %16s %10s\n", p.Year, sheets, share, dig, sys)
	}
	return nil
}
