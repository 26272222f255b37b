package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

const year = 365 * 86400 // seconds

// perDevice is the subquery that reduces device_daily to one row per
// device: the newest value of each field in the time range. InfluxQL cannot
// join, so fleet figures are counted over such subqueries.
func perDevice(fields, groupBy string) string {
	return fmt.Sprintf(`SELECT %s FROM "device_daily" WHERE $timeFilter GROUP BY %s`, fields, groupBy)
}

// perBattery does the same for battery_daily, one row per battery.
func perBattery(fields string) string {
	return fmt.Sprintf(`SELECT %s FROM "battery_daily" WHERE $timeFilter GROUP BY "device_id", "battery", "model"`, fields)
}

func ageBand(refID, label string, fromYears, toYears int) *QueryBuilder {
	cond := fmt.Sprintf(`"first" <= ${__to:date:seconds} - %d`, fromYears*year)
	if fromYears == 0 {
		cond = ""
	}
	if toYears > 0 {
		upper := fmt.Sprintf(`"first" > ${__to:date:seconds} - %d`, toYears*year)
		if cond == "" {
			cond = upper
		} else {
			cond += " AND " + upper
		}
	}
	return Query(refID, TimeSeries, fmt.Sprintf(`SELECT count("first") AS %q FROM (%s) WHERE %s`,
		label, perDevice(`first("last_seen") AS "first"`, `"device_id"`), cond))
}

