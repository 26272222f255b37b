package carbon

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is how a fleet model found its footprint.
type Kind string

// Match kinds, as `carbon models` and the report print them.
const (
	KindExact    Kind = "exact"    // same name, apart from case, punctuation and the vendor word
	KindRule     Kind = "rule"     // found by a documented rule (docs/carbon.md)
	KindOverride Kind = "override" // the analyst's override file
	KindNone     Kind = "none"     // not found: the class default
)

// Match is the data set product a fleet model matched, if any.
type Match struct {
	Kind    Kind
	Rule    string   // how (for rule, override and none)
	Product *Product // nil for none, and for an override to a class default or own figures
	// Alternatives counts other products that matched equally well (the
	// lowest footprint is taken, so that avoided emissions are not
	// overstated).
	Alternatives int
	Override     *Override
	// Via is the model name the match was made with when it differs from
	// the fleet's string (a Lenovo machine type learned from the inventory).
	Via string
}

// Matcher matches fleet models to the data set. It remembers its matches
// and is not safe for concurrent use: make one per computation.
type Matcher struct {
	ds        *Dataset
	overrides *Overrides
	// learned maps a Lenovo machine type to the model name the inventory
	// gives hardware that reports it.
	learned map[string]string
	// memo and footprints hold the matches made and their figures: a
	// fleet has few distinct models.
	memo       map[[2]string]Match
	footprints map[footprintKey]Footprint
}

// NewMatcher matches against ds, overrides first (nil: none).
func NewMatcher(ds *Dataset, ov *Overrides) *Matcher {
	return &Matcher{ds: ds, overrides: ov, learned: map[string]string{}, memo: map[[2]string]Match{}, footprints: map[footprintKey]Footprint{}}
}

// Learn records that hardware reporting the Lenovo machine type-model
// reported is called named in the inventory; Match then resolves other
// hardware of that machine type through the name. The most frequent name
// of a machine type wins (ties: alphabetical).
func (m *Matcher) Learn(pairs map[string]map[string]int) {
	for mt, names := range pairs {
		best, n := "", 0
		for name, c := range names {
			if c > n || (c == n && name < best) {
				best, n = name, c
			}
		}
		if best != "" {
			m.learned[mt] = best
		}
	}
	clear(m.memo)
	clear(m.footprints)
}

// Match finds the product for a fleet manufacturer and model, in this
// order: the override file; Apple model identifiers; an exact name; the
// name rules; a Lenovo machine type named by the inventory.
func (m *Matcher) Match(manufacturer, model string) Match {
	key := [2]string{vendorKey(manufacturer), strings.TrimSpace(model)}
	if mt, ok := m.memo[key]; ok {
		return mt
	}
	mt := m.match(key[0], key[1], true)
	m.memo[key] = mt
	return mt
}

func (m *Matcher) match(vendor, model string, learn bool) Match {
	if vendor == "" {
		vendor = inferVendor(model)
	}
	if model == "" {
		return Match{Kind: KindNone, Rule: "no model known"}
	}
	if o := m.overrides.lookup(vendor, model); o != nil {
		return Match{Kind: KindOverride, Product: o.Product, Override: o, Rule: fmt.Sprintf("%s line %d", m.overrides.File, o.Line)}
	}
	if name, ok := appleIdentifiers[model]; ok && (vendor == "apple" || vendor == "") {
		if idx := m.ds.findProduct("apple", name); len(idx) > 0 {
			return Match{Kind: KindRule, Product: &m.ds.Products[idx[0]], Rule: "Apple model identifier " + model}
		}
	}
	if reAppleIdentifier.MatchString(model) && (vendor == "apple" || vendor == "") {
		return Match{Kind: KindNone, Rule: "Apple model identifier " + model + " is not in the built-in table; add an override"}
	}
	byName := m.byName(vendor, model)
	if byName.Kind != KindNone {
		return byName
	}
	if t := machineType(vendor, model); t != "" {
		if name, ok := m.learned[t]; ok && learn {
			inner := m.match(vendor, name, false)
			if inner.Kind == KindNone {
				inner.Rule = fmt.Sprintf("Lenovo machine type %s is %q in the inventory, which matches nothing", t, name)
				return inner
			}
			if inner.Kind == KindExact {
				inner.Kind = KindRule
			}
			inner.Rule = strings.TrimSpace(fmt.Sprintf("Lenovo machine type %s is %q in the inventory; %s", t, name, inner.Rule))
			inner.Via = name
			return inner
		}
		return Match{Kind: KindNone, Rule: "Lenovo machine type " + t + " (what Windows reports as the model): add an override, or inventory rows naming the model"}
	}
	if byName.Rule != "" {
		return byName
	}
	return Match{Kind: KindNone, Rule: "no product of this name in the data set"}
}

