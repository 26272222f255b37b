package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Template variables of the diagnostics dashboard.
const (
	HostnameVariable = "hostname"
	DeviceVariable   = "device"
)

// thisDevice is the condition every diagnostics query starts with.
const thisDevice = `"device_id" =~ /^$device$/`

func stringOrMap(s string) dashboard.StringOrMap { return dashboard.StringOrMap{String: &s} }

func diagnosticsVariables() []*dashboard.QueryVariableBuilder {
	hostname := `SELECT last("hostname") FROM "device_daily" WHERE $timeFilter GROUP BY "device_id"`
	// One column: Grafana's InfluxDB data source (InfluxQL, Grafana 10–13)
	// offers the values of every column of a variable query, and does not
	// read __text/__value columns. The backend turns each column after time
	// into a frame of its own (pkg/tsdb/influxdb/influxql/converter/converter.go,
	// handleTimeSeriesFormatWithTimeColumn), and the front end collects the
	// first string field of every frame as an option whose value is its text
	// (public/app/plugins/datasource/influxdb/datasource.ts, metricFindQuery
	// and toMetricFindValue). So a host name column next to device_id would
	// offer host names as device IDs. InfluxDB returns the device_id tag of
	// the subquery as the only column.
	device := `SELECT "device_id" FROM (SELECT last("hostname") AS "hostname" FROM "device_daily" WHERE $timeFilter GROUP BY "device_id") WHERE "hostname" =~ /^$hostname$/`
	return []*dashboard.QueryVariableBuilder{
		dashboard.NewQueryVariableBuilder(HostnameVariable).
			Label("Hostname").
			Description("Host names reported in the time range (device_daily.hostname); All lists every device below.").
			Datasource(*datasourceRef()).
			Query(stringOrMap(hostname)).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalCaseInsensitiveAsc).
			IncludeAll(true).AllValue(".*").
			Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: ptr("All")}, Value: dashboard.StringOrArrayOfString{String: ptr("$__all")}}),
		dashboard.NewQueryVariableBuilder(DeviceVariable).
			Label("Device ID").
			Description("device_id (host.id: machine-id, MachineGuid or IOPlatformUUID) of the devices with the chosen host name.").
			Datasource(*datasourceRef()).
			Query(stringOrMap(device)).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalAsc),
	}
}

