package dashboards_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

// fleetDevice is one simulated laptop (or desktop) and how it behaved.
type fleetDevice struct {
	dev          agentsim.Device
	firmware     string
	osDesc       string
	firstSeenAgo time.Duration // an early report this long ago (0: none)
	lastSeenAgo  time.Duration // reports stop this long before now
	rebootEvery  int           // days between boots; 0: never rebooted in the window
	batteries    []fleetBattery
	dropAt       int // report index with spool_dropped > 0 (-1: none)
}

type fleetBattery struct {
	id            string
	design        float64
	health        float64 // health at the end, per cent
	healthPerYear float64 // health lost per year
	cycles        int64   // cycle count at the end (0: unknown)
	cyclesPerDay  float64
	glitch        *glitch // implausible readings for a few days
}

// glitch is a battery gauge that misreports for a while, and what the
// agent does about it (agent/internal/inventory: the reading is withheld
// and named, with the value read, in kretslopp.battery.implausible).
type glitch struct {
	fromDaysAgo, toDaysAgo int
	reason                 string
	capacities             bool // health out of range: design and full withheld (else the cycle count)
}

// Implausible readings in the fleet (the diagnostics dashboard lists them).
// The health one is the recording tlp762-x1-extreme-gen2 in the agent's
// corpus (agent/internal/inventory/testdata/corpus/SOURCES.md): energy_full
// 653840 mWh against energy_full_design 13840, and the reason the agent
// gives for it (docs/schema.md); the cycle count one is 65535, "unknown" on
// many Smart Battery gauges (docs/agent.md).
const (
	healthGlitch = "health_pct 4724.28 outside 10–150 (full_wh 653.84, design_wh 13.84)"
	cyclesGlitch = "cycle_count 65535 above 10000"
)

const day = 24 * time.Hour

// fleet is the municipality's test fleet: several models and OSes, one
// and two batteries, worn and fresh batteries, reboots daily to never,
// devices first seen years ago, old firmware, and devices gone quiet.
func fleet() []fleetDevice {
	lap := func(n int, host, osType, osVersion, manufacturer, model, site string) agentsim.Device {
		d := agentsim.Laptop(n)
		d.Hostname, d.OS, d.OSVersion, d.Manufacturer, d.Model, d.Site = host, osType, osVersion, manufacturer, model, site
		return d
	}
	return []fleetDevice{
		{dev: lap(1, "skola-lap-0001", "linux", "12", "LENOVO", "ThinkPad T14 Gen 2i", "rinkeby-skola"),
			firmware: "2021-03-15", osDesc: "Debian GNU/Linux 12 (bookworm)", firstSeenAgo: 540 * day, rebootEvery: 3, dropAt: 40,
			batteries: []fleetBattery{
				{id: "BAT0", design: 50, health: 77.5, healthPerYear: 6, cycles: 1060, cyclesPerDay: 0.8},
				{id: "BAT1", design: 24, health: 92, healthPerYear: 3, cycles: 300, cyclesPerDay: 0.3,
					glitch: &glitch{fromDaysAgo: 12, toDaysAgo: 10, reason: cyclesGlitch}},
			}},
		{dev: lap(2, "skola-lap-0002", "linux", "12", "LENOVO", "ThinkPad T14 Gen 2i", "rinkeby-skola"),
			firmware: "2017-06-01", osDesc: "Debian GNU/Linux 12 (bookworm)", firstSeenAgo: 1280 * day, rebootEvery: 0, dropAt: -1,
			batteries: []fleetBattery{{id: "BAT0", design: 50, health: 65, healthPerYear: 7, cycles: 1310, cyclesPerDay: 1}}},
		{dev: lap(3, "kontor-0003", "windows", "10.0.22631", "HP", "HP ProBook 440 G8", "stadshuset"),
			firmware: "2020-11-02", osDesc: "Microsoft Windows 11 Pro", firstSeenAgo: 910 * day, rebootEvery: 1, dropAt: -1,
			batteries: []fleetBattery{{id: "BAT0", design: 45, health: 88, healthPerYear: 4, cycles: 420, cyclesPerDay: 0.5}}},
		{dev: lap(4, "kontor-0004", "darwin", "14.6", "Apple Inc.", "MacBookAir10,1", "stadshuset"),
			firmware: "2023-05-10", osDesc: "macOS 14.6 Sonoma", rebootEvery: 7, dropAt: -1,
			batteries: []fleetBattery{{id: "InternalBattery-0", design: 49.9, health: 97, healthPerYear: 2, cycles: 150, cyclesPerDay: 0.4}}},
		{dev: lap(5, "skola-lap-0005", "windows", "10.0.19045", "Dell Inc.", "Latitude 5420", "vallhagen-skola"),
			firmware: "2019-09-01", osDesc: "Microsoft Windows 10 Education", lastSeenAgo: 20 * day, rebootEvery: 2, dropAt: 3,
			batteries: []fleetBattery{{id: "BAT0", design: 42, health: 81, healthPerYear: 5, cycles: 700, cyclesPerDay: 0.6}}},
		{dev: lap(6, "skola-lap-0006", "linux", "11", "LENOVO", "ThinkPad T14 Gen 2i", "vallhagen-skola"),
			firmware: "2021-03-15", osDesc: "Debian GNU/Linux 11 (bullseye)", lastSeenAgo: 16 * day, rebootEvery: 4, dropAt: -1,
			batteries: []fleetBattery{{id: "BAT0", design: 50, health: 85, healthPerYear: 5, // firmware counts no cycles
				glitch: &glitch{fromDaysAgo: 26, toDaysAgo: 24, reason: healthGlitch, capacities: true}}}},
		{dev: lap(7, "kontor-0007", "windows", "10.0.22631", "Dell Inc.", "OptiPlex 7090", "stadshuset"),
			firmware: "2021-08-20", osDesc: "Microsoft Windows 11 Pro", rebootEvery: 2, dropAt: -1}, // desktop: no battery
	}
}