// DeviceLongevity is the fleet dashboard for analysts: fleet size and age,
// battery wear, uptime, OS versions and devices that stopped reporting.
// Fleet panels read the daily measurements (device_daily, battery_daily:
// one point per device or battery per UTC day) so that ranges of years stay
// cheap.
func DeviceLongevity() (dashboard.Dashboard, error) {
	b := newBoard("kretslopp-device-longevity", "Kretslopp · Device longevity",
		"How long do our devices live, and in what shape? Fleet age, battery wear, cycle counts, uptime, OS versions and devices that stopped reporting, from the daily measurements device_daily and battery_daily.",
		"now-90d", "devices")

	b.row("Fleet")
	b.add(single("Devices reporting",
		"Devices (device_id, one per OS installation) with at least one report in the time range.",
		"short", size{6, 10}, nil,
		Query("A", TimeSeries, `SELECT count("seen") AS "devices" FROM (`+perDevice(`last("last_seen") AS "seen"`, `"device_id"`)+`)`)))
	b.add(bars("Devices by OS",
		"Devices with a report in the time range, per os tag.",
		"short", size{6, 10},
		Query("A", TimeSeries, `SELECT count("seen") AS "devices" FROM (`+perDevice(`last("last_seen") AS "seen"`, `"device_id", "os"`)+`) GROUP BY "os"`).Alias("$tag_os")))
	b.add(bars("Devices by model",
		"Devices with a report in the time range, per manufacturer and model tag.",
		"short", size{12, 10},
		Query("A", TimeSeries, `SELECT count("seen") AS "devices" FROM (`+perDevice(`last("last_seen") AS "seen"`, `"device_id", "manufacturer", "model"`)+`) GROUP BY "manufacturer", "model"`).Alias("$tag_manufacturer $tag_model")))
	age := bars("Fleet by age since first seen",
		"Devices by how long ago Kretslopp first heard from them (first device_daily point), looking back ten years whatever the dashboard range. A re-installed device gets a new device_id and starts again; the firmware-year panel shows hardware age.",
		"short", size{12, 8},
		ageBand("A", "< 1 year", 0, 1),
		ageBand("B", "1–2 years", 1, 2),
		ageBand("C", "2–3 years", 2, 3),
		ageBand("D", "3 years or more", 3, 0))
	age.TimeFrom("10y")
	b.add(age)
	b.add(tabular("Devices by firmware year",
		"Hardware age from the firmware (BIOS/UEFI) release date each device reports (device_daily.firmware_date, YYYY-MM-DD): the newest value per device, counted per year in Grafana (convert to time, format as year, group).",
		size{12, 8},
		[]dashboard.DataTransformerConfig{
			{Id: "convertFieldType", Options: map[string]any{"conversions": []any{map[string]any{"targetField": "firmware_date", "destinationType": "time", "dateFormat": "YYYY-MM-DD"}}, "fields": map[string]any{}}},
			{Id: "formatTime", Options: map[string]any{"timeField": "firmware_date", "outputFormat": "YYYY", "useTimezone": false}},
			groupByTransform(map[string]any{
				"firmware_date": map[string]any{"operation": "groupby", "aggregations": []string{}},
				"device_id":     map[string]any{"operation": "aggregate", "aggregations": []string{"count"}},
			}),
		},
		Query("A", Table, perDevice(`last("firmware_date") AS "firmware_date"`, `"device_id"`))))
	b.add(series("Devices reporting per day",
		"device_daily points per UTC day: each device writes one point a day it reports.",
		"short", full, "", true,
		Query("A", TimeSeries, `SELECT count("last_seen") AS "devices" FROM "device_daily" WHERE $timeFilter GROUP BY time(1d) fill(none)`)))

	b.row("Batteries")
	b.add(single("Batteries reporting",
		"Batteries (device_id + battery) with a report in the time range.",
		"short", quarter, nil,
		Query("A", TimeSeries, `SELECT count("h") AS "batteries" FROM (`+perBattery(`last("full_wh") AS "h"`)+`)`)))
	b.add(single("Batteries under 80 % health",
		"Share of batteries whose newest health_pct (full ÷ design capacity) is below 80 %. InfluxQL has no IF: 1 − ceil(floor(h/80) / (floor(h/80) + 1)) is 1 below 80 and 0 from 80 up; its mean is the share.",
		"percent", quarter, thresholds("green", 10.0, "orange", 25.0, "red"),
		Query("A", TimeSeries, `SELECT mean("under") * 100 AS "under 80 %" FROM (SELECT 1 - ceil(floor("h" / 80) / (floor("h" / 80) + 1)) AS "under" FROM (`+perBattery(`last("health_pct") AS "h"`)+`))`)))
	b.add(single("Batteries over 1,000 cycles",
		"Share of batteries (with a known cycle count) whose newest cycle_count is over 1,000: ceil(floor(c/1001) / (floor(c/1001) + 1)) is 1 from 1,001 cycles and 0 below.",
		"percent", quarter, thresholds("green", 10.0, "orange", 25.0, "red"),
		Query("A", TimeSeries, `SELECT mean("over") * 100 AS "over 1,000 cycles" FROM (SELECT ceil(floor("c" / 1001) / (floor("c" / 1001) + 1)) AS "over" FROM (`+perBattery(`last("cycle_count") AS "c"`)+`))`)))
	b.add(single("Median battery health",
		"Median of the newest health_pct of every battery.",
		"percent", quarter, thresholds("red", 70.0, "orange", 80.0, "green"),
		Query("A", TimeSeries, `SELECT percentile("h", 50) AS "median health" FROM (`+perBattery(`last("health_pct") AS "h"`)+`)`)))
	b.add(distribution("Battery health distribution",
		"Newest health_pct per battery, in 5 % buckets.",
		"percent", half, 5,
		Query("A", Table, perBattery(`last("health_pct") AS "health"`))))
	b.add(tabular("Cycle-count percentiles by model",
		"Newest cycle_count per battery, percentiles per model tag. Batteries whose firmware does not count cycles are left out. Battery points carry the device's model as a tag for this.",
		half, nil,
		Query("A", Table, `SELECT percentile("c", 50) AS "p50", percentile("c", 90) AS "p90", percentile("c", 99) AS "p99", max("c") AS "max", count("c") AS "batteries" FROM (`+perBattery(`last("cycle_count") AS "c"`)+`) GROUP BY "model"`)))
	b.add(series("Battery health over time",
		"Percentiles of health_pct over all battery-days in each interval (battery_daily).",
		"percent", half, "1d", false,
		Query("A", TimeSeries, `SELECT percentile("health_pct", 10) AS "p10", percentile("health_pct", 50) AS "median", percentile("health_pct", 90) AS "p90" FROM "battery_daily" WHERE $timeFilter GROUP BY time($__interval) fill(none)`)))
	b.add(series("Cycle count over time",
		"Percentiles of cycle_count over all battery-days in each interval (battery_daily).",
		"short", half, "1d", false,
		Query("A", TimeSeries, `SELECT percentile("cycle_count", 50) AS "median", percentile("cycle_count", 90) AS "p90", max("cycle_count") AS "max" FROM "battery_daily" WHERE $timeFilter GROUP BY time($__interval) fill(none)`)))

	b.row("Uptime and OS")
	b.add(distribution("Uptime distribution",
		"Newest uptime per device, in days.",
		"d", size{9, 9}, 1,
		Query("A", Table, perDevice(`last("uptime_s") / 86400 AS "uptime"`, `"device_id"`))))
	b.add(single("Devices not rebooted in 30 days",
		"Devices whose newest uptime_s is over 30 days (2,592,000 s).",
		"short", size{5, 9}, thresholds("green", 1.0, "orange"),
		Query("A", TimeSeries, `SELECT count("u") AS "devices" FROM (`+perDevice(`last("uptime_s") AS "u"`, `"device_id"`)+`) WHERE "u" > 2592000`)))
	b.add(tabular("Not rebooted in 30 days",
		"Devices whose newest uptime is over 30 days, longest first.",
		size{10, 9}, nil,
		Query("A", Table, `SELECT "hostname", "u" / 86400 AS "uptime days" FROM (`+perDevice(`last("uptime_s") AS "u", last("hostname") AS "hostname"`, `"device_id", "model"`)+`) WHERE "u" > 2592000 GROUP BY "device_id", "model"`)))
	b.add(tabular("OS versions",
		"Newest os_version per device, counted per OS and version in Grafana (group by).",
		half,
		[]dashboard.DataTransformerConfig{groupByTransform(map[string]any{
			"os":         map[string]any{"operation": "groupby", "aggregations": []string{}},
			"os_version": map[string]any{"operation": "groupby", "aggregations": []string{}},
			"device_id":  map[string]any{"operation": "aggregate", "aggregations": []string{"count"}},
		})},
		Query("A", Table, perDevice(`last("os_version") AS "os_version"`, `"device_id", "os"`))))
	b.add(tabular("Agent versions",
		"Newest agent_version per device, counted per version in Grafana (group by).",
		half,
		[]dashboard.DataTransformerConfig{groupByTransform(map[string]any{
			"agent_version": map[string]any{"operation": "groupby", "aggregations": []string{}},
			"device_id":     map[string]any{"operation": "aggregate", "aggregations": []string{"count"}},
		})},
		Query("A", Table, perDevice(`last("agent_version") AS "agent_version"`, `"device_id"`))))

	b.row("Not seen")
	b.add(single("Devices not seen for 14 days",
		"Devices with a report in the time range but none in the last 14 days before its end (last_seen, unix seconds, against ${__to:date:seconds}).",
		"short", size{6, 9}, thresholds("green", 1.0, "orange"),
		Query("A", TimeSeries, `SELECT count("seen") AS "devices" FROM (`+perDevice(`last("last_seen") AS "seen"`, `"device_id"`)+`) WHERE "seen" < ${__to:date:seconds} - 1209600`)))
	b.add(tabular("Not seen for 14 days",
		"Devices not seen for 14 days, with their last report (ms since the epoch, shown as a date).",
		size{18, 9}, nil,
		Query("A", Table, `SELECT "hostname", "serial", "seen" * 1000 AS "last seen" FROM (`+perDevice(`last("last_seen") AS "seen", last("hostname") AS "hostname", last("serial") AS "serial"`, `"device_id", "model", "site"`)+`) WHERE "seen" < ${__to:date:seconds} - 1209600 GROUP BY "device_id", "model", "site"`)).
		// A date only on the column that holds one: a panel-wide unit
		// would format host names and serials as dates too.
		OverrideByName("last seen", []dashboard.DynamicConfigValue{{Id: "unit", Value: "dateTimeAsIso"}}))
	return b.build()
}