// inferVendor takes the vendor from a model name that starts with one
// ("HP ProBook 440 G8").
func inferVendor(model string) string {
	if f := strings.Fields(model); len(f) > 0 && knownVendors[vendorKey(f[0])] {
		return vendorKey(f[0])
	}
	return ""
}

// candidate is one product that a name matched.
type candidate struct {
	idx   int
	level int // 0 exact, 1 same tokens and sizes, 2 same tokens, sizes ignored
	cpu   int // 0 same CPU vendor, 1 one side unknown
}

// byName applies the exact and rule matches to the vendor's products (all
// products when the vendor is unknown).
func (m *Matcher) byName(vendor, model string) Match {
	k := parseName(vendor, model)
	if k.tokens == "" {
		return Match{Kind: KindNone}
	}
	idx := m.ds.byVendor[vendor]
	if vendor == "" || !knownVendors[vendor] {
		if vendor != "" {
			return Match{Kind: KindNone, Rule: "the data set has no product of this manufacturer"}
		}
		idx = make([]int, len(m.ds.Products))
		for i := range idx {
			idx[i] = i
		}
	}
	var cands []candidate
	for _, i := range idx {
		p := &m.ds.Products[i]
		best := candidate{idx: i, level: 99}
		for _, a := range p.alts {
			c := candidate{idx: i, level: 99}
			switch {
			case a.exact == k.exact && a.cpu == k.cpu:
				c.level = 0
			case a.tokens != k.tokens:
				continue
			case a.cpu != "" && k.cpu != "" && a.cpu != k.cpu:
				continue // Intel and AMD variants are different products
			case a.sizes == k.sizes:
				c.level = 1
			case k.sizes == "":
				c.level = 2 // the fleet name gives no screen size
			default:
				continue
			}
			if a.cpu != k.cpu {
				c.cpu = 1
			}
			if c.level < best.level || (c.level == best.level && c.cpu < best.cpu) {
				best = c
			}
		}
		if best.level < 99 {
			cands = append(cands, best)
		}
	}
	if len(cands) == 0 {
		return Match{Kind: KindNone}
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.level != b.level {
			return a.level < b.level
		}
		if a.cpu != b.cpu {
			return a.cpu < b.cpu
		}
		pa, pb := &m.ds.Products[a.idx], &m.ds.Products[b.idx]
		if pa.GWPTotalKg != pb.GWPTotalKg {
			return pa.GWPTotalKg < pb.GWPTotalKg // the lowest footprint: avoided emissions are not overstated
		}
		return a.idx < b.idx
	})
	top := cands[0]
	alts := 0
	for _, c := range cands[1:] {
		if c.level == top.level && c.cpu == top.cpu {
			alts++
		}
	}
	mt := Match{Kind: KindRule, Product: &m.ds.Products[top.idx], Alternatives: alts}
	switch {
	case top.level == 0:
		mt.Kind = KindExact
	case top.level == 2:
		mt.Rule = "same name, screen size not given"
	default:
		mt.Rule = "same name after normalisation (generation, CPU vendor, storage, word order)"
	}
	if alts > 0 {
		mt.Rule = strings.TrimSpace(fmt.Sprintf("%s; lowest of %d equally good products", mt.Rule, alts+1))
	}
	return mt
}