// Figures the fleet must give (checked against panel results).
const (
	fleetDevices       = 7
	notSeen14Days      = 2 // devices 5 and 6
	notRebooted30Days  = 1 // device 2
	fleetBatteries     = 7
	batteriesUnder80   = 2 // device 1 BAT0 (77.5), device 2 (65)
	batteriesOver1000  = 2 // device 1 BAT0 (1060), device 2 (1310); device 6 has no count
	batteriesWithCount = 6
	implausible        = 2 // device 1 BAT1 (cycles), device 6 BAT0 (health)
	richDevice         = "device-000001"
	richHost           = "skola-lap-0001"
)

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func intGauge(name, unit string, ts time.Time, v int64) *metricpb.Metric {
	return &metricpb.Metric{Name: name, Unit: unit, Data: &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{
		DataPoints: []*metricpb.NumberDataPoint{{TimeUnixNano: uint64(ts.UnixNano()), Value: &metricpb.NumberDataPoint_AsInt{AsInt: v}}},
	}}}
}

// report is the agent's report of f at ts (index i of its reports).
func (f fleetDevice) report(ts, now time.Time, i int) *metricpb.ResourceMetrics {
	d := f.dev
	end := now.Add(-f.lastSeenAgo)
	switch {
	case ts.Before(now.Add(-40 * day)): // the early report, years ago
		d.BootTime = ts.Add(-2 * time.Hour).Unix()
	case f.rebootEvery == 0:
		d.BootTime = now.Add(-45 * day).Unix()
	default:
		// Boots at 07:00 UTC every rebootEvery days, counted from 40 days ago.
		origin := now.Add(-40 * day).Truncate(day).Add(7 * time.Hour)
		n := int(ts.Sub(origin) / (time.Duration(f.rebootEvery) * day))
		boot := origin.Add(time.Duration(n*f.rebootEvery) * day)
		if boot.After(ts) {
			boot = boot.Add(-time.Duration(f.rebootEvery) * day)
		}
		d.BootTime = boot.Unix()
	}
	d.UptimeS = float64(ts.Unix() - d.BootTime)
	d.Batteries = nil
	back := end.Sub(ts).Hours() / 24 // days before the last report
	for _, b := range f.batteries {
		health := b.health + b.healthPerYear*back/365
		cycles := int64(0)
		if b.cycles > 0 {
			cycles = max(1, b.cycles-int64(b.cyclesPerDay*back))
		}
		bat := agentsim.Battery{
			ID: b.id, CycleCount: cycles, DesignWh: b.design, FullWh: b.design * health / 100,
			Charge: 0.2 + 0.7*float64(i%5)/4, State: []string{"discharging", "charging", "full"}[i%3],
		}
		if g := b.glitch; g != nil && !ts.Before(now.Add(-time.Duration(g.fromDaysAgo)*day)) && ts.Before(now.Add(-time.Duration(g.toDaysAgo)*day)) {
			bat.Implausible = g.reason
			if g.capacities {
				bat.DesignWh, bat.FullWh = 0, 0
			} else {
				bat.CycleCount = 0
			}
		}
		d.Batteries = append(d.Batteries, bat)
	}
	rm := d.ResourceMetrics(ts)
	rm.Resource.Attributes = append(rm.Resource.Attributes,
		str(schema.AttrFirmwareDate, f.firmware),
		str(schema.AttrOSDescription, f.osDesc))
	dropped := int64(0)
	if i == f.dropAt {
		dropped = 3
	}
	rm.ScopeMetrics[0].Metrics = append(rm.ScopeMetrics[0].Metrics,
		intGauge(schema.MetricSpoolDropped, "{batch}", ts, dropped))
	return rm
}

