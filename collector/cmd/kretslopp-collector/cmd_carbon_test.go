package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

const carbonTestdata = "../../internal/carbon/testdata"

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// carbonReports posts one report per serial through a real collector: the
// models the agents send (HP's DMI name without a screen size, the Lenovo's
// product_version, an Acer desktop).
func carbonReports(t *testing.T, db *influxtest.DB) {
	t.Helper()
	c := testkit.StartCollector(t, db.DB, testkit.CollectorOptions{})
	var rms []*metricpb.ResourceMetrics
	for i, d := range []struct{ serial, mfr, model, seen string }{
		{"EXACT-1", "Dell Inc.", "Latitude 7480", "2023-02-20"},
		{"RULE-1", "Hewlett-Packard", "ProBook 445 G9", "2023-08-25"},
		{"OVR-1", "LENOVO", "ThinkPad T14 Gen 2i", time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)},
		{"NONE-1", "Acer", "Veriton X2690G", "2022-12-15"},
	} {
		dev := agentsim.Laptop(200 + i)
		dev.ID, dev.Serial, dev.Manufacturer, dev.Model = "device-"+d.serial, d.serial, d.mfr, d.model
		ts, _ := time.Parse(time.DateOnly, d.seen)
		ts = ts.Add(12 * time.Hour)
		dev.BootTime, dev.UptimeS = ts.Add(-time.Hour).Unix(), 3600
		rms = append(rms, dev.ResourceMetrics(ts))
	}
	resp := agentsim.Post(t, c.URL, testkit.AgentToken, agentsim.Request(rms...), false)
	if ps := resp.GetPartialSuccess(); ps.GetRejectedDataPoints() != 0 {
		t.Fatalf("collector rejected reports: %v", ps)
	}
}

