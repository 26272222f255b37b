package schema

// Lifecycle measurements: the inventory import and what `lifecycle
// --update` derives from it and from the device reports. The hardware
// serial is a hardware identifier, not personal data; it is a tag here
// because there is one point per serial.
const (
	Inventory         = "inventory"
	InventoryStatus   = "inventory_status"
	Hardware          = "hardware"
	ProcurementYearly = "procurement_yearly"
)

func init() {
	flag := func(name, doc string) Field { return Field{name, Integer, "0/1", doc} }
	register(
		Measurement{Name: Inventory, Area: AreaLifecycle, Time: "`2000-01-01T00:00:00Z` (fixed, so a re-import overwrites)",
			Doc: "one point per serial of the asset/procurement export", Tags: tags("serial"),
			Fields: []Field{
				{"manufacturer", String, "", ""},
				{"model", String, "", ""},
				{"class", String, "", "laptop, desktop, …"},
				{"purchase_date", String, "YYYY-MM-DD", ""},
				{"purchase_time", Integer, "unix s", ""},
				{"price", Float, "", ""},
				flag("energy_star", "absent when unknown"),
				flag("tco_certified", "absent when unknown"),
				flag("epeat", "absent when unknown"),
				{"tco_generation", String, "", ""},
				{"epeat_tier", String, "", ""},
				{"status", String, "", "in_use, in_storage, reused, sold_for_reuse, recycled"},
				{"status_date", String, "YYYY-MM-DD", ""},
				{"status_time", Integer, "unix s", ""},
				{"source", String, "", "`inventory`"},
			}},
		Measurement{Name: InventoryStatus, Area: AreaLifecycle, Time: "the status date", Doc: "a serial's status history",
			Tags: tags("serial"), Fields: []Field{{"status", String, "", "in_use, in_storage, reused, sold_for_reuse, recycled"}}},
		Measurement{Name: Hardware, Area: AreaLifecycle, Time: "00:00 UTC of the day of the update", Doc: "derived: one point per serial",
			Tags: tags("serial", "class"),
			Fields: []Field{
				{"rounds", Integer, "", "installations (reuse rounds)"},
				{"device_ids", Integer, "", ""},
				{"batteries_replaced", Integer, "", ""},
				{"first_seen", Integer, "unix s", ""},
				{"last_seen", Integer, "unix s", ""},
				flag("in_inventory", ""),
				flag("reports", "has reported at least once"),
				flag("retired", ""),
				flag("in_fleet", "reported in the last year and not retired"),
				flag("second_round", ""),
				flag("third_round", "third round or later"),
				flag("past_planned_life", ""),
				flag("reuse_candidate", "past planned life with a healthy battery"),
				{"service_life_years", Float, "years", "retired hardware"},
				{"age_years", Float, "years", "hardware not retired"},
				{"battery_health_pct", Float, "%", ""},
				{"model", String, "", ""},
				{"manufacturer", String, "", ""},
				{"status", String, "", "the inventory's"},
			}},
		Measurement{Name: ProcurementYearly, Area: AreaLifecycle, Time: "1 January of the purchase year", Doc: "derived: purchases and their certifications",
			Fields: []Field{
				{"purchases", Integer, "", ""},
				{"energy_star", Integer, "", ""},
				{"tco_certified", Integer, "", ""},
				{"epeat", Integer, "", ""},
				{"energy_star_pct", Float, "%", ""},
				{"tco_certified_pct", Float, "%", ""},
				{"epeat_pct", Float, "%", ""},
			}},
	)
}
