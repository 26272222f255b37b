package devices_test

import (
	"context"
	"errors"
	"math"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/devices"
	"github.com/kretslopp/kretslopp/collector/internal/devices/devicestest"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

func near(t *testing.T, name string, got *float64, want, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = null, want %v", name, want)
		return
	}
	if math.Abs(*got-want) > tol {
		t.Errorf("%s = %v, want %v ± %v", name, *got, want, tol)
	}
}

func TestStoryListAndFleetFromRealPipeline(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := testkit.StartCollector(t, db.DB, testkit.CollectorOptions{})
	now := time.Now().UTC()
	devicestest.Fill(t, c.URL, now)
	q := db.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	last := devicestest.LastReport(now)

	// By hostname, with the real story.
	d, err := devices.Story(ctx, q, "skola-lap-0001", now)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "device-000001" || d.Serial != "PF000001" || d.Model != "ThinkPad T14 Gen 2i" || d.FirmwareDate != "2016-03-01" || d.Labels["site"] != "rinkeby-skola" {
		t.Errorf("identity: %+v", d)
	}
	if !d.LastSeen.Equal(last) {
		t.Errorf("last seen %v, want %v", d.LastSeen, last)
	}
	if d.FirstSeen == nil || !d.FirstSeen.Equal(time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(devicestest.Days-1))) {
		t.Errorf("first seen %v", d.FirstSeen)
	}
	near(t, "uptime_s", d.UptimeS, (3*24+1)*3600, 1)
	if d.UptimeNowS != nil {
		t.Errorf("uptime now should be null for a device last seen %v ago", now.Sub(last))
	}
	if d.Boots30d != 3 {
		t.Errorf("boots_30d = %d, want 3", d.Boots30d)
	}
	if len(d.Batteries) != 1 {
		t.Fatalf("batteries %+v", d.Batteries)
	}
	b := d.Batteries[0]
	near(t, "health", b.HealthPct, 90-0.05*59, 0.01)
	if b.CycleCount == nil || *b.CycleCount != 359 {
		t.Errorf("cycles %v", b.CycleCount)
	}
	near(t, "health per 90 d", b.HealthPer90d, -4.5, 0.05)
	near(t, "cycles per 90 d", b.CyclesPer90d, 90, 0.5)
	if b.TrendDays != devicestest.Days {
		t.Errorf("trend days %d", b.TrendDays)
	}
	if len(d.Flags) != 0 {
		t.Errorf("flags %v, want none", d.Flags)
	}

	// By ID: a worn, never rebooted device.
	d2, err := devices.Story(ctx, q, "device-000002", now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{devices.FlagBatteryHealth, devices.FlagBatteryCycles, devices.FlagNotRebooted}
	if !reflect.DeepEqual(d2.Flags, want) || d2.Boots30d != 0 || len(d2.Batteries) != 2 {
		t.Errorf("device 2: flags %v boots %d batteries %d", d2.Flags, d2.Boots30d, len(d2.Batteries))
	}
	near(t, "bat0 health", d2.Batteries[0].HealthPct, 75, 0.01)
	near(t, "bat0 trend", d2.Batteries[0].HealthPer90d, 0, 0.01)

	// By serial: gone quiet.
	d3, err := devices.Story(ctx, q, "PF000003", now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d3.Flags, []string{devices.FlagNotSeen}) || d3.Labels["site"] != "stadshuset" || len(d3.Batteries) != 0 {
		t.Errorf("device 3: %+v", d3)
	}

	if _, err := devices.Story(ctx, q, "no-such-device", now); !errors.Is(err, devices.ErrNotFound) {
		t.Errorf("unknown device: %v", err)
	}
	if _, err := devices.Story(ctx, q, `x' OR '1'='1`, now); !errors.Is(err, devices.ErrNotFound) {
		t.Errorf("quoted key: %v", err)
	}

	all, err := devices.List(ctx, q, now, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Hostname != "kontor-lap-0003" || all[1].Boots30d != 3 {
		t.Errorf("list: %+v", all)
	}
	flagged, err := devices.List(ctx, q, now, devices.FlagNotRebooted)
	if err != nil {
		t.Fatal(err)
	}
	if len(flagged) != 1 || flagged[0].ID != "device-000002" {
		t.Errorf("not rebooted: %+v", flagged)
	}
	if _, err := devices.List(ctx, q, now, "bogus"); err == nil {
		t.Error("unknown flag accepted")
	}

	fl, err := devices.BuildFleet(ctx, q, now.Year()-1, now.Year(), 5, now)
	if err != nil {
		t.Fatal(err)
	}
	if fl.Devices < 1 || fl.Devices > 3 || fl.AsOf != now.Format(time.DateOnly) {
		t.Errorf("fleet: %+v", fl)
	}
	// The three devices all reported within the last 60 days; unless the
	// window starts at New Year, all three are in this year.
	if last.AddDate(0, 0, -(devicestest.Days-1)).Year() == now.Year() {
		if fl.Devices != 3 || fl.Batteries != 3 || fl.BelowHealth != 1 || fl.OverCycles != 1 || fl.DueBattery != 1 || fl.DueReplacement != 1 || fl.AgeFromFW != 2 || fl.AgeFromSeen != 1 {
			t.Errorf("fleet: %+v", fl)
		}
		// Ages: ~2 y (firmware), >5 y (firmware 2016), ~0.1 y (first seen).
		near(t, "median age", fl.MedianAgeYears, 2, 0.05)
		if fl.Uptime.Devices != 3 || fl.Uptime.NotRebooted30d != 1 { // device 3 last reported ~20 days ago
			t.Errorf("uptime: %+v", fl.Uptime)
		}
		near(t, "not rebooted pct", fl.Uptime.NotRebootedPct, 33.3, 0.01)
	}
	sp, err := devices.Span(ctx, q, "device reports", "device_daily", "last_seen", now.AddDate(-1, 0, 0), now)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Days != devicestest.Days || sp.LastDay != last.Format(time.DateOnly) {
		t.Errorf("span: %+v", sp)
	}
}

func TestCountBootsAndSlope(t *testing.T) {
	since := time.Unix(1000, 0)
	if n := devices.CountBoots([]float64{500, 1000, 1001, 1030, 5000, 5100}, since); n != 3 {
		t.Errorf("boots = %d, want 3 (1000/1001/1030 are one boot with jitter, 5000, 5100)", n)
	}
}