// DeviceDiagnostics is IT support's view of one device: identity, last
// seen, uptime and boots, battery health and cycles per battery, and the
// agent's spool drops. It reads the raw device and battery measurements
// (one point per report), filtered by the device variable.
func DeviceDiagnostics() (dashboard.Dashboard, error) {
	b := newBoard("kretslopp-device-diagnostics", "Kretslopp · Device diagnostics",
		"One device's story for IT support: pick it by host name or device ID. Identity, last report, uptime and boots, batteries and the agent's spool.",
		"now-30d", "devices")
	for _, v := range diagnosticsVariables() {
		b.b.WithVariable(v)
	}

	b.row("Identity")
	b.add(tabular("Identity",
		"Newest identity fields of the device (device_daily) and its tags. The serial outlives re-installs; a new device_id with the same serial is the same hardware.",
		full, nil,
		Query("A", Table, `SELECT last("hostname") AS "hostname", last("serial") AS "serial", last("os_version") AS "OS version", last("os_description") AS "OS description", last("firmware_date") AS "firmware date", last("arch") AS "arch", last("agent_version") AS "agent", last("memory_bytes") / 1073741824 AS "memory GiB", last("disk_bytes") / 1073741824 AS "disk GiB" FROM "device_daily" WHERE `+thisDevice+` AND $timeFilter GROUP BY "device_id", "manufacturer", "model", "os", "site"`)).
		Height(5))
	b.add(single("Last seen",
		"Time of the newest report (device_daily.last_seen).",
		"dateTimeFromNow", size{6, 5}, nil,
		Query("A", TimeSeries, `SELECT last("last_seen") * 1000 AS "last seen" FROM "device_daily" WHERE `+thisDevice+` AND $timeFilter`)))
	b.add(single("Uptime",
		"Uptime in the newest report (device.uptime_s).",
		"s", size{6, 5}, thresholds("green", 2592000.0, "orange"),
		Query("A", TimeSeries, `SELECT last("uptime_s") AS "uptime" FROM "device" WHERE `+thisDevice+` AND $timeFilter`)))
	b.add(single("Boots in range",
		"Distinct boot times reported in the time range: count(distinct(boot_time)); the boot before the range counts too if the device was up at its start.",
		"short", size{6, 5}, nil,
		Query("A", TimeSeries, `SELECT count(distinct("boot_time")) AS "boots" FROM "device" WHERE `+thisDevice+` AND $timeFilter`)))
	b.add(single("Spool drops in range",
		"Report batches the agent dropped from its disk spool (full or too old) in the time range: sum of device.spool_dropped.",
		"short", size{6, 5}, thresholds("green", 1.0, "red"),
		Query("A", TimeSeries, `SELECT sum("spool_dropped") AS "dropped batches" FROM "device" WHERE `+thisDevice+` AND $timeFilter`)))

	b.row("Uptime and boots")
	b.add(series("Uptime",
		"device.uptime_s, the newest value per interval; each drop is a reboot.",
		"s", half, "", false,
		Query("A", TimeSeries, `SELECT last("uptime_s") AS "uptime" FROM "device" WHERE `+thisDevice+` AND $timeFilter GROUP BY time($__interval) fill(none)`)))
	b.add(series("Boot sessions per interval",
		"Distinct boot_time values reported per interval (at least a day): 1 for a day without a reboot, 2 or more for a day with one.",
		"short", half, "1d", true,
		Query("A", TimeSeries, `SELECT count(distinct("boot_time")) AS "boot sessions" FROM "device" WHERE `+thisDevice+` AND $timeFilter GROUP BY time($__interval) fill(none)`)))

	b.row("Batteries")
	b.add(series("Battery health per battery",
		"health_pct (full ÷ design capacity) per battery, newest value per day (battery_daily).",
		"percent", half, "1d", false,
		Query("A", TimeSeries, `SELECT last("health_pct") AS "health" FROM "battery_daily" WHERE `+thisDevice+` AND $timeFilter GROUP BY time($__interval), "battery" fill(none)`).Alias("$tag_battery")).
		ShowPoints(common.VisibilityModeAuto))
	b.add(series("Cycle count per battery",
		"cycle_count per battery, newest value per day (battery_daily); absent when the firmware does not count cycles.",
		"short", half, "1d", false,
		Query("A", TimeSeries, `SELECT last("cycle_count") AS "cycles" FROM "battery_daily" WHERE `+thisDevice+` AND $timeFilter GROUP BY time($__interval), "battery" fill(none)`).Alias("$tag_battery")))
	b.add(series("Charge per battery",
		"charge_pct per battery (battery), newest value per interval.",
		"percent", half, "", false,
		Query("A", TimeSeries, `SELECT last("charge_pct") AS "charge" FROM "battery" WHERE `+thisDevice+` AND $timeFilter GROUP BY time($__interval), "battery" fill(none)`).Alias("$tag_battery")))
	b.add(tabular("Batteries now",
		"Newest values per battery (battery).",
		half, nil,
		Query("A", Table, `SELECT last("health_pct") AS "health %", last("cycle_count") AS "cycles", last("design_wh") AS "design Wh", last("full_wh") AS "full Wh", last("charge_pct") AS "charge %", last("state") AS "state", last("vendor") AS "vendor", last("chemistry") AS "chemistry" FROM "battery" WHERE `+thisDevice+` AND $timeFilter GROUP BY "battery"`)))

	b.row("Agent")
	b.add(series("Spool drops",
		"device.spool_dropped summed per interval: batches the agent dropped before the collector acknowledged them.",
		"short", half, "", true,
		Query("A", TimeSeries, `SELECT sum("spool_dropped") AS "dropped batches" FROM "device" WHERE `+thisDevice+` AND $timeFilter GROUP BY time($__interval) fill(none)`)))
	b.add(series("Reports per interval",
		"Reports that reached InfluxDB per interval (count of device.uptime_s); gaps are times the device was off or offline (the spool sends them later).",
		"short", half, "", true,
		Query("A", TimeSeries, `SELECT count("uptime_s") AS "reports" FROM "device" WHERE `+thisDevice+` AND $timeFilter GROUP BY time($__interval) fill(none)`)))

	// Every device, not the one picked above: the list is where IT support
	// finds the batteries to look at, and its device IDs open their story.
	b.row("Implausible battery readings (all devices)")
	b.add(single("Batteries with implausible readings",
		"Batteries of any device (not only the one picked above) that reported a reading the agent withheld as implausible in the time range: health outside 10–150 %, a capacity not positive, more than 10,000 cycles (battery_daily.implausible, set only then; see docs/agent.md). The withheld figures are not stored, so health and cycles of those reports are missing, not wrong.",
		"short", size{6, 8}, thresholds("green", 1.0, "orange"),
		Query("A", TimeSeries, `SELECT count("reason") AS "batteries" FROM (`+implausibleBatteries(`last("implausible") AS "reason"`)+`)`)).
		NoValue("0"))
	b.add(tabular("Implausible readings per battery",
		"One row per battery with an implausible reading in the time range: the agent's reason as it sent it (the newest, with the values it read), on how many days of the range it came, and on how many days the battery reported at all (battery_daily). A device ID opens that device above.",
		size{18, 8},
		[]dashboard.DataTransformerConfig{{Id: "organize", Options: map[string]any{"excludeByName": map[string]any{"Time": true}}}},
		Query("A", Table, `SELECT "reason", "days implausible", "days reported" FROM (`+implausibleBatteries(`last("implausible") AS "reason", count("implausible") AS "days implausible", count("last_seen") AS "days reported"`)+`) WHERE "days implausible" > 0 GROUP BY "device_id", "battery", "model"`)).
		// The reason is text from the agent: shown as plain text, wrapped,
		// never interpreted (no markdown, HTML or JSON cell).
		OverrideByName("reason", []dashboard.DynamicConfigValue{
			{Id: "custom.cellOptions", Value: map[string]any{"type": "auto"}},
			{Id: "custom.wrapText", Value: true},
			{Id: "custom.inspect", Value: true},
		}).
		OverrideByName("device_id", []dashboard.DynamicConfigValue{
			{Id: "links", Value: []map[string]any{{"title": "Open this device", "url": "/d/kretslopp-device-diagnostics?var-hostname=$__all&var-device=${__value.raw}&${__url_time_range}"}}},
		}))
	return b.build()
}

// implausibleBatteries is the subquery that reduces battery_daily (one
// point per battery and day; a day's point keeps implausible when any
// report that day had it) to one row per battery of any device.
func implausibleBatteries(fields string) string {
	return `SELECT ` + fields + ` FROM "battery_daily" WHERE $timeFilter GROUP BY "device_id", "battery", "model"`
}
