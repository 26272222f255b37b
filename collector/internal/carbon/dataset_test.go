package carbon_test

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// upstreamSHA256 is the SHA-256 of boavizta-data-us.csv at the cited
// commit of github.com/Boavizta/environmental-footprint-data (data/README.md).
const upstreamSHA256 = "eaeb19cc36308c8759deeea496d270d9d6ed0e46c3f113099844c3f9bf6cca9c"

func TestShippedDataSetIsTheCitedVersion(t *testing.T) {
	b, err := os.ReadFile("data/boavizta-data-us.csv")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != upstreamSHA256 {
		t.Errorf("data/boavizta-data-us.csv differs from the cited upstream file (sha256 %x)", sum)
	}
	ds := dataset(t)
	if ds.Info.Products != 1226 || len(ds.Products) != 1226 || ds.Info.Commit != "61323eb5c3bb63b0703e7a9c6456482ccbaac3a6" {
		t.Errorf("info %+v", ds.Info)
	}
	readme, err := os.ReadFile("data/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{ds.Info.Commit, ds.Info.Repository, upstreamSHA256, "ODbL"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("data/README.md does not cite %q", want)
		}
	}
}

// The embodied share of a product, by the rules of docs/carbon.md, checked
// on rows of each kind.
func TestEmbodiedShareRules(t *testing.T) {
	ds := dataset(t)
	byName := map[string]*carbon.Product{}
	for i := range ds.Products {
		p := &ds.Products[i]
		byName[p.Manufacturer+" "+p.Name] = p
	}
	laptopShares := []float64{}
	for _, p := range ds.Products {
		if p.Subcategory == "Laptop" && p.ShareBasis != carbon.ShareMedian {
			laptopShares = append(laptopShares, p.EmbodiedShare)
		}
	}
	slices.Sort(laptopShares)
	medianLaptop := (laptopShares[len(laptopShares)/2-1] + laptopShares[len(laptopShares)/2]) / 2
	if len(laptopShares)%2 == 1 {
		medianLaptop = laptopShares[len(laptopShares)/2]
	}
	for _, c := range []struct {
		product string
		share   float64
		basis   string
	}{
		{"Dell Latitude 5420", 0.848, carbon.ShareRatios},                                // transport and end of life given as 0
		{"HP ProBook 445 14 inch G9 Notebook PC", 0.77 + 0.07 + 0.0, carbon.ShareRatios}, // all three given
		{"Dell Latitude 7480", 0.782 + (1 - 0.174 - 0.782), carbon.ShareRatiosRemainder},
		{"Lenovo ThinkPad T490", 1 - 0.10, carbon.ShareComplement},
		{"Dell OptiPlex 7070 Ultra", 1 - 0.18, carbon.ShareComplement}, // manufacturing ratio 7.76 is not a share
		{"HP 17 Laptop PC", medianLaptop, carbon.ShareMedian},          // no ratio at all
	} {
		p := byName[c.product]
		if p == nil {
			t.Errorf("%s not in the data set", c.product)
			continue
		}
		if p.ShareBasis != c.basis || abs(p.EmbodiedShare-c.share) > 1e-9 {
			t.Errorf("%s: share %v (%s), want %v (%s)", c.product, p.EmbodiedShare, p.ShareBasis, c.share, c.basis)
		}
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// The class defaults are the data set's medians, recomputed here straight
// from the CSV: gwp_total and lifetime of the laptops (Chromebooks apart),
// desktops and tablets.
func TestClassDefaultsAreMedians(t *testing.T) {
	f, err := os.Open("data/boavizta-data-us.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	gwp, life := map[string][]float64{}, map[string][]float64{}
	for _, r := range rows[1:] {
		class := strings.ToLower(r[col["subcategory"]])
		if strings.Contains(strings.ToLower(r[col["name"]]), "chromebook") && (class == "laptop" || class == "desktop") {
			class = "chromebook"
		}
		g, _ := strconv.ParseFloat(r[col["gwp_total"]], 64)
		gwp[class] = append(gwp[class], g)
		if l, err := strconv.ParseFloat(r[col["lifetime"]], 64); err == nil {
			life[class] = append(life[class], l)
		}
	}
	median := func(v []float64) float64 {
		s := slices.Clone(v)
		slices.Sort(s)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	ds := dataset(t)
	for _, class := range []string{"laptop", "desktop", "chromebook", "tablet"} {
		d := ds.Default(class)
		if d.Products != len(gwp[class]) || abs(d.GWPTotalKg-median(gwp[class])) > 0.05 || abs(d.LifetimeYears-median(life[class])) > 0.05 {
			t.Errorf("%s default %+v; want %d products, gwp_total median %v, lifetime median %v", class, d, len(gwp[class]), median(gwp[class]), median(life[class]))
		}
		if d.EmbodiedKg <= 0 || d.EmbodiedKg >= d.GWPTotalKg*1.5 || d.EmbodiedShare <= 0.3 || d.EmbodiedShare >= 1 {
			t.Errorf("%s default embodied %v kg, share %v", class, d.EmbodiedKg, d.EmbodiedShare)
		}
	}
	if ds.Default("unknown").Class != "other" || ds.Default("other").Products <= ds.Default("laptop").Products {
		t.Errorf("unknown class default %+v", ds.Default("unknown"))
	}
}

func TestMatchingRules(t *testing.T) {
	m := carbon.NewMatcher(dataset(t), nil)
	for _, c := range []struct {
		mfr, model string
		kind       carbon.Kind
		product    string // "" none
		alts       int
	}{
		{"Dell Inc.", "Latitude 7480", carbon.KindExact, "Latitude 7480", 0},                                     // "Dell Inc." is Dell
		{"HP", "HP EliteBook 840 Aero G8 Notebook PC", carbon.KindExact, "EliteBook 840 Aero G8 Notebook PC", 0}, // vendor word in the DMI name
		{"LENOVO", "ThinkPad T470", carbon.KindExact, "ThinkPad T470", 0},                                        // LENOVO is Lenovo
		{"LENOVO", "ThinkPad R14", carbon.KindExact, "ThinkPad E14.ThinkPad R14.ThinkPad S3 Gen2", 0},            // one of several names
		{"LENOVO", "ThinkPad P1", carbon.KindExact, "ThinkPad P1/ThinkPad X1 Extreme", 0},
		{"Hewlett-Packard", "ProBook 445 G9", carbon.KindRule, "ProBook 445 14 inch G9 Notebook PC", 0}, // no screen size given
		{"LENOVO", "ThinkPad X1 Carbon 5th", carbon.KindRule, "ThinkPad X1 Carbon 5th Gen", 0},          // DMI product_version's ordinal
		{"LENOVO", "ThinkPad 11e Yoga Gen 6", carbon.KindRule, "ThinkPad 11e Yoga 6th Gen", 0},          // "Gen 6" = "6th Gen"
		{"LENOVO", "ThinkPad S3 Gen 2", carbon.KindExact, "ThinkPad E14.ThinkPad R14.ThinkPad S3 Gen2", 0},
		{"LENOVO", "IdeaPad 3 Chromebook 11 AMD", carbon.KindExact, "IdeaPad 3 Chromebook 11 AMD", 0},
		{"LENOVO", "IdeaPad 3 Chromebook 11 (Intel)", carbon.KindRule, "IdeaPad 3 Chromebook 11", 0}, // never the AMD variant
		{"Apple Inc.", "MacBookAir10,1", carbon.KindRule, "MacBook Air (M1 2020) with 256GB", 0},     // Apple model identifier
		{"Apple Inc.", "MacBook Air M1", carbon.KindRule, "MacBook Air (M1 2020) with 256GB", 0},     // storage and year dropped
		{"Microsoft Corporation", "Surface Pro 7+", carbon.KindExact, "Surface Pro 7+", 0},           // "+" is part of the name
		{"Microsoft Corporation", "Surface Pro 7", carbon.KindExact, "Surface Pro 7", 0},
		{"Microsoft Corporation", "Surface Laptop 4", carbon.KindRule, "Surface Laptop 4 13.5-inch display Alcantara® palm rest", 2}, // lowest of three
		{"Dell Inc.", "Latitude 7410 2-in-1 Chromebook Enterprise", carbon.KindExact, "Latitude 7410 2-in-1 Chromebook Enterprise", 0},
		{"", "HP ProBook 455 15.6 inch G9 Notebook PC", carbon.KindExact, "ProBook 455 15.6 inch G9 Notebook PC", 0}, // vendor from the model
		{"Apple Inc.", "MacBookPro99,1", carbon.KindNone, "", 0},
		{"Acer", "TravelMate B3 TMB311-31", carbon.KindNone, "", 0},
		{"LENOVO", "ThinkPad L13 Yoga Gen 2", carbon.KindNone, "", 0}, // the data set has the first generation only
		{"LENOVO", "ThinkPad T14 Gen 2i", carbon.KindNone, "", 0},
		{"HP", "HP ProBook 440 G8", carbon.KindNone, "", 0},
		{"Dell Inc.", "OptiPlex 7090", carbon.KindNone, "", 0}, // four form factors, none named: an override decides
		{"LENOVO", "20W0003AMX", carbon.KindNone, "", 0},
	} {
		mt := m.Match(c.mfr, c.model)
		got := ""
		if mt.Product != nil {
			got = mt.Product.Name
		}
		if mt.Kind != c.kind || got != c.product || mt.Alternatives != c.alts {
			t.Errorf("%s %q: %s %q (%d alternatives, %s); want %s %q (%d)", c.mfr, c.model, mt.Kind, got, mt.Alternatives, mt.Rule, c.kind, c.product, c.alts)
		}
		if mt.Kind != carbon.KindExact && mt.Rule == "" {
			t.Errorf("%s %q: %s match without a rule text", c.mfr, c.model, mt.Kind)
		}
	}
}

// Every Apple model identifier in the built-in table names a product of
// the data set.
func TestAppleIdentifiersResolve(t *testing.T) {
	m := carbon.NewMatcher(dataset(t), nil)
	for _, id := range carbon.AppleIdentifiers() {
		mt := m.Match("Apple Inc.", id)
		if mt.Kind != carbon.KindRule || mt.Product == nil || mt.Product.Manufacturer != "Apple" {
			t.Errorf("%s: %+v", id, mt)
		}
	}
}

// The demo's simulated fleet (agentsim.FleetHistory) as docs/carbon.md
// describes it: two of its six models match, four take the laptop default.
func TestDemoFleetModels(t *testing.T) {
	seen := map[[2]string]bool{}
	from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	agentsim.FleetHistory(2020, 120, from, from.AddDate(0, 1, 0), 30*24*time.Hour, func(d agentsim.Device, _ time.Time) bool {
		seen[[2]string{d.Manufacturer, d.Model}] = true
		return true
	})
	m := carbon.NewMatcher(dataset(t), nil)
	got := map[carbon.Kind][]string{}
	for k := range seen {
		mt := m.Match(k[0], k[1])
		got[mt.Kind] = append(got[mt.Kind], k[1])
	}
	for _, l := range got {
		slices.Sort(l)
	}
	want := map[carbon.Kind][]string{
		carbon.KindExact: {"Latitude 5420"},
		carbon.KindRule:  {"MacBookAir10,1"},
		carbon.KindNone:  {"HP ProBook 440 G8", "ThinkPad L13 Yoga Gen 2", "ThinkPad T14 Gen 2i", "TravelMate B3 TMB311-31"},
	}
	if len(seen) != 6 || !slices.Equal(got[carbon.KindExact], want[carbon.KindExact]) || !slices.Equal(got[carbon.KindRule], want[carbon.KindRule]) ||
		!slices.Equal(got[carbon.KindNone], want[carbon.KindNone]) {
		t.Errorf("demo fleet models by match: %v; want %v (update docs/carbon.md if the fleet changed)", got, want)
	}
}
