// Package carbon turns the fleet's hardware lives into CO2e: it matches
// fleet models to manufacturers' product carbon footprints (the Boavizta
// data set, shipped in data/), spreads each device's embodied emissions
// over its actual service life, counts what lives longer (or shorter) than
// a baseline avoided (or caused), and, only when the analyst configures its
// factors, estimates travel replaced by remote meetings. It writes the
// derived measurements carbon_hardware and carbon_yearly and builds the
// report's carbon section. See docs/carbon.md.
package carbon

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/collector/internal/stats"
)

//go:embed data/boavizta-data-us.csv
var embeddedCSV []byte

// DatasetInfo names the data set and the version the figures come from.
type DatasetInfo struct {
	Name       string `json:"name"`
	Repository string `json:"repository"`
	Commit     string `json:"commit"`
	Date       string `json:"date"`
	File       string `json:"file"`
	License    string `json:"license"`
	Products   int    `json:"products"`
}

// Boavizta is the shipped data set (data/README.md).
var Boavizta = DatasetInfo{
	Name:       "Boavizta environmental footprint data",
	Repository: "https://github.com/Boavizta/environmental-footprint-data",
	Commit:     "61323eb5c3bb63b0703e7a9c6456482ccbaac3a6",
	Date:       "2023-02-23",
	File:       "boavizta-data-us.csv",
	License:    "ODbL 1.0 (database), DbCL 1.0 (contents)",
}

// Citation is the one-line reference printed wherever figures are shown.
func (d DatasetInfo) Citation() string {
	return fmt.Sprintf("%s (%s, commit %s, %s, %s, %d products; %s)", d.Name, d.Repository, d.Commit[:min(12, len(d.Commit))], d.Date, d.File, d.Products, d.License)
}

// Short names the data set and its commit, for a source line.
func (d DatasetInfo) Short() string {
	return fmt.Sprintf("%s (%s, commit %s)", d.Name, strings.TrimPrefix(d.Repository, "https://"), d.Commit[:min(12, len(d.Commit))])
}

// How a product's embodied share of gwp_total was found (docs/carbon.md).
const (
	// ShareRatios: manufacturing, transport and end-of-life ratios all given.
	ShareRatios = "ratios"
	// ShareRatiosRemainder: manufacturing given; the missing transport or
	// end-of-life share is what the use and given shares leave of 1.
	ShareRatiosRemainder = "ratios_remainder"
	// SharePartial: manufacturing given, use unknown; only given shares add up.
	SharePartial = "ratios_partial"
	// ShareComplement: only the use ratio is given; embodied is 1 - use.
	ShareComplement = "complement_of_use"
	// ShareMedian: no ratio at all; the median share of the subcategory.
	ShareMedian = "subcategory_median"
	// ShareOverride: an override file's own figure.
	ShareOverride = "override"
)

// Product is one row of the data set.
type Product struct {
	Manufacturer string
	Name         string
	Category     string
	Subcategory  string
	GWPTotalKg   float64 // whole life, kg CO2e
	// Ratios of gwp_total; nil when the cell is empty or not a share in 0..1.
	UseRatio, ManufacturingRatio, TransportRatio, EOLRatio *float64
	LifetimeYears                                          float64 // the manufacturer's assumed life; 0 unknown
	ReportDate                                             string
	Line                                                   int // line in the CSV

	// EmbodiedShare is the manufacturing + transport + end-of-life share
	// of GWPTotalKg, found as ShareBasis says.
	EmbodiedShare float64
	ShareBasis    string

	class  string // fleet class (laptop, desktop, chromebook, tablet) or ""
	vendor string // normalised manufacturer
	alts   []nameKey
	// compact names for lookups by name: without and with the manufacturer
	compactName, compactFull string
}

// EmbodiedKg is the embodied part of the product's footprint.
func (p *Product) EmbodiedKg() float64 { return p.GWPTotalKg * p.EmbodiedShare }

// Class is the fleet device class the product belongs to ("" for other
// kinds of product: monitors, servers, phones, …).
func (p *Product) Class() string { return p.class }

// ClassDefault is the fallback footprint of a fleet device class: medians
// over the data set's products of that class.
type ClassDefault struct {
	Class         string  `json:"class"`
	Products      int     `json:"products"`
	GWPTotalKg    float64 `json:"gwp_total_kg"`
	EmbodiedShare float64 `json:"embodied_share"`
	EmbodiedKg    float64 `json:"embodied_kg"`
	LifetimeYears float64 `json:"lifetime_years"`
}

