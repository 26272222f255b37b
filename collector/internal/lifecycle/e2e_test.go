package lifecycle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/collector/internal/report"
	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// e2eNow is the clock of the end-to-end tests.
var e2eNow = time.Date(2024, 6, 15, 15, 0, 0, 0, time.UTC)

func post(t *testing.T, url string, rms ...*metricpb.ResourceMetrics) {
	t.Helper()
	agentsim.Post(t, url, testkit.AgentToken, agentsim.Request(rms...), false)
}

// agentDays posts one report a day (12:00 UTC) from fromAgo to toAgo days
// before e2eNow; edit adjusts the device for the day.
func agentDays(t *testing.T, url string, d agentsim.Device, fromAgo, toAgo int, edit func(d *agentsim.Device, ago int)) {
	t.Helper()
	var rms []*metricpb.ResourceMetrics
	noon := time.Date(e2eNow.Year(), e2eNow.Month(), e2eNow.Day(), 12, 0, 0, 0, time.UTC)
	for ago := fromAgo; ago >= toAgo; ago-- {
		dd := d
		dd.Batteries = slices.Clone(d.Batteries)
		if edit != nil {
			edit(&dd, ago)
		}
		ts := noon.AddDate(0, 0, -ago)
		dd.BootTime, dd.UptimeS = ts.Add(-time.Hour).Unix(), 3600
		rms = append(rms, dd.ResourceMetrics(ts))
	}
	post(t, url, rms...)
}

// fillLifecycle posts the lifecycle story through the real collector:
//   - HW-A: agent device-A1 (installed 100 days ago) reports from 100 to
//     60 days ago with battery BAT-A1; the machine is re-installed and
//     agent device-A2 reports from 50 days ago to yesterday with a new
//     battery BAT-A2 (health 90 %): one device in its second round, one
//     battery replaced.
//   - HW-B: device-B1 reports 30 days to yesterday, moved from department
//     kontor to skola 15 days ago: a second round.
//   - HW-D: device-D1 reported a year before (400 to 380 days ago).
//   - HW-X: reports for 10 days and is not in the inventory.
func fillLifecycle(t *testing.T, url string) {
	t.Helper()
	lap := func(id, serial, model, dept string, install time.Time) agentsim.Device {
		d := agentsim.Laptop(1)
		d.ID, d.Serial, d.Model, d.Department, d.OSInstallTime = id, serial, model, dept, install.Unix()
		return d
	}
	a1 := lap("device-A1", "HW-A", "ThinkPad L13 Yoga Gen 2", "skola", e2eNow.AddDate(0, 0, -100).Add(-5*time.Hour))
	a1.Batteries = []agentsim.Battery{{ID: "BAT0", Serial: "BAT-A1", CycleCount: 900, DesignWh: 46, FullWh: 30, Charge: 0.5, State: "discharging"}}
	agentDays(t, url, a1, 100, 60, nil)
	a2 := lap("device-A2", "HW-A", "ThinkPad L13 Yoga Gen 2", "skola", e2eNow.AddDate(0, 0, -50).Add(-5*time.Hour))
	a2.Batteries = []agentsim.Battery{{ID: "BAT0", Serial: "BAT-A2", CycleCount: 20, DesignWh: 46, FullWh: 41.4, Charge: 0.8, State: "charging"}}
	agentDays(t, url, a2, 50, 1, nil)
	b1 := lap("device-B1", "HW-B", "OptiPlex 7090", "kontor", e2eNow.AddDate(-2, 0, 0))
	b1.Batteries = nil
	agentDays(t, url, b1, 30, 1, func(d *agentsim.Device, ago int) {
		if ago <= 15 {
			d.Department = "skola"
		}
	})
	d1 := lap("device-D1", "HW-D", "ThinkPad T470", "kontor", e2eNow.AddDate(-2, 0, 0))
	agentDays(t, url, d1, 400, 380, nil)
	x1 := lap("device-X1", "HW-X", "ThinkPad T14 Gen 2i", "skola", e2eNow.AddDate(0, 0, -10).Add(-5*time.Hour))
	agentDays(t, url, x1, 10, 1, nil)
}

