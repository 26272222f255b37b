package schema

// Carbon measurements: what `lifecycle --update` (and the in-serve refresh,
// and every inventory import) derives from the hardware lives and the
// shipped footprint data set (docs/carbon.md). One point per key, which
// every recompute overwrites.
const (
	CarbonHardware = "carbon_hardware"
	CarbonYearly   = "carbon_yearly"
)

func init() {
	figures := []Field{
		{"devices", Integer, "", "hardware in service at some time in the year"},
		{"device_years", Float, "years", "time in service within the year, summed"},
		{"embodied_kg", Float, "kg CO2e", "embodied CO2e attributed to the year: embodied × time in the year ÷ service life so far"},
		{"embodied_kg_per_device_year", Float, "kg CO2e", "embodied_kg ÷ device_years; absent without device-years (0 on a zeroed group)"},
		{"retired", Integer, "", "hardware retired in the year"},
		{"avoided_kg", Float, "kg CO2e", "retired in the year: Σ embodied × (service life ÷ baseline − 1); negative: net extra"},
		{"avoided_by_longer_lives_kg", Float, "kg CO2e", "the positive terms of avoided_kg"},
		{"extra_by_shorter_lives_kg", Float, "kg CO2e", "the negative terms of avoided_kg, as a positive number"},
		{"dataset", String, "", "commit of the footprint data set"},
	}
	register(
		Measurement{Name: CarbonHardware, Area: AreaLifecycle, Time: "`2000-01-01T00:00:00Z` (fixed: one point per serial, overwritten)",
			Doc: "derived: one serial's embodied CO2e over its service life", Tags: tags("serial"),
			Fields: []Field{
				{"class", String, "", "laptop, desktop, …"},
				{"model", String, "", "the fleet's model name the footprint was found with"},
				{"manufacturer", String, "", "the fleet's"},
				{"product", String, "", "the data set's product; empty when none"},
				{"product_manufacturer", String, "", "the data set's manufacturer; empty when none"},
				{"match", String, "", "exact, rule, override, none"},
				{"class_default", String, "", "class whose data set medians are used; empty otherwise"},
				{"dataset", String, "", "commit of the footprint data set"},
				{"gwp_total_kg", Float, "kg CO2e", "whole-life footprint of the product"},
				{"embodied_share", Float, "0–1", "manufacturing + transport + end-of-life share"},
				{"embodied_kg", Float, "kg CO2e", ""},
				{"lifetime_years", Float, "years", "the manufacturer's; 0 unknown"},
				{"baseline_years", Float, "years", ""},
				{"service_life_years", Float, "years", "so far"},
				{"embodied_kg_per_year", Float, "kg CO2e", "embodied ÷ service life; lives of 30 days or more"},
				{"avoided_kg", Float, "kg CO2e", "retired hardware: embodied × (service life ÷ baseline − 1); 0 otherwise"},
				{"service_start", Integer, "unix s", "purchase, else first report"},
				{"service_end", Integer, "unix s", "retirement, else the update (or the last report of quiet hardware)"},
				{"retired", Integer, "0/1", ""},
			}},
		Measurement{Name: CarbonYearly, Area: AreaLifecycle, Time: "1 January of the year",
			Doc:  "derived: a year's embodied and avoided CO2e of the fleet, a class or a model; dashboards use sum(embodied_kg) / sum(device_years)",
			Tags: tags("group_by", "group"),
			Fields: with(figures,
				Field{"manufacturer", String, "", "model groups"},
				Field{"class", String, "", "model groups"},
				Field{"match", String, "", "model groups: exact, rule, override, none"},
				Field{"product", String, "", "model groups; empty when none"},
				Field{"embodied_kg_per_device", Float, "kg CO2e", "model groups"},
			)},
	)
}
