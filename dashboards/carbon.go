package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Units of the carbon panels: Grafana has no unit for CO2e (its mass
// units scale kg to Mg), so they are custom suffixes.
const (
	kgCO2e              = "suffix:kg CO2e"
	kgCO2ePerDeviceYear = "suffix:kg CO2e/device-year"
	deviceYears         = "suffix:device-years"
)

// footprintDataset names the footprint data set the collector ships
// (collector/internal/carbon/data, docs/carbon.md); the panel test checks
// it against the dataset field of the carbon points it reads.
const footprintDataset = "Boavizta environmental footprint data, commit 61323eb5c3bb (manufacturers' product carbon footprints; orders of magnitude, see docs/carbon.md)"

// perDeviceYear is embodied CO2e per device-year as a ratio of sums, so
// that years and groups weigh by their device-years (never a mean of the
// stored ratios).
const perDeviceYear = `sum("embodied_kg") / sum("device_years")`

// carbonYearly selects from carbon_yearly's groups of one kind (fleet,
// class, model). Groups without hardware any more are stored as zeros
// (and 0/0 is 0 in InfluxQL): cond leaves them out.
func carbonYearly(fields, groupBy, cond, tail string) string {
	return fmt.Sprintf(`SELECT %s FROM "carbon_yearly" WHERE "group_by" = '%s' AND %s AND $timeFilter%s`, fields, groupBy, cond, tail)
}

// Conditions on carbon_yearly points.
const (
	inService  = `"device_years" > 0`
	anyRetired = `"retired" > 0`
	notZeroed  = `("devices" > 0 OR "retired" > 0)`
)

// carbonDesc ends every carbon panel's description with the data set and
// the assumptions the figure rests on.
func carbonDesc(what, assumption string) string {
	return what + " Footprints: " + footprintDataset + ". Assumed: " + assumption
}

const (
	spreadEvenly = "the product's footprint stands for every configuration of the model; embodied CO2e (manufacturing, transport, end of life; no use phase) is spread evenly over the service life so far, which runs to today for hardware still in service."
	baseline     = "the baseline life (the manufacturer's lifetime, else carbon.baseline_years) is what would otherwise have been done; avoided emissions count in the year the hardware leaves (sold for reuse or recycled)."
)

// Carbon is the dashboard of what longevity is worth in CO2e: embodied
// emissions per device-year by class and year, emissions avoided by lives
// longer than the baseline (and the extra of shorter ones), and the models
// behind them. It reads carbon_yearly, which `kretslopp-collector
// lifecycle --update` (and every inventory import) writes: one point per
// year (1 January) and group (fleet, class, model). Panels per year group
// by time(1d), so each point keeps its own bucket starting on 1 January
// (a $__interval of weeks would start buckets on other days).
func Carbon() (dashboard.Dashboard, error) {
	b := newBoard("kretslopp-carbon", "Kretslopp · Carbon",
		"What longevity is worth in kg CO2e: embodied emissions per device-year by device class and year, emissions avoided by service lives longer than the baseline and the extra caused by shorter ones, and the models behind them. Reads carbon_yearly (one point per year on 1 January, per fleet, class and model), written by kretslopp-collector lifecycle --update and every import --format inventory. Footprints: "+footprintDataset+". Method and assumptions: docs/carbon.md. The current year is not finished: its figures are the year so far.",
		"now-10y", "devices", "carbon")

	b.row("Embodied CO2e per device-year")
	b.add(single("Embodied CO2e per device-year",
		carbonDesc("Embodied CO2e attributed to the years whose 1 January is in the time range, divided by the device-years of service in them, whole fleet: sum(embodied_kg) ÷ sum(device_years) of carbon_yearly, a ratio of the sums.", spreadEvenly),
		kgCO2ePerDeviceYear, quarter, nil,
		Query("A", TimeSeries, carbonYearly(perDeviceYear+` AS "per device-year"`, "fleet", inService, ""))))
	b.add(single("Device-years of service",
		carbonDesc("Time in service within the years whose 1 January is in the time range, summed over the fleet (carbon_yearly.device_years).", "service runs from purchase (else the first report) to retirement (else today, or the last report of hardware quiet for a year)."),
		deviceYears, quarter, nil,
		Query("A", TimeSeries, carbonYearly(`sum("device_years") AS "device-years"`, "fleet", inService, ""))))
	b.add(single("Net CO2e avoided by longevity",
		carbonDesc("Hardware retired in the years of the time range: Σ embodied × (service life ÷ baseline − 1), lives longer than the baseline counted as avoided and shorter ones as extra (carbon_yearly.avoided_kg, fleet).", baseline),
		kgCO2e, quarter, thresholds("red", 0.0, "green"),
		Query("A", TimeSeries, carbonYearly(`sum("avoided_kg") AS "net avoided"`, "fleet", anyRetired, ""))))
	b.add(single("Hardware retired",
		carbonDesc("Hardware sold for reuse or recycled in the years of the time range (carbon_yearly.retired, fleet): the hardware the avoided figures are about.", "retirement is the inventory's status date."),
		"short", quarter, nil,
		Query("A", TimeSeries, carbonYearly(`sum("retired") AS "retired"`, "fleet", anyRetired, ""))))
	b.add(series("Embodied CO2e per device-year by class",
		carbonDesc("sum(embodied_kg) ÷ sum(device_years) per device class and year (carbon_yearly, group_by class; a bar on 1 January). It falls for past years while their hardware keeps serving: that is longevity being measured.", spreadEvenly+" Unmatched models take their class's median footprint."),
		kgCO2ePerDeviceYear, half, "", true,
		Query("A", TimeSeries, carbonYearly(perDeviceYear+` AS "per device-year"`, "class", inService, ` GROUP BY time(1d), "group" fill(none)`)).Alias("$tag_group")))
	b.add(series("Device-years by class",
		carbonDesc("Time in service per device class and year (carbon_yearly.device_years, group_by class): the use the embodied CO2e is spread over.", "service runs from purchase (else the first report) to retirement (else today)."),
		deviceYears, half, "", true,
		Query("A", TimeSeries, carbonYearly(`sum("device_years") AS "device-years"`, "class", inService, ` GROUP BY time(1d), "group" fill(none)`)).Alias("$tag_group")))

	b.row("Avoided by longevity")
	b.add(series("Avoided and extra CO2e per year",
		carbonDesc("Hardware retired in each year, whole fleet: avoided by lives longer than the baseline, extra caused by shorter ones (a positive number), and the net (avoided − extra). Years without retired hardware have no bars.", baseline),
		kgCO2e, half, "", true,
		Query("A", TimeSeries, carbonYearly(`sum("avoided_by_longer_lives_kg") AS "avoided by longer lives", sum("extra_by_shorter_lives_kg") AS "extra by shorter lives", sum("avoided_kg") AS "net avoided"`, "fleet", anyRetired, ` GROUP BY time(1d) fill(none)`))))
	b.add(series("Net CO2e avoided per year by class",
		carbonDesc("Net avoided CO2e (avoided − extra) of the hardware retired in each year, per device class (carbon_yearly.avoided_kg, group_by class).", baseline),
		kgCO2e, half, "", true,
		Query("A", TimeSeries, carbonYearly(`sum("avoided_kg") AS "net avoided"`, "class", anyRetired, ` GROUP BY time(1d), "group" fill(none)`)).Alias("$tag_group")))

	b.row("Models")
	b.add(tabular("Top models by embodied CO2e",
		carbonDesc("Per model over the years of the time range, largest embodied CO2e first: embodied CO2e attributed to those years, per device-year (a ratio of the sums), device-years, net avoided by the hardware retired, and how the model was matched to a footprint (exact, rule, override, none: the class median) with the product used.", spreadEvenly+" "+baseline),
		full,
		[]dashboard.DataTransformerConfig{{Id: "organize", Options: map[string]any{"excludeByName": map[string]any{"Time": true}}}},
		Query("A", Table, carbonYearly(`sum("embodied_kg") AS "embodied kg CO2e", `+perDeviceYear+` AS "kg CO2e per device-year", sum("device_years") AS "device-years", sum("avoided_kg") AS "net avoided kg CO2e", sum("retired") AS "retired", last("manufacturer") AS "manufacturer", last("class") AS "class", last("match") AS "match", last("product") AS "product"`, "model", notZeroed, ` GROUP BY "group"`))).
		Height(10).
		SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName("embodied kg CO2e").Desc(true)}).
		OverrideByName("group", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "model"}}))
	return b.build()
}
