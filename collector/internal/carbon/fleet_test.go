package carbon_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// The hand-checked fleet. Four pieces of hardware, one per way of finding
// a footprint, with lives longer and shorter than their baselines:
//
//	EXACT-1  Dell Inc. "Latitude 7480": exact. Data set row: gwp_total 249,
//	         use 0.174, manufacturing 0.782, transport and end of life
//	         empty → embodied share 0.782 + (1 − 0.174 − 0.782) = 0.826,
//	         lifetime 4. Bought 2017-03-01, recycled 2023-03-01 (2191 days).
//	RULE-1   Hewlett-Packard "ProBook 445 G9": rule (no screen size) →
//	         "ProBook 445 14 inch G9 Notebook PC": gwp_total 185, use 0.16,
//	         manufacturing 0.77, transport 0.07, end of life 0.0 → share
//	         0.84, lifetime 4. Bought 2022-03-01, sold 2023-09-01 (549 days).
//	OVR-1    LENOVO "ThinkPad T14 Gen 2i": not in the data set, the override
//	         file maps it to "ThinkPad T490": gwp_total 421, use 0.10 only →
//	         share 0.90, lifetime 5. Bought 2021-03-01, in use and reporting
//	         at the as-of date 2024-01-01 (1036 days).
//	NONE-1   Acer "Veriton X2690G", a desktop: no Acer in the data set →
//	         the desktop class default. Bought 2015-01-01, recycled
//	         2023-01-01 (2922 days).
const (
	embodiedExact = 249 * 0.826
	embodiedRule  = 185 * 0.84
	embodiedOvr   = 421 * 0.90
	daysExact     = 2191.0
	daysRule      = 549.0
	daysOvr       = 1036.0
	daysNone      = 2922.0
	yearDays      = 365.2425
)

const overridesCSV = `# fleet model → data set product
manufacturer,model,product
LENOVO,ThinkPad T14 Gen 2i,ThinkPad T490
`

var asOf = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fleetRow describes one piece of hardware of the test fleet.
type fleetRow struct {
	serial, manufacturer, reported, invModel, class string
	bought, retired                                 string // retired "": in use
	status                                          lifecycle.Status
	firstSeen, lastSeen                             string
}

var handFleet = []fleetRow{
	{"EXACT-1", "Dell Inc.", "Latitude 7480", "Latitude 7480", "laptop", "2017-03-01", "2023-03-01", lifecycle.StatusRecycled, "2017-03-05", "2023-02-20"},
	{"RULE-1", "Hewlett-Packard", "ProBook 445 G9", "", "laptop", "2022-03-01", "2023-09-01", lifecycle.StatusSoldForReuse, "2022-03-03", "2023-08-25"},
	{"OVR-1", "LENOVO", "ThinkPad T14 Gen 2i", "ThinkPad T14 Gen 2i", "laptop", "2021-03-01", "", lifecycle.StatusInUse, "2021-03-04", "2023-12-20"},
	{"NONE-1", "Acer", "Veriton X2690G", "Veriton X2690G", "desktop", "2015-01-01", "2023-01-01", lifecycle.StatusRecycled, "2015-01-10", "2022-12-15"},
}

func handHardware() []*lifecycle.Hardware {
	var hw []*lifecycle.Hardware
	for _, r := range handFleet {
		h := &lifecycle.Hardware{Serial: r.serial, Manufacturer: r.manufacturer, Model: r.reported, FirstSeen: day(r.firstSeen), LastSeen: day(r.lastSeen),
			Inventory: &lifecycle.Item{Serial: r.serial, Manufacturer: r.manufacturer, Model: r.invModel, Class: r.class, Purchased: day(r.bought), Status: r.status}}
		if r.retired != "" {
			h.Inventory.StatusDate = day(r.retired)
		}
		hw = append(hw, h)
	}
	return hw
}