// The carbon figures through the real binary: a bad override file stops
// it with FILE:LINE:COLUMN; the inventory import and lifecycle --update
// write the carbon measurements (one point per key, overwritten); carbon
// models --json lists every model with product, match and gwp_total_kg.
func TestCarbonCLI(t *testing.T) {
	db := influxtest.NewDatabase(t)
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", "carbon:\n  overrides_file: "+carbonTestdata+"/overrides-bad.csv\n")
	overrides := writeFile(t, dir, "overrides.csv", "manufacturer,model,product\nLENOVO,ThinkPad T14 Gen 2i,ThinkPad T490\n")
	good := writeFile(t, dir, "good.yaml", "carbon:\n  baseline_years: 5\n  overrides_file: "+overrides+"\n")

	for _, args := range [][]string{{"config", "check", "--config", bad}, {"lifecycle", "--update", "--config", bad}, {"carbon", "models", "--config", bad}} {
		r := runCLI(t, db, args...)
		if r.code != 1 || !strings.Contains(r.stderr, carbonTestdata+`/overrides-bad.csv:2:3: column "product": value "No Such Product"`) {
			t.Errorf("%v with a bad override file: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	if n := countInventory(t, db, `SELECT count("match") FROM "carbon_hardware" WHERE time >= '2000-01-01T00:00:00Z'`); n != 0 {
		t.Fatalf("%v carbon points written with a bad override file", n)
	}

	carbonReports(t, db)
	inv := writeFile(t, dir, "inventory.csv", `serial,manufacturer,model,class,purchase date,status,status date
EXACT-1,Dell Inc.,Latitude 7480,laptop,2017-03-01,recycled,2023-03-01
RULE-1,Hewlett-Packard,,laptop,2022-03-01,sold for reuse,2023-09-01
OVR-1,LENOVO,ThinkPad T14 Gen 2i,laptop,2021-03-01,in use,
NONE-1,Acer,Veriton X2690G,desktop,2015-01-01,recycled,2023-01-01
`)
	r := runCLI(t, db, "import", "--format", "inventory", "--config", good, inv)
	if r.code != 0 || !strings.Contains(r.stdout, "carbon_hardware/carbon_yearly points") {
		t.Fatalf("import: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for i := 0; i < 2; i++ {
		r = runCLI(t, db, "lifecycle", "--update", "--config", good)
		if r.code != 0 || !strings.Contains(r.stdout, "carbon_hardware/carbon_yearly points") {
			t.Fatalf("lifecycle --update: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
	if n := countInventory(t, db, `SELECT count("match") FROM "carbon_hardware" WHERE time >= '2000-01-01T00:00:00Z'`); n != 4 {
		t.Errorf("%v carbon_hardware points after three updates, want 4 (one per serial)", n)
	}
	// EXACT-1 (Latitude 7480: 249 kg × 0.826 embodied, lifetime 4) was
	// recycled after 2191 days: avoided = embodied × (2191/365.2425/4 − 1).
	avoided := countInventory(t, db, `SELECT "avoided_kg" FROM "carbon_hardware" WHERE "serial" = 'EXACT-1' AND time >= '2000-01-01T00:00:00Z'`)
	if want := 249 * 0.826 * (2191/365.2425/4 - 1); math.Abs(avoided-want) > 0.05 {
		t.Errorf("EXACT-1 avoided_kg %v, want %.2f", avoided, want)
	}
	if n := countInventory(t, db, `SELECT "retired" FROM "carbon_yearly" WHERE "group_by" = 'fleet' AND time = '2023-01-01T00:00:00Z'`); n != 3 {
		t.Errorf("fleet 2023 retired %v, want 3", n)
	}

	r = runCLI(t, db, "carbon", "models", "--json", "--config", good)
	if r.code != 0 {
		t.Fatalf("carbon models --json: exit %d\n%s", r.code, r.stderr)
	}
	var rows []struct {
		Manufacturer string   `json:"manufacturer"`
		Model        string   `json:"model"`
		SeenIn       []string `json:"seen_in"`
		Match        string   `json:"match"`
		Product      *string  `json:"product"`
		ClassDefault *string  `json:"class_default"`
		GWPTotalKg   float64  `json:"gwp_total_kg"`
		EmbodiedKg   float64  `json:"embodied_kg"`
		Baseline     float64  `json:"baseline_years"`
		Source       string   `json:"source"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	ds, err := carbon.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		match, product string
		gwp, baseline  float64
	}{
		// baselines: the manufacturer's lifetime (the class median for the
		// default); carbon.baseline_years 5 only where there is none
		"Latitude 7480":       {"exact", "Latitude 7480", 249, 4},
		"ProBook 445 G9":      {"rule", "ProBook 445 14 inch G9 Notebook PC", 185, 4},
		"ThinkPad T14 Gen 2i": {"override", "ThinkPad T490", 421, 5},
		"Veriton X2690G":      {"none", "", ds.Default("desktop").GWPTotalKg, 4},
	}
	if len(rows) != 4 {
		t.Fatalf("%d models, want 4:\n%s", len(rows), r.stdout)
	}
	for _, m := range rows {
		w, ok := want[m.Model]
		if !ok || m.Match != w.match || m.GWPTotalKg != w.gwp || m.Baseline != w.baseline || (m.Product == nil) != (w.product == "") || (m.Product != nil && *m.Product != w.product) {
			t.Errorf("model %+v, want %+v", m, w)
		}
		if w.match == "none" && (m.ClassDefault == nil || *m.ClassDefault != "desktop" || !strings.Contains(m.Source, "median of")) {
			t.Errorf("unmatched model without its class default: %+v", m)
		}
		if !strings.Contains(m.Source, "github.com/Boavizta/environmental-footprint-data, commit 61323eb5c3bb") {
			t.Errorf("source %q does not cite the data set and its commit", m.Source)
		}
		if w.match != "none" && !strings.Contains(m.Source, "boavizta-data-us.csv line") {
			t.Errorf("source %q does not cite the data set row", m.Source)
		}
	}

	r = runCLI(t, db, "carbon", "models", "--config", good)
	if r.code != 0 || !strings.Contains(r.stdout, "commit 61323eb5c3bb") || !strings.Contains(r.stdout, "class default: desktop") {
		t.Errorf("carbon models table: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	reportCarbon(t, db, dir, good)
}

// reportCarbon: the report reads the configuration's carbon settings (the
// baseline, the override file, the travel factors); a travel factor
// without its source stops it; the travel estimate appears only when the
// factors are set, labelled as an estimate.
func reportCarbon(t *testing.T, db *influxtest.DB, dir, good string) {
	t.Helper()
	r := runCLI(t, db, "report", "--from", "2022", "--to", "2023", "--format", "json", "--config", good)
	if r.code != 0 {
		t.Fatalf("report --format json: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		Carbon *struct {
			Dataset struct {
				Commit string `json:"commit"`
			} `json:"dataset"`
			Method struct {
				BaselineYears float64 `json:"baseline_years"`
				Overrides     string  `json:"overrides_file"`
			} `json:"method"`
			Matches map[string]int `json:"hardware_by_match"`
			Years   []struct {
				Year      int      `json:"year"`
				PerDY     *float64 `json:"embodied_kg_per_device_year"`
				Retired   int      `json:"retired"`
				AvoidedKg float64  `json:"avoided_kg"`
			} `json:"years"`
			Travel json.RawMessage `json:"travel"`
		} `json:"carbon"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	c := rep.Carbon
	if c == nil || c.Dataset.Commit != carbon.Boavizta.Commit || c.Method.BaselineYears != 5 || !strings.HasSuffix(c.Method.Overrides, "overrides.csv") ||
		c.Matches["exact"] != 1 || c.Matches["rule"] != 1 || c.Matches["override"] != 1 || c.Matches["none"] != 1 ||
		len(c.Years) != 2 || c.Years[1].Year != 2023 || c.Years[1].Retired != 3 || c.Years[1].PerDY == nil || string(c.Travel) != "null" {
		t.Fatalf("report's carbon section: %s", r.stdout)
	}
	r = runCLI(t, db, "report", "--from", "2022", "--to", "2023", "--format", "md", "--lang", "en", "--config", good)
	if r.code != 0 || !strings.Contains(r.stdout, "## Embodied emissions (CO2e) over our computers' service lives") || strings.Contains(r.stdout, "Travel that video meetings") {
		t.Errorf("report --format md: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	factors := "carbon:\n  travel:\n" +
		"    share_of_meetings_replacing_a_trip: {value: 0.1, source: \"TEST staff survey\"}\n" +
		"    km_per_trip: {value: 40, source: \"TEST travel policy\"}\n" +
		"    kg_co2e_per_km: {value: 0.12%s}\n"
	bad := writeFile(t, dir, "travel-bad.yaml", fmt.Sprintf(factors, ""))
	r = runCLI(t, db, "report", "--from", "2022", "--to", "2023", "--format", "json", "--config", bad)
	if r.code != 1 || !strings.Contains(r.stderr, "carbon.travel.kg_co2e_per_km.source is empty: every factor needs its source") {
		t.Errorf("report with a travel factor without a source: exit %d\n%s", r.code, r.stderr)
	}
	travel := writeFile(t, dir, "travel.yaml", fmt.Sprintf(factors, `, source: "TEST emission factor table"`))
	r = runCLI(t, db, "report", "--template", "policy", "--from", "2022", "--to", "2023", "--format", "md", "--lang", "en", "--config", travel)
	for _, w := range []string{"### Travel that video meetings may have replaced – an estimate", "**ESTIMATE, not measured.**", "| Emissions per km | 0.12 | kg CO2e/km | TEST emission factor table |"} {
		if r.code != 0 || !strings.Contains(r.stdout, w) {
			t.Errorf("results document with travel factors: exit %d, lacks %q\n%s\n%s", r.code, w, r.stdout, r.stderr)
		}
	}
}
