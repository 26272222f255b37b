package carbon_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

func TestOverridesFile(t *testing.T) {
	ds := dataset(t)
	ov, err := carbon.LoadOverrides("testdata/overrides.csv", ds)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Rows) != 5 {
		t.Fatalf("%d rows, want 5", len(ov.Rows))
	}
	m := carbon.NewMatcher(ds, ov)
	for _, c := range []struct {
		mfr, model, class string
		product           string // "" none
		classDefault      string
		gwp               float64
	}{
		{"LENOVO", "ThinkPad T14 Gen 2i", "laptop", "ThinkPad T490", "", 421},
		{"Lenovo", "thinkpad t14 gen 2i", "laptop", "ThinkPad T490", "", 421}, // case and punctuation ignored
		{"LENOVO", "20W0003AMX", "laptop", "ThinkPad T490", "", 421},          // machine type prefix
		{"Acer", "Veriton X2690G", "desktop", "", "desktop", ds.Default("desktop").GWPTotalKg},
		{"Acer", "TravelMate B3 TMB311-31", "laptop", "", "", 210},
		{"Dell Inc.", "OptiPlex 7090", "desktop", "OptiPlex 7090 Micro Form Factor", "", 267},
	} {
		fp := m.Footprint(c.mfr, c.model, c.class)
		if fp.Kind != carbon.KindOverride || fp.GWPTotalKg != c.gwp || fp.ClassDefault != c.classDefault ||
			(c.product == "") != (fp.Product == nil) || (fp.Product != nil && fp.Product.Name != c.product) {
			t.Errorf("%s %s: %+v", c.mfr, c.model, fp)
		}
		if !strings.Contains(fp.Rule, "testdata/overrides.csv line") {
			t.Errorf("%s: rule %q does not name the file and line", c.model, fp.Rule)
		}
	}
	own := m.Footprint("Acer", "TravelMate B3 TMB311-31", "laptop")
	if own.EmbodiedKg != 210*0.8 || own.LifetimeYears != 4 || !strings.Contains(own.Source, "Acer product carbon footprint") {
		t.Errorf("own figures: %+v", own)
	}
	// Another manufacturer's model of the same name is not overridden.
	if fp := m.Footprint("HP", "ThinkPad T14 Gen 2i", "laptop"); fp.Kind == carbon.KindOverride {
		t.Errorf("override applied to another manufacturer: %+v", fp)
	}
}

// Every bad row is named by file, line and column, all at once.
func TestOverridesFileErrors(t *testing.T) {
	ds := dataset(t)
	_, err := carbon.LoadOverrides("testdata/overrides-bad.csv", ds)
	if err == nil {
		t.Fatal("want errors")
	}
	msg := err.Error()
	for _, want := range []string{
		`testdata/overrides-bad.csv:2:3: column "product": value "No Such Product": no such product in the data set`,
		`testdata/overrides-bad.csv:3:3: column "product": value "class:spaceship": unknown class "spaceship"`,
		`testdata/overrides-bad.csv:4:2: column "model": value "": a model is required`,
		`testdata/overrides-bad.csv:5:4: column "gwp_total_kg": value "250": own figures need a source`,
		`testdata/overrides-bad.csv:6:3: column "product": value "ThinkPad T490": give either a product or own figures`,
		`testdata/overrides-bad.csv:8:2: column "model": value "qux!": model given twice (also on line 7)`,
		`testdata/overrides-bad.csv:9:4: column "gwp_total_kg": value "-3": expected kg CO2e`,
		`testdata/overrides-bad.csv:10: has 3 fields, the header has 5`,
		`testdata/overrides-bad.csv: 8 invalid rows`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
	var re *meetings.RowError
	if !errors.As(err, &re) {
		t.Errorf("errors are not RowErrors: %T", err)
	}
	for _, c := range []struct{ name, body, want string }{
		{"empty", "", "empty.csv:1: the file is empty"},
		{"unknown column", "model,product,colour\n", `unknown column.csv:1:3: value "colour": unknown column`},
		{"no product column", "model\nX\n", "no product column.csv:1: no product column"},
		{"not csv", "model,product\n\"a,b\n", "not csv.csv:2: not valid CSV"},
	} {
		_, err := carbon.DecodeOverrides(strings.NewReader(c.body), c.name+".csv", ds)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := carbon.LoadOverrides("testdata/missing.csv", ds); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzDecodeOverrides(f *testing.F) {
	for _, name := range []string{"testdata/overrides.csv", "testdata/overrides-bad.csv"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\xEF\xBB\xBFmodel,product\nLatitude 7480,Latitude 7480\n"))
	f.Add([]byte("manufacturer,model,gwp_total_kg,source\nLenovo,20W0,300,x\n"))
	ds, err := carbon.Embedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ov, err := carbon.DecodeOverrides(bytes.NewReader(data), "fuzz.csv", ds)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, r := range ov.Rows {
			n := 0
			if r.Product != nil {
				n++
			}
			if r.ClassDefault != "" {
				n++
			}
			if r.Own != nil {
				n++
				if r.Own.Source == "" || !(r.Own.GWPTotalKg > 0) || r.Own.EmbodiedShare < 0 || r.Own.EmbodiedShare > 1 {
					t.Fatalf("own figures accepted without a source or out of range: %+v", r.Own)
				}
			}
			if n != 1 || r.Model == "" || r.Line < 1 {
				t.Fatalf("accepted row %+v", r)
			}
		}
	})
}