// Dataset is the parsed data set with its class defaults.
type Dataset struct {
	Info     DatasetInfo
	Products []Product
	defaults map[string]ClassDefault
	byVendor map[string][]int
}

// Fleet device classes with a default. "other" (and an unknown class)
// uses every computer of the data set.
var defaultClasses = []string{"laptop", "desktop", "chromebook", "tablet", "other"}

var loadEmbedded = sync.OnceValues(func() (*Dataset, error) {
	ds, err := ParseDataset(bytes.NewReader(embeddedCSV), Boavizta.File)
	if err != nil {
		return nil, err
	}
	ds.Info = Boavizta
	ds.Info.Products = len(ds.Products)
	return ds, nil
})

// Embedded returns the shipped data set, parsed once.
func Embedded() (*Dataset, error) { return loadEmbedded() }

// ParseDataset reads a data set in the Boavizta CSV layout (English file:
// comma-separated, dot decimals). Columns are found by name; manufacturer,
// name, subcategory and gwp_total are required, and a row without a
// positive gwp_total is an error naming file and line.
func ParseDataset(r io.Reader, file string) (*Dataset, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", file, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"manufacturer", "name", "subcategory", "gwp_total"} {
		if _, ok := col[need]; !ok {
			return nil, &meetings.RowError{File: file, Line: 1, Msg: fmt.Sprintf("missing column %q", need)}
		}
	}
	ds := &Dataset{defaults: map[string]ClassDefault{}, byVendor: map[string][]int{}}
	var errs []error
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		cell := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		p := Product{Manufacturer: cell("manufacturer"), Name: cell("name"), Category: cell("category"), Subcategory: cell("subcategory"),
			ReportDate: cell("report_date"), Line: line}
		gwp, err := strconv.ParseFloat(cell("gwp_total"), 64)
		if err != nil || !(gwp > 0) || math.IsInf(gwp, 0) || p.Name == "" {
			errs = append(errs, &meetings.RowError{File: file, Line: line, Field: "gwp_total", Value: cell("gwp_total"), Column: col["gwp_total"] + 1, Msg: "expected a positive number of kg CO2e and a product name"})
			continue
		}
		p.GWPTotalKg = gwp
		p.UseRatio, p.ManufacturingRatio = ratio(cell("gwp_use_ratio")), ratio(cell("gwp_manufacturing_ratio"))
		p.TransportRatio, p.EOLRatio = ratio(cell("gwp_transport_ratio")), ratio(cell("gwp_eol_ratio"))
		if v, err := strconv.ParseFloat(cell("lifetime"), 64); err == nil && v > 0 && v <= 30 {
			p.LifetimeYears = v
		}
		p.EmbodiedShare, p.ShareBasis = embodiedShare(p.UseRatio, p.ManufacturingRatio, p.TransportRatio, p.EOLRatio)
		p.vendor = vendorKey(p.Manufacturer)
		p.compactName, p.compactFull = compact(p.Name), compact(p.Manufacturer+" "+p.Name)
		p.class = productClass(p.Subcategory, p.Name)
		for _, alt := range alternatives(p.Name) {
			p.alts = append(p.alts, parseName(p.vendor, alt))
		}
		ds.byVendor[p.vendor] = append(ds.byVendor[p.vendor], len(ds.Products))
		ds.Products = append(ds.Products, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	ds.fillMissingShares()
	ds.computeDefaults()
	ds.Info = DatasetInfo{File: file, Products: len(ds.Products)}
	return ds, nil
}

// ratio parses a share; anything outside 0..1 (the data set has a
// manufacturing ratio of 7.76) counts as unknown.
func ratio(s string) *float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 1 || math.IsNaN(v) {
		return nil
	}
	return &v
}

