package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// perSerial reduces the derived hardware measurement (one point per
// hardware serial per day that `kretslopp-collector lifecycle --update` or
// `import --format inventory` ran) to one row per serial: the newest
// snapshot in the time range.
func perSerial(fields, where, groupBy string) string {
	if where != "" {
		where = " AND (" + where + ")"
	}
	return fmt.Sprintf(`SELECT %s FROM "hardware" WHERE $timeFilter%s GROUP BY %s`, fields, where, groupBy)
}

func roundsBand(refID, label, cond string) *QueryBuilder {
	return Query(refID, TimeSeries, fmt.Sprintf(`SELECT count("r") AS %q FROM (%s) WHERE %s`, label,
		perSerial(`last("rounds") AS "r"`, `"in_fleet" = 1`, `"serial"`), cond))
}

// Lifecycle is the dashboard of hardware over its whole life: rounds
// across re-installs and departments, service life of retired hardware,
// certified purchases, batteries replaced, candidates for another round,
// and the gap between the inventory and the devices that report. It reads
// the derived measurements hardware and procurement_yearly (written by the
// collector, see docs/lifecycle.md) and device_daily.
func Lifecycle() (dashboard.Dashboard, error) {
	b := newBoard("kretslopp-lifecycle", "Kretslopp · Lifecycle",
		"Device longevity measured over the whole life of the hardware (serial number), which outlives any one OS installation: reuse rounds, service life of retired devices, certified purchases (Energy Star, TCO Certified, EPEAT), batteries replaced, devices past their planned life still healthy, and inventory against reporting devices. Reads hardware and procurement_yearly, refreshed by kretslopp-collector lifecycle --update (daily) and import --format inventory.",
		"now-30d", "devices", "lifecycle")

	b.row("Rounds")
	b.add(single("Hardware reporting",
		"Distinct hardware serials (device_daily.serial) with a report in the time range; one serial may have had several device IDs (OS installations).",
		"short", sixth, nil,
		Query("A", TimeSeries, `SELECT count(distinct("serial")) AS "hardware" FROM "device_daily" WHERE $timeFilter`)))
	b.add(single("Device IDs reporting",
		"Device IDs (one per OS installation) with a report in the time range, for comparison with the hardware count.",
		"short", sixth, nil,
		Query("A", TimeSeries, `SELECT count("seen") AS "device IDs" FROM (`+perDevice(`last("last_seen") AS "seen"`, `"device_id"`)+`)`)))
	b.add(single("In the second round",
		"Share of the fleet (hardware that reported in the year before the update and is not retired) in its second round: a second OS installation or a move to another department.",
		"percent", sixth, nil,
		Query("A", TimeSeries, `SELECT mean("s") * 100 AS "second round" FROM (`+perSerial(`last("second_round") AS "s"`, `"in_fleet" = 1`, `"serial"`)+`)`)))
	b.add(single("In the third round or later",
		"Share of the fleet in its third round or later.",
		"percent", sixth, nil,
		Query("A", TimeSeries, `SELECT mean("s") * 100 AS "third round" FROM (`+perSerial(`last("third_round") AS "s"`, `"in_fleet" = 1`, `"serial"`)+`)`)))
	b.add(single("Batteries replaced",
		"Battery replacements on the same hardware (the battery serial, else the design capacity, changed in one battery slot), summed over the fleet.",
		"short", sixth, nil,
		Query("A", TimeSeries, `SELECT sum("b") AS "batteries replaced" FROM (`+perSerial(`last("batteries_replaced") AS "b"`, "", `"serial"`)+`)`)))
	b.add(single("Mean rounds per device",
		"Mean number of rounds of the hardware in the fleet.",
		"short", sixth, nil,
		Query("A", TimeSeries, `SELECT mean("r") AS "rounds" FROM (`+perSerial(`last("rounds") AS "r"`, `"in_fleet" = 1`, `"serial"`)+`)`)))
	b.add(bars("Hardware by number of rounds",
		"Hardware in the fleet by how many rounds (installations or departments) it has been through.",
		"short", half,
		roundsBand("A", "1 round", `"r" = 1`),
		roundsBand("B", "2 rounds", `"r" = 2`),
		roundsBand("C", "3 rounds or more", `"r" >= 3`)))
	b.add(bars("Fleet by class",
		"Hardware in the fleet per device class (inventory class column, else guessed from the model).",
		"short", half,
		Query("A", TimeSeries, `SELECT count("r") AS "hardware" FROM (`+perSerial(`last("rounds") AS "r"`, `"in_fleet" = 1`, `"serial", "class"`)+`) GROUP BY "class"`).Alias("$tag_class")))

	b.row("Service life")
	b.add(single("Median service life of retired devices",
		"Median years from purchase (else first report) to retirement (inventory status sold for reuse or recycled, at its status date).",
		years, size{6, 8}, nil,
		Query("A", TimeSeries, `SELECT median("l") AS "years" FROM (`+perSerial(`last("service_life_years") AS "l"`, `"retired" = 1`, `"serial"`)+`)`)))
	b.add(bars("Service life by class",
		"Median service life of retired hardware per device class.",
		years, size{9, 8},
		Query("A", TimeSeries, `SELECT median("l") AS "years" FROM (`+perSerial(`last("service_life_years") AS "l"`, `"retired" = 1`, `"serial", "class"`)+`) GROUP BY "class"`).Alias("$tag_class")))
	b.add(distribution("Service life distribution",
		"Service life of each retired device, in years (1-year buckets).",
		years, size{9, 8}, 1,
		Query("A", Table, perSerial(`last("service_life_years") AS "service life"`, `"retired" = 1`, `"serial"`))))
	b.add(tabular("Service life by model",
		"Retired hardware per model: count and median service life (years), grouped in Grafana.",
		full,
		[]dashboard.DataTransformerConfig{groupByTransform(map[string]any{
			"model":        map[string]any{"operation": "groupby", "aggregations": []string{}},
			"service life": map[string]any{"operation": "aggregate", "aggregations": []string{"count", "median"}},
		})},
		Query("A", Table, perSerial(`last("service_life_years") AS "service life", last("model") AS "model"`, `"retired" = 1`, `"serial"`))))

	b.row("Procurement")
	certs := series("Certified purchases per purchase year",
		"procurement_yearly: share of each year's purchases (inventory purchase date) with Energy Star, TCO Certified and EPEAT, in per cent. Looks back 20 years whatever the dashboard range.",
		"percent", full, "", true,
		Query("A", TimeSeries, `SELECT "energy_star_pct" AS "Energy Star", "tco_certified_pct" AS "TCO Certified", "epeat_pct" AS "EPEAT" FROM "procurement_yearly" WHERE $timeFilter`))
	certs.TimeFrom("20y")
	b.add(certs)
	purchases := tabular("Purchases per year",
		"procurement_yearly: purchases and certified purchases per purchase year (20 years back).",
		full, nil,
		Query("A", Table, `SELECT "purchases", "energy_star" AS "Energy Star", "tco_certified" AS "TCO Certified", "epeat" AS "EPEAT" FROM "procurement_yearly" WHERE $timeFilter`))
	purchases.TimeFrom("20y")
	b.add(purchases)

	b.row("Another round or replacement")
	b.add(single("Past planned life, still healthy",
		"Hardware in the fleet older than the planned life (from purchase, else first report) whose batteries are all at 80 % health or more (or that has none): candidates for another round rather than replacement.",
		"short", size{6, 8}, nil,
		Query("A", TimeSeries, `SELECT count("c") AS "candidates" FROM (`+perSerial(`last("reuse_candidate") AS "c"`, `"reuse_candidate" = 1`, `"serial"`)+`)`)))
	b.add(tabular("Candidates for another round",
		"Hardware past its planned life with healthy batteries: model, age and battery health.",
		size{18, 8}, nil,
		Query("A", Table, perSerial(`last("model") AS "model", last("age_years") AS "age (years)", last("rounds") AS "rounds", last("battery_health_pct") AS "battery health %"`, `"reuse_candidate" = 1`, `"serial"`))))

	b.row("Inventory gap")
	b.add(single("Reporting, not in the inventory",
		"Hardware serials that report but have no inventory row.",
		"short", size{6, 9}, thresholds("green", 1.0, "orange"),
		Query("A", TimeSeries, `SELECT count("i") AS "serials" FROM (`+perSerial(`last("in_inventory") AS "i"`, `"in_inventory" = 0 AND "in_fleet" = 1`, `"serial"`)+`)`)))
	b.add(single("In the inventory, never reported",
		"Inventory items that are not retired and never reported (in storage, lost, or without an agent).",
		"short", size{6, 9}, thresholds("green", 1.0, "orange"),
		Query("A", TimeSeries, `SELECT count("r") AS "serials" FROM (`+perSerial(`last("reports") AS "r"`, `"reports" = 0 AND "retired" = 0`, `"serial"`)+`)`)))
	b.add(tabular("Inventory gap",
		"Both lists: serials that report without an inventory row (in inventory 0), and inventory items never reported (reports 0).",
		half, nil,
		Query("A", Table, perSerial(`last("model") AS "model", last("in_inventory") AS "in inventory", last("reports") AS "reports"`, `("in_inventory" = 0 AND "in_fleet" = 1) OR ("reports" = 0 AND "retired" = 0)`, `"serial"`))))
	return b.build()
}
