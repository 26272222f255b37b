package config

import (
	"strings"
	"testing"
)

func TestCarbonDefaultsAreValid(t *testing.T) {
	c := Defaults().Carbon
	opts, err := c.Options()
	if err != nil {
		t.Fatal(err)
	}
	if opts.BaselineYears != 4 || !opts.BaselineFromManufacturer || opts.Travel != nil || opts.Overrides != nil {
		t.Errorf("default carbon options %+v: baseline 4 years from the manufacturer, no travel estimate, no overrides", opts)
	}
}

func TestCarbonFromYAML(t *testing.T) {
	path := write(t, `carbon:
  baseline_years: 5
  baseline_from_manufacturer: false
  overrides_file: ../carbon/testdata/overrides.csv
  travel:
    share_of_meetings_replacing_a_trip: {value: 0.1, source: "staff survey"}
    km_per_trip: {value: 40, source: "travel policy"}
    kg_co2e_per_km: {value: 0.12, source: "emission factors"}
`)
	cfg, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cfg.Carbon.Options()
	if err != nil {
		t.Fatal(err)
	}
	if opts.BaselineYears != 5 || opts.BaselineFromManufacturer || opts.Overrides == nil || len(opts.Overrides.Rows) != 5 ||
		opts.Travel == nil || opts.Travel.KmPerTrip.Value != 40 || opts.Travel.KmPerTrip.Source != "travel policy" {
		t.Errorf("options %+v", opts)
	}
}

// Validate lists every carbon problem: the baseline, each bad override row
// with file and line, and each travel factor without value or source.
func TestCarbonValidateListsEveryProblem(t *testing.T) {
	path := write(t, `carbon:
  baseline_years: 0
  overrides_file: ../carbon/testdata/overrides-bad.csv
  travel:
    share_of_meetings_replacing_a_trip: {value: 1.5, source: "guess"}
    km_per_trip: {source: "travel policy"}
    kg_co2e_per_km: {value: 0.12}
`)
	cfg, err := Load(path, env(map[string]string{"KRETSLOPP_INFLUX_URL": "http://127.0.0.1:8086", "KRETSLOPP_INFLUX_BUCKET": "k/autogen"}))
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{
		"carbon.baseline_years 0 is outside 0.5..30",
		`carbon.overrides_file: ../carbon/testdata/overrides-bad.csv:2:3: column "product"`,
		"overrides-bad.csv: 8 invalid rows",
		"carbon.travel.km_per_trip.value is not set",
		"carbon.travel.kg_co2e_per_km.source is empty",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
	cfg.Carbon.Travel.KmPerTrip.Value = new(float64)
	*cfg.Carbon.Travel.KmPerTrip.Value = 40
	cfg.Carbon.Travel.KgCO2ePerKm.Source = "emission factors"
	cfg.Carbon.OverridesFile, cfg.Carbon.BaselineYears = "", 4
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "share_of_meetings_replacing_a_trip.value 1.5") {
		t.Errorf("a share above 1: %v", err)
	}
}