func importInventory(t *testing.T, c *influx.Client, name string, now func() time.Time) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := lifecycle.DecodeInventory(context.Background(), f, lifecycle.InventoryOptions{File: name, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(context.Background(), lifecycle.Points(res.Items)); err != nil {
		t.Fatal(err)
	}
}

func TestSameSerialTwoAgentsIsOneDeviceInSecondRound(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := testkit.StartCollector(t, db.DB, testkit.CollectorOptions{})
	fillLifecycle(t, c.URL)
	ctx := context.Background()
	hw, noSerial, err := lifecycle.Derive(ctx, db.Client(t), e2eNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*lifecycle.Hardware{}
	for _, h := range hw {
		by[h.Serial] = h
	}
	for _, p := range lifecycle.HardwarePoints(hw, lifecycle.DefaultPlannedLife, e2eNow) {
		if err := schema.Check(p.Measurement, p.Tags, p.Fields); err != nil {
			t.Error(err)
		}
	}
	if len(hw) != 4 || noSerial != 0 {
		t.Fatalf("%d hardware items (%d without serial), want 4 serials for 5 device IDs", len(hw), noSerial)
	}
	a := by["HW-A"]
	if a == nil || len(a.Rounds) != 2 || !slices.Equal(a.DeviceIDs, []string{"device-A1", "device-A2"}) {
		t.Fatalf("HW-A: %+v", a)
	}
	if r := a.Rounds[1]; r.N != 2 || r.DeviceID != "device-A2" || !r.Start.Equal(e2eNow.AddDate(0, 0, -50).Add(-5*time.Hour).Truncate(time.Second)) {
		t.Errorf("HW-A round 2: %+v (starts at the OS installation 50 days ago)", r)
	}
	if a.FirstSeen.Format(time.DateOnly) != "2024-03-07" || a.LastSeen.Format(time.DateOnly) != "2024-06-14" {
		t.Errorf("HW-A first/last seen %v %v", a.FirstSeen, a.LastSeen)
	}
	if a.BatteriesReplaced != 1 || a.BatteryHealth == nil || *a.BatteryHealth != 90 {
		t.Errorf("HW-A batteries replaced %d, health %v; want 1 and 90", a.BatteriesReplaced, a.BatteryHealth)
	}
	b := by["HW-B"]
	if b == nil || len(b.Rounds) != 2 || b.Rounds[0].Department != "kontor" || b.Rounds[1].Department != "skola" || len(b.DeviceIDs) != 1 {
		t.Errorf("HW-B (moved between departments): %+v", b)
	}
	if x := by["HW-X"]; x == nil || len(x.Rounds) != 1 {
		t.Errorf("HW-X: %+v", x)
	}
}

func TestReportLongevityFromInventoryAndReports(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := testkit.StartCollector(t, db.DB, testkit.CollectorOptions{})
	fillLifecycle(t, c.URL)
	client := db.Client(t)
	importInventory(t, client, "testdata/inventory.csv", decodeNow)
	importInventory(t, client, "testdata/inventory.csv", decodeNow) // idempotent
	ctx := context.Background()
	y, err := report.BuildYearly(ctx, client, 2022, 2024, report.Options{PlannedLifeYears: 5, Now: func() time.Time { return e2eNow }})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WriteYearlyJSON(&buf, y); err != nil {
		t.Fatal(err)
	}
	var got struct {
		MeetingsByYear []any `json:"meetings_by_year"`
		Longevity      struct {
			Hardware          int     `json:"hardware"`
			DeviceIDs         int     `json:"device_ids"`
			SecondRound       int     `json:"in_second_round"`
			SecondRoundPct    float64 `json:"in_second_round_pct"`
			ThirdRound        int     `json:"in_third_round_or_later"`
			MeanRounds        float64 `json:"mean_rounds"`
			Retired           int     `json:"retired"`
			FromPurchase      int     `json:"service_life_from_purchase"`
			MedianServiceLife float64 `json:"median_service_life_years"`
			Distribution      []struct {
				Label string `json:"label"`
				Count int    `json:"count"`
			} `json:"service_life_distribution"`
			ByModel []struct {
				Name    string  `json:"name"`
				Retired int     `json:"retired"`
				Median  float64 `json:"median_years"`
			} `json:"service_life_by_model"`
			ByClass []struct {
				Name    string  `json:"name"`
				Retired int     `json:"retired"`
				Median  float64 `json:"median_years"`
			} `json:"service_life_by_class"`
			Certs []struct {
				Year          int            `json:"year"`
				Purchases     int            `json:"purchases"`
				EnergyStarPct float64        `json:"energy_star_pct"`
				TCOPct        float64        `json:"tco_certified_pct"`
				EPEATPct      float64        `json:"epeat_pct"`
				TCOGen        map[string]int `json:"tco_generations"`
				Tiers         map[string]int `json:"epeat_tiers"`
			} `json:"certifications_by_purchase_year"`
			BatteriesReplaced int      `json:"batteries_replaced"`
			PastPlannedLife   int      `json:"past_planned_life"`
			ReuseCandidates   int      `json:"reuse_candidates"`
			Missing           []string `json:"reporting_not_in_inventory"`
			Never             []struct {
				Serial string `json:"serial"`
				Status string `json:"status"`
			} `json:"in_inventory_never_reported"`
		} `json:"longevity"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.MeetingsByYear == nil {
		t.Error("meetings_by_year missing (contract)")
	}
	l := got.Longevity
	t.Logf("longevity: %+v", l)
	// Fleet of 2024: HW-A (2 rounds), HW-B (2 rounds), HW-X (1 round);
	// HW-D last reported in 2023.
	if l.Hardware != 3 || l.DeviceIDs != 4 || l.SecondRound != 2 || l.SecondRoundPct != 66.7 || l.ThirdRound != 0 || l.MeanRounds != 1.7 {
		t.Errorf("rounds: hardware %d, device IDs %d, second round %d (%v %%), third %d, mean %v; want 3, 4, 2 (66.7 %%), 0, 1.7",
			l.Hardware, l.DeviceIDs, l.SecondRound, l.SecondRoundPct, l.ThirdRound, l.MeanRounds)
	}
	// Retired in 2022–2024: HW-C (2017-01-15 → recycled 2024-02-15, 7.1
	// years) and HW-D (2019-05-01 → sold 2024-04-30, 5.0 years).
	if l.Retired != 2 || l.FromPurchase != 2 || l.MedianServiceLife != 6.0 {
		t.Errorf("service life: retired %d (from purchase %d), median %v; want 2, 2, 6.0", l.Retired, l.FromPurchase, l.MedianServiceLife)
	}
	dist := map[string]int{}
	for _, b := range l.Distribution {
		dist[b.Label] = b.Count
	}
	if dist["4–5"] != 1 || dist["6–8"] != 1 {
		t.Errorf("service-life distribution %v; want one 4–5 (4.999 years) and one 6–8", dist)
	}
	if len(l.ByModel) != 1 || l.ByModel[0].Name != "ThinkPad T470" || l.ByModel[0].Retired != 2 || l.ByModel[0].Median != 6.0 {
		t.Errorf("by model %+v", l.ByModel)
	}
	if len(l.ByClass) != 1 || l.ByClass[0].Name != "laptop" || l.ByClass[0].Retired != 2 {
		t.Errorf("by class %+v", l.ByClass)
	}
	certs := map[int]string{}
	for _, c := range l.Certs {
		certs[c.Year] = fmtCert(c.Purchases, c.EnergyStarPct, c.TCOPct, c.EPEATPct)
	}
	want := map[int]string{2017: "1 100/0/0", 2018: "1 100/100/100", 2019: "1 0/100/100", 2022: "2 50/100/100"}
	for yr, w := range want {
		if certs[yr] != w {
			t.Errorf("certifications %d = %q, want %q (purchases ES/TCO/EPEAT %%)", yr, certs[yr], w)
		}
	}
	for _, c := range l.Certs {
		if c.Year == 2022 && (c.TCOGen["9"] != 2 || c.Tiers["gold"] != 1 || c.Tiers["silver"] != 1) {
			t.Errorf("2022 generations %v tiers %v", c.TCOGen, c.Tiers)
		}
	}
	if l.BatteriesReplaced != 1 || l.PastPlannedLife != 1 || l.ReuseCandidates != 1 {
		t.Errorf("batteries replaced %d, past planned life %d, candidates %d; want 1, 1 (HW-A, 5.9 years), 1", l.BatteriesReplaced, l.PastPlannedLife, l.ReuseCandidates)
	}
	if !slices.Equal(l.Missing, []string{"HW-X"}) || len(l.Never) != 1 || l.Never[0].Serial != "HW-E" || l.Never[0].Status != "in_storage" {
		t.Errorf("gap: missing from inventory %v, never reported %+v; want [HW-X] and HW-E in storage", l.Missing, l.Never)
	}

	// The derived measurements for the dashboard.
	n, err := lifecycle.Update(ctx, client, client, 5, e2eNow)
	if err != nil {
		t.Fatal(err)
	}
	if n != 6+4 { // 6 serials (A, B, C, D, E, X) + 4 purchase years
		t.Errorf("update wrote %d points, want 10", n)
	}
	series, err := client.Query(ctx, `SELECT last("rounds") AS "rounds" FROM "hardware" WHERE "serial" = 'HW-A'`)
	if err != nil || len(series) == 0 || series[0].Values[0][1] != 2.0 {
		t.Errorf("hardware HW-A rounds: %v %v", series, err)
	}
}

func fmtCert(n int, es, tco, epeat float64) string {
	return itoa(n) + " " + ftoa(es) + "/" + ftoa(tco) + "/" + ftoa(epeat)
}

func itoa(n int) string     { return strconv.Itoa(n) }
func ftoa(v float64) string { b, _ := json.Marshal(v); return string(b) }
