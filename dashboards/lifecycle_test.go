package dashboards_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

// Lifecycle figures (the Lifecycle dashboard; see fillLifecycle).
const (
	lifecycleHardware  = fleetDevices // one serial per fleet device
	secondRoundPct     = 100.0 / 7    // PF000002
	thirdRoundPct      = 100.0 / 7    // PF000003
	meanRounds         = 10.0 / 7     // 5 × 1 + 2 + 3
	batteriesReplaced  = 1            // PF000003: 44 Wh → 45 Wh
	medianServiceLife  = 4.5          // RET-0001 5.5 years, RET-0002 3.5 years
	reuseCandidates    = 1            // PF000003: bought 8 years ago, battery 88 %
	notInInventory     = 2            // PF000006, PF000007
	neverReported      = 1            // SPARE-0001
	oneRound, twoRound = 5, 1
)

// inventoryItem is a row of the inventory fillLifecycle imports.
type inventoryItem struct {
	serial, manufacturer, model, class string
	purchased                          time.Time
	more                               string // price, energy star, tco certified, epeat
	status                             string
	statusDate                         time.Time
}

// retired says whether the inventory retired the item (docs/lifecycle.md:
// sold for reuse or recycled).
func (it inventoryItem) retired() bool {
	return it.status == "recycled" || it.status == "sold for reuse"
}

// inventory is the fleet's inventory, dates relative to now (UTC days).
func inventory(now time.Time) []inventoryItem {
	d := func(years, months int) time.Time {
		t := now.AddDate(-years, -months, 0)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return []inventoryItem{
		{"PF000001", "LENOVO", "ThinkPad T14 Gen 2i", "laptop", d(3, 0), "10200,yes,Generation 9,gold", "in use", d(3, 0)},
		{"PF000002", "LENOVO", "ThinkPad T14 Gen 2i", "laptop", d(7, 0), "9800,yes,8,silver", "reused", d(3, 6)},
		{"PF000003", "HP", "HP ProBook 440 G8", "laptop", d(8, 0), "8100,no,8,bronze", "reused", d(2, 9)},
		{"PF000004", "Apple Inc.", "MacBookAir10,1", "laptop", d(2, 0), "11900,yes,no,gold", "in use", d(2, 0)},
		{"PF000005", "Dell Inc.", "Latitude 5420", "laptop", d(4, 0), "9100,yes,9,gold", "in use", d(4, 0)},
		{"RET-0001", "HP", "EliteBook 840 G3", "laptop", d(6, 6), "9000,yes,no,no", "recycled", d(1, 0)},
		{"RET-0002", "HP", "EliteBook 840 G5", "laptop", d(4, 0), "9300,yes,7,silver", "sold for reuse", d(0, 6)},
		{"SPARE-0001", "LENOVO", "ThinkPad T14 Gen 2i", "laptop", d(1, 0), "10500,yes,9,gold", "in storage", d(1, 0)},
	}
}

// fillLifecycle adds the hardware's earlier lives through the collector —
// the hardware of device 2 was installed before as device-000002-r1 (1,300
// days ago), that of device 3 twice (device-000003-r1 1,000 days ago and
// -r2 950 days ago, with a 44 Wh battery replaced by the 45 Wh one device 3
// reports now) — and imports an inventory (dates relative to now) with
// kretslopp-collector import, which refreshes the derived lifecycle
// measurements.
func fillLifecycle(t *testing.T, c *testkit.RunningCollector, now time.Time) {
	t.Helper()
	var rms []*metricpb.ResourceMetrics
	for _, prev := range []struct {
		n           int
		id          string
		agoDays     int
		designWh    float64
		withBattery bool
	}{
		{2, "device-000002-r1", 1300, 50, true},
		{3, "device-000003-r1", 1000, 44, true},
		{3, "device-000003-r2", 950, 44, true},
	} {
		d := agentsim.Laptop(prev.n)
		d.ID = prev.id
		for _, f := range fleet() {
			if f.dev.Serial == d.Serial {
				d.Hostname, d.OS, d.Manufacturer, d.Model, d.Site = f.dev.Hostname, f.dev.OS, f.dev.Manufacturer, f.dev.Model, f.dev.Site
			}
		}
		ts := now.Add(-time.Duration(prev.agoDays) * day)
		d.OSInstallTime = ts.Add(-day).Unix()
		d.BootTime, d.UptimeS = ts.Add(-time.Hour).Unix(), 3600
		d.Batteries = []agentsim.Battery{{ID: "BAT0", CycleCount: 100, DesignWh: prev.designWh, FullWh: prev.designWh * 0.95, Charge: 0.5, State: "charging"}}
		rms = append(rms, d.ResourceMetrics(ts))
	}
	agentsim.Post(t, c.URL, testkit.AgentToken, agentsim.Request(rms...), false)

	lines := []string{"serial,manufacturer,model,class,purchase date,price,energy star,tco certified,epeat,status,status date"}
	for _, it := range inventory(now) {
		lines = append(lines, fmt.Sprintf("%s,%s,%q,%s,%s,%s,%s,%s", it.serial, it.manufacturer, it.model, it.class,
			it.purchased.Format(time.DateOnly), it.more, it.status, it.statusDate.Format(time.DateOnly)))
	}
	csv := strings.Join(lines, "\n")
	file := filepath.Join(t.TempDir(), "inventory.csv")
	if err := os.WriteFile(file, []byte(csv+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The import writes the inventory and recomputes the lifecycle measurements.
	c.Run(t, "import", "--format", "inventory", file)
}