// embodiedShare is the manufacturing + transport + end-of-life share of
// gwp_total (everything but the use phase), from whatever ratios are known.
// "" basis: no ratio at all (filled with the subcategory median later).
func embodiedShare(use, mfg, transport, eol *float64) (float64, string) {
	val := func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	}
	switch {
	case mfg != nil:
		s := *mfg + val(transport) + val(eol)
		basis := ShareRatios
		if transport == nil || eol == nil {
			if use == nil {
				basis = SharePartial
			} else {
				basis = ShareRatiosRemainder
				if rest := 1 - *use - s; rest > 0 {
					s += rest
				}
			}
		}
		return math.Min(s, 1), basis
	case use != nil:
		return 1 - *use, ShareComplement
	}
	return 0, ""
}

// productClass maps the data set's subcategory (and a Chromebook name) to
// the fleet's device classes.
func productClass(subcategory, name string) string {
	sub := strings.ToLower(subcategory)
	if strings.Contains(strings.ToLower(name), "chromebook") && (sub == "laptop" || sub == "desktop") {
		return "chromebook"
	}
	switch sub {
	case "laptop":
		return "laptop"
	case "desktop":
		return "desktop"
	case "tablet":
		return "tablet"
	case "workstation", "thin client":
		return "other"
	}
	return ""
}

// fillMissingShares gives products without any ratio the median share of
// their subcategory (of all products when the subcategory has none).
func (ds *Dataset) fillMissingShares() {
	bySub := map[string][]float64{}
	var all []float64
	for _, p := range ds.Products {
		if p.ShareBasis != "" {
			bySub[strings.ToLower(p.Subcategory)] = append(bySub[strings.ToLower(p.Subcategory)], p.EmbodiedShare)
			all = append(all, p.EmbodiedShare)
		}
	}
	for i := range ds.Products {
		p := &ds.Products[i]
		if p.ShareBasis != "" {
			continue
		}
		m, ok := stats.Mid(bySub[strings.ToLower(p.Subcategory)])
		if !ok {
			m, _ = stats.Mid(all)
		}
		p.EmbodiedShare, p.ShareBasis = m, ShareMedian
	}
}

// computeDefaults takes each fleet class's medians: gwp_total over all its
// products, the embodied share and embodied kg over those whose share comes
// from their own ratios, the lifetime over those that state one.
func (ds *Dataset) computeDefaults() {
	for _, class := range defaultClasses {
		var gwp, share, emb, life []float64
		for i := range ds.Products {
			p := &ds.Products[i]
			if p.class == "" || (class != "other" && p.class != class) {
				continue
			}
			gwp = append(gwp, p.GWPTotalKg)
			if p.ShareBasis != ShareMedian {
				share = append(share, p.EmbodiedShare)
				emb = append(emb, p.EmbodiedKg())
			}
			if p.LifetimeYears > 0 {
				life = append(life, p.LifetimeYears)
			}
		}
		if len(gwp) == 0 {
			continue
		}
		d := ClassDefault{Class: class, Products: len(gwp)}
		g, _ := stats.Mid(gwp)
		sh, _ := stats.Mid(share)
		e, _ := stats.Mid(emb)
		l, _ := stats.Mid(life)
		d.GWPTotalKg, d.EmbodiedShare, d.EmbodiedKg, d.LifetimeYears = round1(g), round3(sh), round1(e), round1(l)
		ds.defaults[class] = d
	}
}

// Default returns the fallback of a fleet class; an unknown class (or one
// the data set has no products of) gets "other", every computer.
func (ds *Dataset) Default(class string) ClassDefault {
	if d, ok := ds.defaults[class]; ok {
		return d
	}
	return ds.defaults["other"]
}

// Defaults lists every class default, in defaultClasses order.
func (ds *Dataset) Defaults() []ClassDefault {
	out := make([]ClassDefault, 0, len(defaultClasses))
	for _, c := range defaultClasses {
		if d, ok := ds.defaults[c]; ok {
			out = append(out, d)
		}
	}
	return out
}

// HasClass reports whether class has its own default.
func (ds *Dataset) HasClass(class string) bool {
	_, ok := ds.defaults[class]
	return ok
}

// findProduct looks a product up by name (compared without case and
// punctuation), restricted to a manufacturer when vendor is not "". It
// returns the matching indexes.
func (ds *Dataset) findProduct(vendor, name string) []int {
	want := compact(name)
	var out []int
	for i := range ds.Products {
		p := &ds.Products[i]
		if vendor != "" && p.vendor != vendor {
			continue
		}
		if p.compactName == want || p.compactFull == want {
			out = append(out, i)
		}
	}
	sort.Ints(out)
	return out
}
