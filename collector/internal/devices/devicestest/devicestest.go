// Package devicestest is a small fleet whose story is known — days of
// reports, reboots and batteries wearing — that tests of devices, report
// and the read API post through a real collector (testkit.StartCollector).
package devicestest

import (
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

// The fleet Fill writes, relative to now (all reports at 12:00 UTC of a
// day, one a day, the last one on the day before now):
//
//   - device-000001 (skola-lap-0001, firmware 2016-03-01): reports for 60
//     days; boots 60, 20, 10 and 3 days before the last report (3 boots in
//     the last 30 days); BAT0 health 90 % falling 0.05 %/day (−4.5 per 90
//     days), cycles 300 rising 1 a day (+90 per 90 days).
//   - device-000002 (skola-lap-0002, firmware two years before now, see
//     FirmwareRecent): reports for 60 days, boots 45
//     days before the last report and never again (not rebooted in 30
//     days); BAT0 75 % and 1,200 cycles; BAT1 95 %, 10 cycles.
//   - device-000003 (kontor-lap-0003): reports from 60 to 20 days before
//     now, then nothing (not seen in 14 days); no battery.
const (
	Days = 60
)

// Report times: day i (0 = oldest) of the Days days before now.
func reportTime(now time.Time, i int) time.Time {
	last := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	return last.AddDate(0, 0, i-(Days-1))
}

// LastReport is the time of the newest report Fill writes.
func LastReport(now time.Time) time.Time { return reportTime(now, Days-1) }

// FirmwareRecent is device-000002's firmware date: two years before now.
func FirmwareRecent(now time.Time) string { return now.AddDate(-2, 0, 0).Format(time.DateOnly) }

func withFirmware(rm *metricpb.ResourceMetrics, date string) *metricpb.ResourceMetrics {
	rm.Resource.Attributes = append(rm.Resource.Attributes, &commonpb.KeyValue{Key: schema.AttrFirmwareDate,
		Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: date}}})
	return rm
}

// Fill posts the fleet to the collector at url.
func Fill(t *testing.T, url string, now time.Time) {
	t.Helper()
	last := LastReport(now)
	boots1 := []time.Time{last.AddDate(0, 0, -60).Add(-time.Hour), last.AddDate(0, 0, -20).Add(-time.Hour), last.AddDate(0, 0, -10).Add(-time.Hour), last.AddDate(0, 0, -3).Add(-time.Hour)}
	boot2 := last.AddDate(0, 0, -45).Add(-time.Hour)
	for i := 0; i < Days; i++ {
		ts := reportTime(now, i)
		var rms []*metricpb.ResourceMetrics

		d1 := agentsim.Laptop(1)
		var boot time.Time
		for _, b := range boots1 {
			if !b.After(ts) {
				boot = b
			}
		}
		d1.BootTime, d1.UptimeS = boot.Unix(), ts.Sub(boot).Seconds()
		health := 90 - 0.05*float64(i)
		d1.Batteries[0].DesignWh, d1.Batteries[0].FullWh, d1.Batteries[0].CycleCount = 50, 50*health/100, int64(300+i)
		rms = append(rms, withFirmware(d1.ResourceMetrics(ts), "2016-03-01"))

		d2 := agentsim.Laptop(2)
		d2.BootTime, d2.UptimeS = boot2.Unix(), ts.Sub(boot2).Seconds()
		d2.Batteries = []agentsim.Battery{
			{ID: "BAT0", CycleCount: 1200, DesignWh: 40, FullWh: 30, Charge: 0.5, State: "charging"},
			{ID: "BAT1", CycleCount: 10, DesignWh: 20, FullWh: 19, Charge: 0.9, State: "full"},
		}
		rms = append(rms, withFirmware(d2.ResourceMetrics(ts), FirmwareRecent(now)))

		if ts.Before(now.AddDate(0, 0, -20)) {
			d3 := agentsim.Laptop(3)
			d3.Hostname = "kontor-lap-0003"
			d3.Site = "stadshuset"
			d3.Batteries = nil
			d3.BootTime, d3.UptimeS = ts.Add(-2*time.Hour).Unix(), 7200
			rms = append(rms, d3.ResourceMetrics(ts))
		}
		agentsim.Post(t, url, testkit.AgentToken, agentsim.Request(rms...), false)
	}
}
