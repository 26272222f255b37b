package carbon_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
)

// BenchmarkFleet10k assesses 10,000 pieces of hardware of 40 models and
// computes ten years of figures and their points: what every
// lifecycle --update (and the in-serve refresh) does after its queries.
func BenchmarkFleet10k(b *testing.B) {
	ds := dataset(b)
	models := []string{"Latitude 7480", "Latitude 5420", "ProBook 445 G9", "ThinkPad T470", "ThinkPad X1 Carbon 5th", "MacBookAir10,1", "Veriton X2690G", "20W0003AMX"}
	mfrs := []string{"Dell Inc.", "Dell Inc.", "HP", "LENOVO", "LENOVO", "Apple Inc.", "Acer", "LENOVO"}
	var hw []*lifecycle.Hardware
	for i := 0; i < 10000; i++ {
		k := i % len(models)
		bought := time.Date(2014+i%9, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		h := &lifecycle.Hardware{Serial: fmt.Sprintf("SN%06d", i), Manufacturer: mfrs[k], Model: models[k],
			FirstSeen: bought.AddDate(0, 0, 3), LastSeen: asOf.AddDate(0, 0, -2),
			Inventory: &lifecycle.Item{Serial: fmt.Sprintf("SN%06d", i), Model: models[k] + fmt.Sprint(" ", i%5), Purchased: bought}}
		if i%3 == 0 {
			h.Inventory.Status, h.Inventory.StatusDate = lifecycle.StatusRecycled, bought.AddDate(2+i%7, 0, 0)
			if h.Inventory.StatusDate.After(asOf) {
				h.Inventory.Status = lifecycle.StatusInUse
			}
		}
		hw = append(hw, h)
	}
	opts := carbon.Options{BaselineYears: 4, BaselineFromManufacturer: true}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		devs, _ := carbon.Assess(hw, carbon.NewMatcher(ds, nil), opts, asOf)
		if len(carbon.Points(ds, devs, asOf)) == 0 {
			b.Fatal("no points")
		}
	}
}