type timedReport struct {
	ts            time.Time
	rm            *metricpb.ResourceMetrics
	serial, model string
}

// reports are every report of the fleet: every 8 hours over the last 35
// days (until each device went quiet), plus the early reports.
func reports(now time.Time) []timedReport {
	var out []timedReport
	for n, f := range fleet() {
		i := 0
		if f.firstSeenAgo > 0 {
			ts := now.Add(-f.firstSeenAgo)
			out = append(out, timedReport{ts, f.report(ts, now, i), f.dev.Serial, f.dev.Model})
			i++
		}
		end := now.Add(-f.lastSeenAgo).Add(-time.Minute)
		for ts := now.Add(-35 * day).Add(time.Duration(n*7) * time.Minute); !ts.After(end); ts = ts.Add(8 * time.Hour) {
			out = append(out, timedReport{ts, f.report(ts, now, i), f.dev.Serial, f.dev.Model})
			i++
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ts.Before(out[j].ts) })
	return out
}

// sendFleet posts the fleet's reports to the collector as the agents
// would (protobuf, gzip, bearer token), several reports a request as a
// spool sends them after a time offline.
func sendFleet(t *testing.T, url string, now time.Time) int {
	t.Helper()
	all := reports(now)
	const perRequest = 40
	for start := 0; start < len(all); start += perRequest {
		var rms []*metricpb.ResourceMetrics
		for _, r := range all[start:min(start+perRequest, len(all))] {
			rms = append(rms, r.rm)
		}
		out := agentsim.Post(t, url, testkit.AgentToken, agentsim.Request(rms...), true)
		if ps := out.GetPartialSuccess(); ps.GetRejectedDataPoints() != 0 {
			t.Fatalf("collector refused data points: %v", ps)
		}
	}
	return len(all)
}

