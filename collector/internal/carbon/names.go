package carbon

import "github.com/kretslopp/kretslopp/internal/schema"

// The InfluxDB names this package writes; internal/schema declares them
// (carbon.go there) and docs/schema.md is generated from it.
const (
	// MeasurementHardware holds one point per hardware serial (time
	// HardwareEpoch, so a recompute overwrites it).
	MeasurementHardware = schema.CarbonHardware
	// MeasurementYearly holds one point per calendar year (1 January) and
	// group: the fleet, each device class, each model.
	MeasurementYearly = schema.CarbonYearly

	TagSerial  = "serial"
	TagGroupBy = "group_by" // GroupByFleet, GroupByClass or GroupByModel
	TagGroup   = "group"    // GroupAll, a class or a model name

	GroupByFleet = "fleet"
	GroupByClass = "class"
	GroupByModel = "model"
	GroupAll     = "all"

	// carbon_hardware fields.
	FieldClass               = "class"
	FieldModel               = "model"
	FieldManufacturer        = "manufacturer"
	FieldProduct             = "product"
	FieldProductManufacturer = "product_manufacturer"
	FieldMatch               = "match"
	FieldClassDefault        = "class_default"
	FieldGWPTotalKg          = "gwp_total_kg"
	FieldEmbodiedShare       = "embodied_share"
	FieldEmbodiedKg          = "embodied_kg"
	FieldLifetimeYears       = "lifetime_years"
	FieldBaselineYears       = "baseline_years"
	FieldServiceLifeYears    = "service_life_years"
	FieldServiceStart        = "service_start"
	FieldServiceEnd          = "service_end"
	FieldRetired             = "retired"
	FieldEmbodiedKgPerYear   = "embodied_kg_per_year"
	FieldAvoidedKg           = "avoided_kg"

	// carbon_yearly fields (and FieldEmbodiedKg, FieldRetired,
	// FieldAvoidedKg, FieldProduct, FieldMatch, FieldManufacturer).
	FieldDevices                 = "devices"
	FieldDeviceYears             = "device_years"
	FieldEmbodiedKgPerDeviceYear = "embodied_kg_per_device_year"
	FieldAvoidedLongerKg         = "avoided_by_longer_lives_kg"
	FieldExtraShorterKg          = "extra_by_shorter_lives_kg"
	FieldDataset                 = "dataset"
	FieldEmbodiedKgPerDevice     = "embodied_kg_per_device" // model groups
)