func dataset(t testing.TB) *carbon.Dataset {
	t.Helper()
	ds, err := carbon.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func handOptions(t testing.TB, fromManufacturer bool) carbon.Options {
	t.Helper()
	ds := dataset(t)
	ov, err := carbon.DecodeOverrides(strings.NewReader(overridesCSV), "overrides.csv", ds)
	if err != nil {
		t.Fatal(err)
	}
	return carbon.Options{BaselineYears: 5, BaselineFromManufacturer: fromManufacturer, Overrides: ov}
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %v, want %.4f (±%g)", what, got, want, tol)
	}
}

// expected2023 is the fleet's 2023, written out: time in service within
// 2023 (EXACT-1 59 days to 1 March, RULE-1 243 days to 1 September, OVR-1
// all 365, NONE-1 none: retired on 1 January), each device's embodied
// CO2e × its days in 2023 ÷ its days of service, and the avoided
// emissions of the three retired in 2023 against baselines of 4, 4 and 4
// years (manufacturer lifetimes; the desktop default's median lifetime).
func expected2023(noneEmbodied float64, baseExact, baseRule, baseNone float64) (deviceYears, embodied, avoided, longer, shorter float64) {
	deviceYears = (59 + 243 + 365) / yearDays
	embodied = embodiedExact*59/daysExact + embodiedRule*243/daysRule + embodiedOvr*365/daysOvr
	aExact := embodiedExact * (daysExact/yearDays/baseExact - 1) // kept 6 years: positive
	aRule := embodiedRule * (daysRule/yearDays/baseRule - 1)     // sold after 1.5 years: negative
	aNone := noneEmbodied * (daysNone/yearDays/baseNone - 1)     // 8 years: about one desktop not bought
	return deviceYears, embodied, aExact + aRule + aNone, aExact + aNone, -aRule
}