// importMeetings imports the demo's saved exports (Teams activity counts
// 2019–2021, Skype/Webex/video rooms, Zoom) with kretslopp-collector
// import, as the demo does; each import updates the monthly and yearly
// rollups.
func importMeetings(t *testing.T, c *testkit.RunningCollector) {
	t.Helper()
	seed := "../collector/cmd/kretslopp-demo/seed/"
	for _, imp := range []struct{ format, pattern string }{
		{"teams-activity-counts", "TeamsUserActivityCounts_*.csv"},
		{"zoom-daily", "zoom-daily-*.csv"},
		{"meetings-daily", "meetings-daily.csv"},
	} {
		format, pattern := imp.format, imp.pattern
		files, err := filepath.Glob(seed + pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("seed %s: %v (%d files)", pattern, err, len(files))
		}
		c.Run(t, append([]string{"import", "--format", format}, files...)...)
	}
}

// pullFromGraphSimulator runs `kretslopp-collector pull --once` against the
// Graph simulator on 15 June 2020 (its 2020 story): Teams and Skype reports
// for the 180 days before, the Teams clients and meeting types, and a
// month of call records into call_records_daily. Run before
// importMeetings, whose exports then have the last word on the days both
// hold.
func pullFromGraphSimulator(t *testing.T, c *testkit.RunningCollector) {
	t.Helper()
	dir := t.TempDir()
	envFile := filepath.Join(dir, "graph.env")
	ctx, cancel := context.WithCancel(context.Background())
	sim := exec.CommandContext(ctx, testkit.Binary(t, testkit.GraphSim), "--listen", "127.0.0.1:0",
		"--ca-out", filepath.Join(dir, "ca.pem"), "--env-out", envFile,
		"--today", "2020-06-15", "--seed", "1", "--call-record-scale", "0.01", "--time-scale", "600")
	var simLog strings.Builder
	sim.Stdout, sim.Stderr = &simLog, &simLog
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = sim.Wait() })
	var env []string
	for deadline := time.Now().Add(30 * time.Second); env == nil; time.Sleep(50 * time.Millisecond) {
		if data, err := os.ReadFile(envFile); err == nil && strings.Count(string(data), "\n") >= 7 {
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				kv := strings.TrimPrefix(line, "export ")
				k, v, _ := strings.Cut(kv, "=")
				env = append(env, k+"="+strings.Trim(v, "'"))
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Graph simulator did not start:\n%s", simLog.String())
		}
	}
	pulling := *c
	pulling.Env = append(append([]string{}, c.Env...), env...)
	pulling.Run(t, "pull", "--once", "--today", "2020-06-15")
}

// implausibleChecks: the diagnostics dashboard lists the fleet's two
// batteries with implausible readings, with the agent's reason verbatim.
func implausibleChecks(c checks) {
	c.add("kretslopp-device-diagnostics", "Implausible readings per battery/A", func(series []testkit.Series) string {
		var problems []string
		want := map[string]string{"device-000001/BAT1": cyclesGlitch, "device-000006/BAT0": healthGlitch}
		got := map[string]bool{}
		for _, s := range series {
			key := s.Tags["device_id"] + "/" + s.Tags["battery"]
			got[key] = true
			for _, r := range s.Values {
				reason := r[col(s, "reason")]
				days, _ := num(s, r, "days implausible")
				reported, _ := num(s, r, "days reported")
				// A two-day glitch with a report every 8 hours touches two or three UTC days.
				// Both batteries report on 13 or more days of the 30-day range: device 6,
				// quiet for the last 16 days, has a daily point on 13 or 14 of its first
				// 14 days, by the time of day the test runs (just after 00:00 UTC its
				// last report falls on the day before).
				if reason != want[key] || days < 2 || days > 3 || reported < 13 {
					problems = append(problems, fmt.Sprintf("%s: reason %q, %v days implausible of %v reported; want %q, 2–3 days of 13 or more", key, reason, days, reported, want[key]))
				}
			}
		}
		if len(got) != len(want) {
			problems = append(problems, fmt.Sprintf("batteries %v, want %v", got, want))
		}
		return joinProblems(problems...)
	})
}
