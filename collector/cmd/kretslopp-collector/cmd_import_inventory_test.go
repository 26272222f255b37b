package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
)

const inventoryData = "../../internal/lifecycle/testdata"

func countInventory(t *testing.T, db *influxtest.DB, q string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	series, err := db.Client(t).Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) == 0 || len(series[0].Values) == 0 {
		return 0
	}
	v, _ := series[0].Values[0][1].(float64)
	return v
}

// A bad inventory file names file, line and column and writes nothing; a
// good one imports idempotently, refreshes the derived measurements and
// shows in the report's longevity section.
func TestImportInventory(t *testing.T) {
	db := influxtest.NewDatabase(t)
	bad := inventoryData + "/inventory-bad.csv"
	r := runCLI(t, db, "import", "--format", "inventory", bad)
	if r.code != 1 || !strings.Contains(r.stderr, bad+`:4:4: column "energy star": value "maybe": expected yes or no`) ||
		!strings.Contains(r.stderr, "nothing from this file is written") {
		t.Fatalf("bad file: exit %d\n%s", r.code, r.stderr)
	}
	if n := countInventory(t, db, `SELECT count("source") FROM "inventory" WHERE time >= '2000-01-01T00:00:00Z'`); n != 0 {
		t.Fatalf("%v inventory points written from a bad file", n)
	}
	r = runCLI(t, db, "import", "--format", "inventory", "--dry-run", inventoryData+"/inventory.csv")
	if r.code != 0 || !strings.Contains(r.stdout, `inventory,serial=HW-A `) || !strings.Contains(r.stdout, "5 serials, 5 with a purchase date") {
		t.Fatalf("dry run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for i := 0; i < 2; i++ {
		r = runCLI(t, db, "import", "--format", "inventory", inventoryData+"/inventory.csv")
		if r.code != 0 || !strings.Contains(r.stdout, "updated") {
			t.Fatalf("import %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		}
	}
	if n := countInventory(t, db, `SELECT count("source") FROM "inventory" WHERE time >= '2000-01-01T00:00:00Z'`); n != 5 {
		t.Errorf("%v inventory points after two imports, want 5 (one per serial)", n)
	}
	if n := countInventory(t, db, `SELECT count("status") FROM "inventory_status" WHERE time >= '2000-01-01T00:00:00Z'`); n != 6 {
		t.Errorf("%v status points, want 6 (HW-C has two)", n)
	}
	if n := countInventory(t, db, `SELECT count("purchases") FROM "procurement_yearly" WHERE time >= '2000-01-01T00:00:00Z'`); n != 4 {
		t.Errorf("%v procurement_yearly points, want 4 purchase years", n)
	}
	r = runCLI(t, db, "lifecycle", "--serial", "HW-C")
	if r.code != 0 || !strings.Contains(r.stdout, `"status": "recycled"`) || !strings.Contains(r.stdout, `"purchase_date": "2017-01-15"`) {
		t.Errorf("lifecycle --serial: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, db, "report", "--from", "2022", "--to", "2024", "--format", "json")
	if r.code != 0 {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		Longevity struct {
			Retired int     `json:"retired"`
			Median  float64 `json:"median_service_life_years"`
			Certs   []struct {
				Year int     `json:"year"`
				ES   float64 `json:"energy_star_pct"`
			} `json:"certifications_by_purchase_year"`
			Never []struct {
				Serial string `json:"serial"`
			} `json:"in_inventory_never_reported"`
		} `json:"longevity"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	l := rep.Longevity
	if l.Retired != 2 || l.Median != 6.0 || len(l.Certs) != 4 || l.Certs[3].Year != 2022 || l.Certs[3].ES != 50 || len(l.Never) != 3 {
		t.Errorf("longevity %+v; want 2 retired, median 6.0, 4 purchase years (2022: 50 %% Energy Star), 3 never reported (A, B, E)", l)
	}

	r = runCLI(t, db, "import", "--format", "inventory", "--skip-invalid", bad)
	if r.code != 0 || !strings.Contains(r.stderr, "skipping 5 invalid rows of 6") {
		t.Errorf("--skip-invalid: exit %d\n%s", r.code, r.stderr)
	}
	if n := countInventory(t, db, `SELECT count("source") FROM "inventory" WHERE time >= '2000-01-01T00:00:00Z'`); n != 6 {
		t.Errorf("%v inventory points after --skip-invalid, want 6 (GOOD-1 added)", n)
	}
}
