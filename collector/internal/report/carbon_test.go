package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/collector/internal/report"
)

// fixtureCarbon is the carbon configuration of the report tests: the
// configuration's defaults (config carbon.*) and an override file that
// maps the fleet's ThinkPad T14 Gen 2i to the data set's ThinkPad T490
// (docs/carbon.md's example: the data set has no 2021 ThinkPads). The HP
// EliteBook 840 G3 of the inventory is not in the data set: it takes the
// laptop default. travel adds the travel factors.
func fixtureCarbon(t *testing.T, travel bool) carbon.Options {
	t.Helper()
	ds, err := carbon.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "overrides.csv")
	if err := os.WriteFile(file, []byte("manufacturer,model,product\nLENOVO,ThinkPad T14 Gen 2i,ThinkPad T490\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ov, err := carbon.LoadOverrides(file, ds)
	if err != nil {
		t.Fatal(err)
	}
	opts := carbon.Options{BaselineYears: carbon.DefaultBaselineYears, BaselineFromManufacturer: true, Overrides: ov}
	if travel {
		opts.Travel = testTravel()
	}
	return opts
}

// testTravel are travel factors for the tests; the sources are marked so
// that a test can look for them (they are test values, not real figures).
func testTravel() *carbon.Travel {
	return &carbon.Travel{
		ShareReplacingTrip: carbon.Factor{Value: 0.1, Source: "TEST-SOURCE-SHARE staff survey"},
		KmPerTrip:          carbon.Factor{Value: 40, Source: "TEST-SOURCE-KM travel policy"},
		KgCO2ePerKm:        carbon.Factor{Value: 0.12, Source: "TEST-SOURCE-KGKM emission factor table"},
	}
}

// travelMarks are strings that only a travel estimate prints.
var travelMarks = []string{"TEST-SOURCE-", "data-estimate", "estimated_kg_co2e", "trips_replaced",
	report.Swedish.T("tr.title"), report.English.T("tr.title"), report.Swedish.T("tr.label"), report.English.T("tr.label")}

func buildYearly(t *testing.T, db *influxtest.DB, from, to int, co2 carbon.Options) *report.Yearly {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	y, err := report.BuildYearly(ctx, db.Client(t), from, to, report.Options{PlannedLifeYears: 5, Now: func() time.Time { return reportNow }, Carbon: co2})
	if err != nil {
		t.Fatal(err)
	}
	return y
}

func buildPolicyWith(t *testing.T, db *influxtest.DB, from, to int, co2 carbon.Options) *report.Policy {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := report.BuildPolicy(ctx, db.Client(t), from, to, report.Options{PlannedLifeYears: 5, Now: func() time.Time { return reportNow }, Carbon: co2})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rendered is every output of both documents in both languages.
type rendered struct{ name, text string }

func renderAll(t *testing.T, y *report.Yearly, p *report.Policy) []rendered {
	t.Helper()
	var out []rendered
	add := func(name string, write func(*bytes.Buffer) error) {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, rendered{name, b.String()})
	}
	add("yearly json", func(b *bytes.Buffer) error { return report.WriteYearlyJSON(b, y) })
	add("yearly table", func(b *bytes.Buffer) error { return report.WriteYearlyTable(b, y) })
	add("policy json", func(b *bytes.Buffer) error { return report.WritePolicyJSON(b, p) })
	for _, l := range []report.Lang{report.Swedish, report.English} {
		add("yearly html "+string(l), func(b *bytes.Buffer) error { return report.WriteHTML(b, y, l) })
		add("yearly md "+string(l), func(b *bytes.Buffer) error { return report.WriteMarkdown(b, y, l) })
		add("policy html "+string(l), func(b *bytes.Buffer) error { return report.WritePolicyHTML(b, p, l) })
		add("policy md "+string(l), func(b *bytes.Buffer) error { return report.WritePolicyMarkdown(b, p, l) })
	}
	return out
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// carbonJSON is the report's carbon section as a machine reads it.
type carbonJSON struct {
	AsOf    string `json:"as_of"`
	Dataset struct {
		Name, Repository, Commit, License string
	} `json:"dataset"`
	Hardware int            `json:"hardware"`
	Matches  map[string]int `json:"hardware_by_match"`
	Years    []struct {
		Year                    int              `json:"year"`
		Devices                 int              `json:"devices"`
		EmbodiedKgPerDeviceYear *float64         `json:"embodied_kg_per_device_year"`
		Retired                 int              `json:"retired"`
		AvoidedKg               *float64         `json:"avoided_kg"`
		ByClass                 []map[string]any `json:"by_class"`
		ByModel                 []map[string]any `json:"by_model"`
	} `json:"years"`
	Travel json.RawMessage `json:"travel"`
}

// The yearly report's carbon section (JSON, HTML, Markdown) and the
// results document's CO2e under activity 4, from a real InfluxDB: the
// figures are carbon.Build's, equal those carbon.Update writes for the
// dashboards, and the avoided emissions of the two retired laptops equal
// the calculation written out here. Without carbon.travel no travel
// figure appears anywhere; with it, the estimate appears labelled, in a
// box of its own, and the measured figures do not change.
func TestCarbonSections(t *testing.T) {
	db := fixtureDB(t)
	ctx := context.Background()
	co2 := fixtureCarbon(t, false)
	y := buildYearly(t, db, 2019, 2021, co2)
	p := buildPolicyWith(t, db, 2019, 2021, co2)

	// The report's section is carbon.Build's, for the report and for the
	// results document.
	want, err := carbon.Build(ctx, db.Client(t), 2019, 2021, co2, reportNow)
	if err != nil {
		t.Fatal(err)
	}
	if got, w := marshal(t, y.Carbon), marshal(t, want); got != w {
		t.Errorf("yearly report's carbon section differs from carbon.Build's:\n got %s\nwant %s", got, w)
	}
	if got, w := marshal(t, p.Carbon), marshal(t, want); got != w {
		t.Errorf("results document's carbon section differs from carbon.Build's:\n got %s\nwant %s", got, w)
	}

	out := renderAll(t, y, p)
	var yj struct {
		Carbon *carbonJSON `json:"carbon"`
	}
	if err := json.Unmarshal([]byte(out[0].text), &yj); err != nil {
		t.Fatal(err)
	}
	c := yj.Carbon
	if c == nil {
		t.Fatalf("yearly JSON has no carbon section:\n%s", out[0].text)
	}
	// Six serials: PF000001–3 report (ThinkPad T14 Gen 2i: the override),
	// SPARE-001 (the same model, in storage), OLD-0001/2 (EliteBook 840 G3:
	// the laptop default).
	if c.AsOf != "2021-12-20" || c.Dataset.Commit != carbon.Boavizta.Commit || !strings.Contains(c.Dataset.License, "ODbL") || c.Hardware != 6 ||
		c.Matches["override"] != 4 || c.Matches["none"] != 2 || c.Matches["exact"] != 0 || c.Matches["rule"] != 0 || string(c.Travel) != "null" {
		t.Errorf("carbon section: as of %s, dataset %+v, hardware %d, matches %v, travel %s", c.AsOf, c.Dataset, c.Hardware, c.Matches, c.Travel)
	}
	ds, err := carbon.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	laptop := ds.Default("laptop") // embodied 244.2 kg, lifetime 4 years: the baseline
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	years := func(a, b string) float64 { return day(b).Sub(day(a)).Hours() / 24 / 365.2425 }
	// OLD-0001: bought 2014-05-01, recycled 2020-05-01 (6.0 years against
	// 4: avoided half a laptop); OLD-0002: 2016-09-01 to 2021-03-01.
	avoided := map[int]float64{
		2020: laptop.EmbodiedKg * (years("2014-05-01", "2020-05-01")/laptop.LifetimeYears - 1),
		2021: laptop.EmbodiedKg * (years("2016-09-01", "2021-03-01")/laptop.LifetimeYears - 1),
	}
	if laptop.LifetimeYears != 4 || math.Abs(avoided[2020]-122.2) > 0.1 || math.Abs(avoided[2021]-30.3) > 0.1 {
		t.Fatalf("laptop default %+v, avoided %v", laptop, avoided)
	}
	byYear := map[int]int{}
	for i, yr := range c.Years {
		byYear[yr.Year] = i
		if yr.EmbodiedKgPerDeviceYear == nil || len(yr.ByClass) == 0 || len(yr.ByModel) == 0 || yr.AvoidedKg == nil {
			t.Errorf("carbon year %d lacks figures: %+v", yr.Year, yr)
		}
		if w, ok := avoided[yr.Year]; ok && (yr.Retired != 1 || math.Abs(*yr.AvoidedKg-w) > 0.05) {
			t.Errorf("%d: %d retired, avoided %v kg, want 1 and %.2f", yr.Year, yr.Retired, *yr.AvoidedKg, w)
		}
	}
	if len(c.Years) != 3 {
		t.Errorf("carbon years %d, want 2019–2021", len(c.Years))
	}

	// The dashboards' carbon_yearly (carbon.Update, as of the same day)
	// has the report's 2021 figures.
	cl := db.Client(t)
	if _, err := carbon.Update(ctx, cl, cl, co2, reportNow); err != nil {
		t.Fatal(err)
	}
	series := db.Query(t, `SELECT "embodied_kg_per_device_year", "avoided_kg", "devices" FROM "carbon_yearly" WHERE "group_by" = 'fleet' AND time = '2021-01-01T00:00:00Z'`)
	if len(series) != 1 || len(series[0].Rows()) != 1 {
		t.Fatalf("carbon_yearly 2021: %+v", series)
	}
	row, y21 := series[0].Rows()[0], y.Carbon.Years[byYear[2021]]
	perDY, _ := row.Num("embodied_kg_per_device_year")
	av, _ := row.Num("avoided_kg")
	dev, _ := row.Num("devices")
	if perDY != *y21.EmbodiedKgPerDeviceYear || av != y21.AvoidedKg || int(dev) != y21.Devices {
		t.Errorf("carbon_yearly 2021: %v kg/device-year, %v avoided, %v devices; report: %v, %v, %d", perDY, av, dev, *y21.EmbodiedKgPerDeviceYear, y21.AvoidedKg, y21.Devices)
	}

	// Markdown: the section, its figures and the data set's citation.
	sv, en := report.Swedish, report.English
	fig := func(l report.Lang, v float64) string { return l.Number(v, 1) }
	y19, y20 := y.Carbon.Years[byYear[2019]], y.Carbon.Years[byYear[2020]]
	texts := map[string]string{}
	for _, r := range out {
		texts[r.name] = r.text
	}
	for name, wants := range map[string][]string{
		"yearly md sv": {
			"## " + sv.T("h.co2"),
			// 2019: nothing retired, so no avoided figures (not 0); 2020
			// and 2021: one laptop each, lives longer than the baseline.
			fmt.Sprintf("| 2019 | %d | %s | %s | %s | 0 | – | – | – |", y19.Devices, fig(sv, y19.DeviceYears), fig(sv, y19.EmbodiedKg), fig(sv, *y19.EmbodiedKgPerDeviceYear)),
			fmt.Sprintf("| 2020 | %d | %s | %s | %s | 1 | %s | 0,0 | %s |", y20.Devices, fig(sv, y20.DeviceYears), fig(sv, y20.EmbodiedKg), fig(sv, *y20.EmbodiedKgPerDeviceYear), fig(sv, y20.AvoidedByLongerLivesKg), fig(sv, y20.AvoidedKg)),
			fmt.Sprintf("| 2021 | %d | %s | %s | %s | 1 | %s | 0,0 | %s |", y21.Devices, fig(sv, y21.DeviceYears), fig(sv, y21.EmbodiedKg), fig(sv, *y21.EmbodiedKgPerDeviceYear), fig(sv, y21.AvoidedByLongerLivesKg), fig(sv, y21.AvoidedKg)),
			"| LENOVO ThinkPad T14 Gen 2i | överstyrd | Lenovo ThinkPad T490 |",
			"| HP EliteBook 840 G3 | ingen (standardvärde) | standardvärde för laptop |",
			"Klimatavtryck för 6 enheter hårdvara (serienummer): 0 med exakt produktnamn, 0 genom en matchningsregel, 4 genom analytikerns överstyrning och 2 med datortypens standardvärde",
			"Källa för klimatavtrycken: Boavizta environmental footprint data (github.com/Boavizta/environmental-footprint-data), commit 61323eb5c3bb av 2023-02-23, filen boavizta-data-us.csv, 1\u00a0226 produkter; licens ODbL 1.0 (database), DbCL 1.0 (contents).",
			"Källa (mätserie): `inventory.purchase_date, inventory.status_date, device_daily.last_seen × boavizta-data-us.csv (61323eb5c3bb)`",
		},
		"yearly md en": {
			"## " + en.T("h.co2"),
			fmt.Sprintf("| %s | %s |", fmt.Sprintf(en.T("co2.kpi_per_dy"), 2021), fig(en, *y21.EmbodiedKgPerDeviceYear)),
			"Footprints: Boavizta environmental footprint data (github.com/Boavizta/environmental-footprint-data), commit 61323eb5c3bb of 2023-02-23, file boavizta-data-us.csv, 1,226 products; licence ODbL 1.0 (database), DbCL 1.0 (contents).",
		},
		"policy md sv": {
			"### " + sv.T("p4.co2"),
			fmt.Sprintf("| %s | %s | %s | %s\u00a0kg | `inventory.purchase_date, inventory.status_date, device_daily.last_seen × boavizta-data-us.csv (61323eb5c3bb)` |", sv.T("p4.co2_per_dy"),
				fig(sv, *y21.EmbodiedKgPerDeviceYear), fig(sv, *y20.EmbodiedKgPerDeviceYear), signed(sv, *y21.EmbodiedKgPerDeviceYear-*y20.EmbodiedKgPerDeviceYear)),
			fmt.Sprintf("| %s | %s | %s | %s\u00a0kg |", sv.T("p4.co2_net"), fig(sv, y21.AvoidedKg), fig(sv, y20.AvoidedKg), signed(sv, y21.AvoidedKg-y20.AvoidedKg)),
			fmt.Sprintf("| %s | 0,0 | 0,0 | 0,0\u00a0kg |", sv.T("p4.co2_extra")),
			"#### CO2e per år (kg)",
			"Källa för klimatavtrycken: Boavizta environmental footprint data",
		},
		"policy md en": {"### " + en.T("p4.co2"), "Footprints: Boavizta environmental footprint data"},
	} {
		for _, w := range wants {
			if !strings.Contains(texts[name], w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}
	// The CO2e is part of activity 4, before activity 5.
	md := texts["policy md en"]
	if a4, c4, a5 := strings.Index(md, "## 4. "), strings.Index(md, "### "+en.T("p4.co2")), strings.Index(md, "## 5. "); a4 < 0 || c4 < a4 || a5 < c4 {
		t.Errorf("the CO2e is not within activity 4: %d %d %d", a4, c4, a5)
	}
	for _, r := range out {
		for _, m := range travelMarks {
			if strings.Contains(r.text, m) {
				t.Errorf("%s shows a travel figure without carbon.travel: %q", r.name, m)
			}
		}
	}
	if t.Failed() {
		t.Logf("yearly markdown (sv):\n%s", texts["yearly md sv"])
		t.Logf("policy markdown (sv):\n%s", texts["policy md sv"])
	}

	// With the travel factors: the estimate, labelled, with each factor;
	// the measured figures unchanged.
	co2t := co2
	co2t.Travel = testTravel()
	yt := buildYearly(t, db, 2019, 2021, co2t)
	pt := buildPolicyWith(t, db, 2019, 2021, co2t)
	te := yt.Carbon.Travel
	if te == nil || !te.Estimate || te.Note != carbon.TravelNote || marshal(t, pt.Carbon.Travel) != marshal(t, te) {
		t.Fatalf("travel estimate %+v", te)
	}
	measured := func(s *carbon.Section) string { c := *s; c.Travel = nil; return marshal(t, c) }
	if measured(yt.Carbon) != measured(y.Carbon) {
		t.Error("the travel factors changed the measured CO2e figures")
	}
	totals := map[int]int64{}
	for _, r := range yt.TotalsByYear {
		totals[r.Year] = r.Meetings
	}
	if len(te.Years) != 3 {
		t.Errorf("travel years %+v, want 2019–2021", te.Years)
	}
	for _, ty := range te.Years {
		if w := float64(totals[ty.Year]) * 0.1 * 40 * 0.12; ty.Meetings != totals[ty.Year] || math.Abs(ty.EstimatedKgCO2e-w) > 0.05 {
			t.Errorf("travel %d: %d meetings, %v kg; want %d meetings, %.1f kg (meetings × 0.1 × 40 km × 0.12 kg/km)", ty.Year, ty.Meetings, ty.EstimatedKgCO2e, totals[ty.Year], w)
		}
	}
	t21 := te.Years[len(te.Years)-1]
	for _, r := range renderAll(t, yt, pt) {
		var wants []string
		switch {
		case strings.HasSuffix(r.name, "json"):
			wants = []string{`"estimate": true`, `"note": "` + carbon.TravelNote + `"`, `"source": "TEST-SOURCE-KM travel policy"`, `"unit": "kg CO2e/km"`, `"estimated_kg_co2e"`}
		case r.name == "yearly table":
			wants = []string{"Travel ESTIMATE (not measured)", "2021: estimated kg CO2e", en.Number(t21.EstimatedKgCO2e, 1)}
		default:
			l := report.Lang(r.name[len(r.name)-2:])
			wants = []string{l.T("tr.title"), l.T("tr.label"), "TEST-SOURCE-SHARE staff survey", "TEST-SOURCE-KM travel policy", "TEST-SOURCE-KGKM emission factor table",
				l.T("tr.share"), l.T("tr.unit.share"), l.Number(0.12, 2), l.T("tr.unit.kgkm"), l.Number(t21.EstimatedKgCO2e, 1)}
			if strings.Contains(r.name, "md") {
				wants = append(wants, "**"+l.T("tr.label")+"**", fmt.Sprintf("| %s | %s | %s | TEST-SOURCE-KM travel policy |", l.T("tr.km"), "40", l.T("tr.unit.km")))
			}
		}
		for _, w := range wants {
			if !strings.Contains(r.text, w) {
				t.Errorf("%s with travel factors lacks %q", r.name, w)
			}
		}
	}
}

func signed(l report.Lang, v float64) string {
	s := l.Number(math.Round(v*10)/10, 1)
	if v > 0.05 {
		s = "+" + s
	}
	return s
}

// A database without hardware: the CO2e says so, in the yearly report and
// under activity 4, instead of printing 0.
func TestCarbonWithoutData(t *testing.T) {
	db := influxtest.NewDatabase(t)
	co2 := fixtureCarbon(t, false)
	y := buildYearly(t, db, 2020, 2021, co2)
	p := buildPolicyWith(t, db, 2020, 2021, co2)
	if y.Carbon == nil || len(y.Carbon.Years) != 0 || y.Carbon.Hardware != 0 || y.Carbon.Travel != nil {
		t.Errorf("carbon of an empty database %+v", y.Carbon)
	}
	for _, r := range renderAll(t, y, p) {
		if strings.Contains(r.name, "html") || strings.Contains(r.name, "md") {
			l := report.Lang(r.name[len(r.name)-2:])
			if !strings.Contains(r.text, l.T("co2.nodata")) {
				t.Errorf("%s does not say that there are no CO2e figures", r.name)
			}
			if strings.Contains(r.text, l.T("co2.by_year")) || strings.Contains(r.text, l.T("p4.co2_per_dy")) {
				t.Errorf("%s prints CO2e figures without data", r.name)
			}
		}
	}
}

// rawTag is an HTML tag in Markdown that no backslash escapes.
var rawTag = regexp.MustCompile(`(^|[^\\])<img`)

// Names from data (an inventory's model) are text in every output:
// escaped in HTML, and in Markdown neither markup nor a table's end.
func TestCarbonEscapesModelNames(t *testing.T) {
	db := influxtest.NewDatabase(t)
	writeInventoryCSV(t, db, "serial,manufacturer,model,class,purchase date,status,status date\n"+
		`EVIL-1,Acme,"<img src=x onerror=alert(1)> *Pro* | [x](javascript:1) _a_",laptop,2019-01-01,recycled,2021-06-01`+"\n")
	co2 := fixtureCarbon(t, false)
	y := buildYearly(t, db, 2020, 2021, co2)
	p := buildPolicyWith(t, db, 2020, 2021, co2)
	for _, r := range renderAll(t, y, p) {
		switch {
		case strings.Contains(r.name, "html"):
			if strings.Contains(r.text, "<img") || !strings.Contains(r.text, "&lt;img src=x onerror=alert(1)&gt; *Pro* | [x](javascript:1) _a_") {
				t.Errorf("%s: the model name is not escaped", r.name)
			}
		case strings.Contains(r.name, "md"):
			if loc := rawTag.FindStringIndex(r.text); loc != nil {
				t.Errorf("%s: the model name is not escaped: %s", r.name, r.text[max(0, loc[0]-200):loc[1]+50])
			}
			if !strings.Contains(r.text, `Acme &lt;img src=x onerror=alert(1)&gt; \*Pro\* \| \[x\](javascript:1) \_a\_ |`) {
				t.Errorf("%s: the model name is not in the models' table:\n%s", r.name, r.text)
			}
		}
	}
}

// writeInventoryCSV imports an inventory with the real reader.
func writeInventoryCSV(t *testing.T, db *influxtest.DB, csv string) {
	t.Helper()
	res, err := lifecycle.DecodeInventory(context.Background(), strings.NewReader(csv), lifecycle.InventoryOptions{File: "inventory.csv", Now: func() time.Time { return reportNow }})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if err := db.Client(t).Write(context.Background(), lifecycle.Points(res.Items)); err != nil {
		t.Fatal(err)
	}
}
