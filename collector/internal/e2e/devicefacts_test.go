package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// TestImplausibleBatteryLandsInInfluxDB runs the real agent on the corpus
// recording of a ThinkPad X1 Extreme Gen 2 whose embedded controller gave
// energy_full 47 times the design (TLP issue 762, see the corpus's
// SOURCES.md), reporting to the real collector: the battery point in
// InfluxDB names the withheld reading in the field implausible and holds
// no health_pct, design_wh or full_wh, while what was plausible (cycle
// count, charge, state) is there.
func TestImplausibleBatteryLandsInInfluxDB(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the agent reads a sysfs tree on Linux only")
	}
	agentBin := testkit.Binary(t, testkit.Agent)
	db := testkit.NewDatabase(t)
	collector := testkit.StartCollector(t, db, testkit.CollectorOptions{})
	sysfs, err := filepath.Abs("../../../agent/internal/inventory/testdata/corpus/linux/tlp762-x1-extreme-gen2/sysfs")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(config, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var agentLog bytes.Buffer
	agent := exec.Command(agentBin, "--config", config, "run")
	agent.Env = append(os.Environ(),
		"KRETSLOPP_COLLECTOR_URL="+collector.URL,
		"KRETSLOPP_TOKEN="+token,
		"KRETSLOPP_SPOOL_DIR="+filepath.Join(dir, "spool"),
		"KRETSLOPP_INTERVAL=1s",
		"KRETSLOPP_SYSFS_ROOT="+sysfs,
	)
	agent.Stdout, agent.Stderr = &agentLog, &agentLog
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = agent.Process.Kill(); _, _ = agent.Process.Wait() }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		series, err := db.TryQuery(t.Context(), `SELECT count(cycle_count) FROM battery`)
		if err == nil && len(series) == 1 && len(series[0].Values) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no battery point within a minute (%v)\nagent log:\n%s", err, agentLog.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = agent.Process.Signal(syscall.SIGTERM)
	_, _ = agent.Process.Wait()

	for _, m := range []string{schema.Battery, schema.BatteryDaily} {
		series := db.Query(t, `SELECT * FROM `+m+` LIMIT 1`)
		if len(series) != 1 || len(series[0].Values) != 1 {
			t.Fatalf("%s: %+v", m, series)
		}
		row := map[string]any{}
		for i, c := range series[0].Columns {
			row[c] = series[0].Values[0][i]
		}
		why, _ := row["implausible"].(string)
		if !strings.Contains(why, "health_pct 4724.28 outside 10–150 (full_wh 653.84, design_wh 13.84)") {
			t.Errorf("%s.implausible = %q, want the withheld health with the values read", m, row["implausible"])
		}
		for _, withheld := range []string{"health_pct", "design_wh", "full_wh"} {
			if row[withheld] != nil {
				t.Errorf("%s.%s = %v, want none (withheld as implausible)", m, withheld, row[withheld])
			}
		}
		// What was plausible still lands: 159 cycles, energy_now / energy_full
		// = 48110 / 653840 mWh (the kernel gives no capacity here), Full.
		if row["battery"] != "BAT0" || row["cycle_count"] != 159.0 || row["state"] != "full" {
			t.Errorf("%s: battery %v, cycle_count %v, state %v; want BAT0, 159, full", m, row["battery"], row["cycle_count"], row["state"])
		}
		if c, ok := row["charge_pct"].(float64); !ok || c < 7.35 || c > 7.37 {
			t.Errorf("%s.charge_pct = %v, want 7.36", m, row["charge_pct"])
		}
	}
}

// TestWindowsSystemDriveIsTheDisk posts reports as agents send them to the
// real collector: the system volume marked kretslopp.filesystem.system on
// D: becomes disk_bytes, as on C:; an unmarked D: (an agent from before the
// mark) does not, and neither do the other volumes a generic sender lists.
func TestWindowsSystemDriveIsTheDisk(t *testing.T) {
	db := testkit.NewDatabase(t)
	collector := testkit.StartCollector(t, db, testkit.CollectorOptions{})
	ts := time.Now().UTC().Truncate(time.Second).Add(-time.Minute)
	const gib = 1 << 30
	system := true
	report := func(n int, vols ...agentsim.Volume) *metricpb.ResourceMetrics {
		d := agentsim.Laptop(n)
		d.OS, d.Volumes = "windows", vols
		return d.ResourceMetrics(ts)
	}
	resp := agentsim.Post(t, collector.URL, token, agentsim.Request(
		report(1, agentsim.Volume{Mountpoint: `D:\`, System: &system, Bytes: 476 * gib}),
		report(2, agentsim.Volume{Mountpoint: `C:\`, System: &system, Bytes: 237 * gib}),
		report(3, agentsim.Volume{Mountpoint: `D:\`, Bytes: 476 * gib}),
		report(4, agentsim.Volume{Mountpoint: `C:\`, Bytes: 237 * gib}, agentsim.Volume{Mountpoint: `D:\`, Bytes: 931 * gib}, agentsim.Volume{Mountpoint: `E:\`, Bytes: 29 * gib}),
	), true)
	if ps := resp.GetPartialSuccess(); ps.GetRejectedDataPoints() != 0 {
		t.Fatalf("partial success: %v", ps)
	}
	want := map[string]any{"device-000001": float64(476 * gib), "device-000002": float64(237 * gib), "device-000003": nil, "device-000004": float64(237 * gib)}
	for id, w := range want {
		series := db.Query(t, `SELECT disk_bytes, uptime_s FROM device WHERE device_id = '`+id+`'`)
		if len(series) != 1 || len(series[0].Values) != 1 {
			t.Fatalf("%s: %+v, want one device point", id, series)
		}
		if got := series[0].Values[0][1]; got != w {
			t.Errorf("%s: disk_bytes %v, want %v", id, got, w)
		}
	}
	daily := db.Query(t, `SELECT disk_bytes FROM device_daily WHERE device_id = 'device-000001'`)
	if len(daily) != 1 || daily[0].Values[0][1] != float64(476*gib) {
		t.Errorf("device_daily of the Windows on D: %+v, want disk_bytes %d", daily, int64(476*gib))
	}
}