func TestHandCheckedFleet(t *testing.T) {
	ds := dataset(t)
	none := ds.Default("desktop")
	if none.EmbodiedKg <= 0 || none.LifetimeYears != 4 {
		t.Fatalf("desktop default %+v", none)
	}
	s := carbon.Compute(ds, handHardware(), 2022, 2023, handOptions(t, true), asOf)
	if s.Hardware != 4 || s.HardwareUndated != 0 || s.AsOf != "2023-12-31" {
		t.Fatalf("section: %d hardware, %d undated, as of %s", s.Hardware, s.HardwareUndated, s.AsOf)
	}
	for k, n := range map[carbon.Kind]int{carbon.KindExact: 1, carbon.KindRule: 1, carbon.KindOverride: 1, carbon.KindNone: 1} {
		if s.Matches[k] != n {
			t.Errorf("hardware matched %s: %d, want %d", k, s.Matches[k], n)
		}
	}
	if len(s.Years) != 2 || s.Years[0].Year != 2022 || s.Years[1].Year != 2023 {
		t.Fatalf("years %+v", s.Years)
	}

	// 2022: all four in service; RULE-1 from 1 March (306 days).
	y22 := s.Years[0]
	dy22 := (365*3 + 306) / yearDays
	emb22 := embodiedExact*365/daysExact + embodiedRule*306/daysRule + embodiedOvr*365/daysOvr + none.EmbodiedKg*365/daysNone
	if y22.Devices != 4 || y22.Retired != 0 || y22.AvoidedKg != 0 {
		t.Errorf("2022: %d devices, %d retired, avoided %v; want 4, 0, 0", y22.Devices, y22.Retired, y22.AvoidedKg)
	}
	near(t, "2022 device_years", y22.DeviceYears, dy22, 0.005)
	near(t, "2022 embodied_kg", y22.EmbodiedKg, emb22, 0.05)
	near(t, "2022 embodied_kg_per_device_year", *y22.EmbodiedKgPerDeviceYear, emb22/dy22, 0.05)

	// 2023.
	y23 := s.Years[1]
	dy, emb, avoided, longer, shorter := expected2023(none.EmbodiedKg, 4, 4, 4)
	if y23.Devices != 3 || y23.Retired != 3 {
		t.Errorf("2023: %d devices in service, %d retired; want 3 and 3", y23.Devices, y23.Retired)
	}
	near(t, "2023 device_years", y23.DeviceYears, dy, 0.005)
	near(t, "2023 embodied_kg", y23.EmbodiedKg, emb, 0.05)
	near(t, "2023 embodied_kg_per_device_year", *y23.EmbodiedKgPerDeviceYear, emb/dy, 0.05)
	near(t, "2023 avoided_kg", y23.AvoidedKg, avoided, 0.05)
	near(t, "2023 avoided_by_longer_lives_kg", y23.AvoidedByLongerLivesKg, longer, 0.05)
	near(t, "2023 extra_by_shorter_lives_kg", y23.ExtraByShorterLivesKg, shorter, 0.05)
	if shorter <= 0 || longer <= 0 {
		t.Fatalf("the fleet should have lives both longer and shorter than the baseline: %v %v", longer, shorter)
	}
	// The example: kept 8 years against a 4-year baseline, a
	// device avoided its own embodied emissions (one not bought).
	near(t, "NONE-1 avoided ≈ its embodied CO2e", none.EmbodiedKg*(daysNone/yearDays/4-1), none.EmbodiedKg, 0.1)

	// By class: the desktop retired on 1 January has no time in 2023.
	if len(y23.ByClass) != 2 || y23.ByClass[0].Class != "desktop" || y23.ByClass[1].Class != "laptop" {
		t.Fatalf("2023 by class %+v", y23.ByClass)
	}
	desk, lap := y23.ByClass[0], y23.ByClass[1]
	if desk.Devices != 0 || desk.Retired != 1 || desk.EmbodiedKgPerDeviceYear != nil {
		t.Errorf("2023 desktops %+v", desk)
	}
	near(t, "2023 desktop avoided_kg", desk.AvoidedKg, none.EmbodiedKg*(daysNone/yearDays/4-1), 0.05)
	near(t, "2023 laptop embodied_kg", lap.EmbodiedKg, emb, 0.05)
	near(t, "2023 laptop avoided_kg", lap.AvoidedKg, avoided-none.EmbodiedKg*(daysNone/yearDays/4-1), 0.05)

	// By model: each with its match and product.
	want := map[string]struct {
		match   carbon.Kind
		product string
		class   string
	}{
		"Latitude 7480":       {carbon.KindExact, "Latitude 7480", ""},
		"ProBook 445 G9":      {carbon.KindRule, "ProBook 445 14 inch G9 Notebook PC", ""},
		"ThinkPad T14 Gen 2i": {carbon.KindOverride, "ThinkPad T490", ""},
		"Veriton X2690G":      {carbon.KindNone, "", "desktop"},
	}
	if len(y23.ByModel) != 4 {
		t.Fatalf("2023 by model: %+v", y23.ByModel)
	}
	for _, m := range y23.ByModel {
		w, ok := want[m.Model]
		if !ok || m.Match != w.match {
			t.Errorf("model %q match %s, want %+v", m.Model, m.Match, w)
			continue
		}
		if (m.Product == nil) != (w.product == "") || (m.Product != nil && *m.Product != w.product) {
			t.Errorf("model %q product %v, want %q", m.Model, m.Product, w.product)
		}
		if (m.ClassDefault == nil) != (w.class == "") || (m.ClassDefault != nil && *m.ClassDefault != w.class) {
			t.Errorf("model %q class default %v, want %q", m.Model, m.ClassDefault, w.class)
		}
	}
	for _, m := range y23.ByModel {
		switch m.Model {
		case "Latitude 7480":
			near(t, "Latitude 7480 embodied per device", m.EmbodiedKgPerDevice, embodiedExact, 0.05)
			near(t, "Latitude 7480 avoided", m.AvoidedKg, embodiedExact*(daysExact/yearDays/4-1), 0.05)
		case "ProBook 445 G9":
			near(t, "ProBook 445 G9 avoided (negative: sold early)", m.AvoidedKg, embodiedRule*(daysRule/yearDays/4-1), 0.05)
			near(t, "ProBook 445 G9 extra", m.ExtraByShorterLivesKg, -embodiedRule*(daysRule/yearDays/4-1), 0.05)
		case "ThinkPad T14 Gen 2i":
			near(t, "T14 embodied in 2023", m.EmbodiedKg, embodiedOvr*365/daysOvr, 0.05)
			if m.Retired != 0 || m.AvoidedKg != 0 {
				t.Errorf("T14 in use: retired %d, avoided %v", m.Retired, m.AvoidedKg)
			}
		}
	}

	// The JSON names the report needs.
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"embodied_kg_per_device_year":`, `"avoided_kg":`, `"by_class":`, `"by_model":`, `"commit":"61323eb5c3bb63b0703e7a9c6456482ccbaac3a6"`, `"travel":null`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("section JSON lacks %s", k)
		}
	}
}

// With baseline_from_manufacturer off, carbon.baseline_years (5) is every
// device's baseline: the longer life avoids less, the shorter causes more.
func TestFixedBaseline(t *testing.T) {
	ds := dataset(t)
	none := ds.Default("desktop")
	s := carbon.Compute(ds, handHardware(), 2023, 2023, handOptions(t, false), asOf)
	_, _, avoided, longer, shorter := expected2023(none.EmbodiedKg, 5, 5, 5)
	y := s.Years[0]
	near(t, "avoided_kg", y.AvoidedKg, avoided, 0.05)
	near(t, "avoided_by_longer_lives_kg", y.AvoidedByLongerLivesKg, longer, 0.05)
	near(t, "extra_by_shorter_lives_kg", y.ExtraByShorterLivesKg, shorter, 0.05)
	if s.Method.BaselineYears != 5 || s.Method.BaselineFromManufacturer {
		t.Errorf("method %+v", s.Method)
	}
}

func TestDevicesAndPoints(t *testing.T) {
	ds := dataset(t)
	opts := handOptions(t, true)
	devs, undated := carbon.Assess(handHardware(), carbon.NewMatcher(ds, opts.Overrides), opts, asOf)
	if len(devs) != 4 || undated != 0 {
		t.Fatalf("%d devices, %d undated", len(devs), undated)
	}
	by := map[string]carbon.Device{}
	for _, d := range devs {
		by[d.Serial] = d
	}
	ovr := by["OVR-1"]
	if ovr.Retired || !ovr.End.Equal(asOf) || ovr.BaselineYears != 5 {
		t.Errorf("OVR-1: retired %v, end %v, baseline %v; want in use to the as-of date, baseline 5 (T490's lifetime)", ovr.Retired, ovr.End, ovr.BaselineYears)
	}
	rate, ok := ovr.EmbodiedKgPerYear()
	if !ok {
		t.Fatal("OVR-1 has no rate")
	}
	near(t, "OVR-1 embodied kg per year of service", rate, embodiedOvr/(daysOvr/yearDays), 0.001)

	points := carbon.Points(ds, devs, asOf)
	hw, yearly := 0, map[string]int{}
	for _, p := range points {
		switch p.Measurement {
		case carbon.MeasurementHardware:
			hw++
			if !p.Time.Equal(carbon.HardwareEpoch) || p.Tags[carbon.TagSerial] == "" || len(p.Tags) != 1 {
				t.Errorf("hardware point %+v", p)
			}
			if p.Tags[carbon.TagSerial] == "RULE-1" {
				near(t, "RULE-1 avoided_kg field", p.Fields[carbon.FieldAvoidedKg].(float64), embodiedRule*(daysRule/yearDays/4-1), 0.05)
				if p.Fields[carbon.FieldMatch] != "rule" || p.Fields[carbon.FieldRetired] != int64(1) {
					t.Errorf("RULE-1 fields %v", p.Fields)
				}
			}
		case carbon.MeasurementYearly:
			yearly[p.Tags[carbon.TagGroupBy]]++
		}
	}
	// Years 2015 (NONE-1's first) to 2024 (the as-of year, no time in it
	// yet: no point) → 2015..2023 = 9 fleet points.
	if hw != 4 || yearly[carbon.GroupByFleet] != 9 {
		t.Errorf("%d hardware points, %d fleet-year points; want 4 and 9 (2015–2023)", hw, yearly[carbon.GroupByFleet])
	}
	for _, p := range points {
		if _, err := p.AppendLine(nil); err != nil {
			t.Errorf("point InfluxDB would refuse: %v", err)
		}
		if err := schema.Check(p.Measurement, p.Tags, p.Fields); err != nil {
			t.Error(err)
		}
	}
}

// Hardware that stopped reporting a year before the as-of date without a
// retirement counts until its last report and is not retired; hardware
// without any date is counted as undated.
func TestQuietAndUndatedHardware(t *testing.T) {
	ds := dataset(t)
	hw := []*lifecycle.Hardware{
		{Serial: "QUIET", Manufacturer: "Dell Inc.", Model: "Latitude 7480", FirstSeen: day("2019-01-01"), LastSeen: day("2022-06-01")},
		{Serial: "NODATE", Inventory: &lifecycle.Item{Serial: "NODATE", Model: "Latitude 7480"}},
	}
	devs, undated := carbon.Assess(hw, carbon.NewMatcher(ds, nil), carbon.Options{BaselineYears: 4}, asOf)
	if undated != 1 || len(devs) != 1 {
		t.Fatalf("%d devices, %d undated", len(devs), undated)
	}
	d := devs[0]
	if !d.Quiet || d.Retired || !d.End.Equal(day("2022-06-01")) || d.StartFromPurchase || d.BaselineYears != 4 {
		t.Errorf("quiet device %+v", d)
	}
}

// Windows reports a Lenovo's machine type-model; the matcher names it
// through the inventory of other hardware of the same machine type, or
// through an override keyed by the machine type.
func TestLenovoMachineTypes(t *testing.T) {
	ds := dataset(t)
	hw := []*lifecycle.Hardware{
		{Serial: "A", Manufacturer: "LENOVO", Model: "20HR0021MX", FirstSeen: day("2018-01-01"), LastSeen: day("2023-12-01"),
			Inventory: &lifecycle.Item{Serial: "A", Model: "ThinkPad X1 Carbon 5th", Purchased: day("2018-01-01")}},
		{Serial: "B", Manufacturer: "LENOVO", Model: "20HR0035MX", FirstSeen: day("2018-02-01"), LastSeen: day("2023-12-01")},
		{Serial: "C", Manufacturer: "LENOVO", Model: "20W0003AMX", FirstSeen: day("2021-05-01"), LastSeen: day("2023-12-01")},
		{Serial: "D", Manufacturer: "LENOVO", Model: "20QV0007MX", FirstSeen: day("2021-05-01"), LastSeen: day("2023-12-01")},
	}
	ov, err := carbon.DecodeOverrides(strings.NewReader("manufacturer,model,product\nLenovo,20W0,ThinkPad T490\n"), "o.csv", ds)
	if err != nil {
		t.Fatal(err)
	}
	rows := carbon.FleetModels(ds, hw, carbon.Options{BaselineYears: 4, Overrides: ov})
	got := map[string]carbon.ModelRow{}
	for _, r := range rows {
		got[r.Model] = r
	}
	if r := got["20HR0035MX"]; r.Match != carbon.KindRule || r.Product == nil || *r.Product != "ThinkPad X1 Carbon 5th Gen" || !strings.Contains(r.Rule, "20HR") {
		t.Errorf("machine type learned from the inventory: %+v", r)
	}
	if r := got["20W0003AMX"]; r.Match != carbon.KindOverride || r.Product == nil || *r.Product != "ThinkPad T490" {
		t.Errorf("machine type override: %+v", r)
	}
	if r := got["20QV0007MX"]; r.Match != carbon.KindNone || r.ClassDefault == nil || !strings.Contains(r.Rule, "20QV") {
		t.Errorf("unknown machine type: %+v", r)
	}
}
