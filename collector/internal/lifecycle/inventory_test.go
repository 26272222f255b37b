package lifecycle_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/internal/schema"
)

var decodeNow = func() time.Time { return time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC) }

func decodeFile(t *testing.T, name string) *lifecycle.InventoryResult {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := lifecycle.DecodeInventory(context.Background(), f, lifecycle.InventoryOptions{File: name, Now: decodeNow})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestDecodeInventory(t *testing.T) {
	res := decodeFile(t, "testdata/inventory.csv")
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if res.Rows != 6 || len(res.Items) != 5 {
		t.Fatalf("rows %d items %d, want 6 rows, 5 serials", res.Rows, len(res.Items))
	}
	byS := map[string]lifecycle.Item{}
	for _, it := range res.Items {
		byS[it.Serial] = it
	}
	a := byS["HW-A"]
	if a.Price == nil || *a.Price != 9450 || a.TCOGeneration != "8" || a.EPEATTier != "gold" || a.EnergyStar == nil || !*a.EnergyStar || a.Class != "laptop" {
		t.Errorf("HW-A: %+v", a)
	}
	c := byS["HW-C"]
	if c.Status != lifecycle.StatusRecycled || c.StatusDate.Format(time.DateOnly) != "2024-02-15" || len(c.History) != 2 {
		t.Errorf("HW-C: status %q %v history %v; want recycled 2024-02-15 after in use", c.Status, c.StatusDate, c.History)
	}
	if d := byS["HW-D"]; d.Status != lifecycle.StatusSoldForReuse || !d.Status.Retired() {
		t.Errorf("HW-D status %q", d.Status)
	}
	// Re-import overwrites: every inventory point sits at the same time
	// and key (serial), so the same file gives the same points.
	pts := lifecycle.Points(res.Items)
	inv := 0
	for _, p := range pts {
		if p.Measurement == schema.Inventory {
			inv++
			if !p.Time.Equal(lifecycle.InventoryEpoch) || p.Tags["serial"] == "" || len(p.Tags) != 1 {
				t.Errorf("inventory point %v", p)
			}
		}
	}
	if inv != 5 {
		t.Errorf("%d inventory points, want 5", inv)
	}
}

func TestDecodeInventoryErrorsNameFileLineColumn(t *testing.T) {
	res := decodeFile(t, "testdata/inventory-bad.csv")
	want := []string{
		`testdata/inventory-bad.csv:3:3: column "purchase date": value "2021-13-10": is not a date (YYYY-MM-DD)`,
		`testdata/inventory-bad.csv:4:4: column "energy star": value "maybe": expected yes or no`,
		`testdata/inventory-bad.csv:5:6: column "epeat": value "platinum": expected bronze, silver, gold, yes or no`,
		`testdata/inventory-bad.csv:6:8: column "status date": value "": a retired item (sold for reuse, recycled) needs a status date`,
		`testdata/inventory-bad.csv:7:1: column "serial": value "GOOD-1": serial already on line 2 with the same status date`,
	}
	if res.BadRows != len(want) || len(res.Errors) != len(want) {
		t.Fatalf("bad rows %d, errors %v", res.BadRows, res.Errors)
	}
	for i, w := range want {
		if got := res.Errors[i].Error(); got != w {
			t.Errorf("error %d:\n got %s\nwant %s", i, got, w)
		}
	}
	if len(res.Items) != 1 || res.Items[0].Serial != "GOOD-1" {
		t.Errorf("valid items %v", res.Items)
	}
}

func TestDecodeInventoryHeader(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "x.csv:1: the file is empty; expected a header row"},
		{"model,price\nT14,100\n", "x.csv:1: no serial column"},
		{"serial,model\n\"A,T14\n", "x.csv:2:"},
	} {
		res, err := lifecycle.DecodeInventory(context.Background(), strings.NewReader(tc.in), lifecycle.InventoryOptions{File: "x.csv", Now: decodeNow})
		if err == nil && res != nil {
			err = res.Err()
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want prefix %q", tc.in, err, tc.want)
		}
	}
}
