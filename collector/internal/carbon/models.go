package carbon

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
)

// ModelRow is one fleet model in `kretslopp-collector carbon models`: its
// match and the figures used for it.
type ModelRow struct {
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
	SeenIn       []string `json:"seen_in"` // "agent", "inventory"
	Serials      int      `json:"serials"`
	Class        string   `json:"class"`
	Match        Kind     `json:"match"`
	Rule         string   `json:"rule,omitempty"`
	// Product is the data set product (null: none; see ClassDefault).
	Product             *string `json:"product"`
	ProductManufacturer string  `json:"product_manufacturer,omitempty"`
	// ClassDefault names the class whose medians are used (null: a
	// product's or the analyst's own figures).
	ClassDefault  *string  `json:"class_default"`
	Alternatives  int      `json:"alternatives"`
	GWPTotalKg    float64  `json:"gwp_total_kg"`
	EmbodiedShare float64  `json:"embodied_share"`
	ShareBasis    string   `json:"embodied_share_basis"`
	EmbodiedKg    float64  `json:"embodied_kg"`
	LifetimeYears *float64 `json:"lifetime_years"`
	BaselineYears float64  `json:"baseline_years"`
	Source        string   `json:"source"`
}

// Models lists every model of the fleet (reported by agents or named in
// the inventory) with its match, as of now.
func Models(ctx context.Context, q Querier, opts Options, now time.Time) ([]ModelRow, error) {
	ds, err := Embedded()
	if err != nil {
		return nil, err
	}
	items, err := lifecycle.LoadInventory(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("carbon: %w", err)
	}
	hw, _, err := lifecycle.Derive(ctx, q, now.Add(time.Second), items)
	if err != nil {
		return nil, fmt.Errorf("carbon: %w", err)
	}
	return FleetModels(ds, hw, opts), nil
}

// FleetModels lists the distinct (manufacturer, model) names of derived
// hardware, compared as the matcher compares them, with their footprints.
func FleetModels(ds *Dataset, hw []*lifecycle.Hardware, opts Options) []ModelRow {
	m := NewMatcher(ds, opts.Overrides)
	m.LearnFromHardware(hw)
	type agg struct {
		mfr, model string
		seen       map[string]bool
		serials    map[string]bool
		classes    map[string]int
	}
	by := map[string]*agg{}
	var order []string
	for _, h := range hw {
		inv := h.Inventory != nil && h.Inventory.Model != ""
		for i, c := range modelCandidates(h) {
			key := modelKey(c[0], c[1])
			a := by[key]
			if a == nil {
				a = &agg{mfr: c[0], model: c[1], seen: map[string]bool{}, serials: map[string]bool{}, classes: map[string]int{}}
				by[key] = a
				order = append(order, key)
			}
			src := "agent"
			if i == 0 && inv {
				src = "inventory"
			}
			a.seen[src] = true
			a.serials[h.Serial] = true
			a.classes[h.Class()]++
		}
	}
	out := make([]ModelRow, 0, len(by))
	for _, key := range order {
		a := by[key]
		class, n := "unknown", 0
		for c, k := range a.classes {
			if k > n || (k == n && c < class) {
				class, n = c, k
			}
		}
		mt := m.Match(a.mfr, a.model)
		if (class == "unknown" || class == "") && mt.Product != nil && mt.Product.class != "" {
			class = mt.Product.class
		}
		fp := m.footprintOf(mt, class)
		r := ModelRow{Manufacturer: a.mfr, Model: a.model, Serials: len(a.serials), Class: class, Match: fp.Kind, Rule: fp.Rule,
			Alternatives: fp.Alternatives, GWPTotalKg: round1(fp.GWPTotalKg), EmbodiedShare: round3(fp.EmbodiedShare), ShareBasis: fp.ShareBasis,
			EmbodiedKg: round1(fp.EmbodiedKg), BaselineYears: opts.baselineYears(), Source: fp.Source, SeenIn: []string{}}
		for _, s := range []string{"agent", "inventory"} {
			if a.seen[s] {
				r.SeenIn = append(r.SeenIn, s)
			}
		}
		if fp.Product != nil {
			name := fp.Product.Name
			r.Product, r.ProductManufacturer = &name, fp.Product.Manufacturer
		}
		if fp.ClassDefault != "" {
			c := fp.ClassDefault
			r.ClassDefault = &c
		}
		if fp.LifetimeYears > 0 {
			l := fp.LifetimeYears
			r.LifetimeYears = &l
			if opts.BaselineFromManufacturer {
				r.BaselineYears = l
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Manufacturer != out[j].Manufacturer {
			return out[i].Manufacturer < out[j].Manufacturer
		}
		return out[i].Model < out[j].Model
	})
	return out
}
