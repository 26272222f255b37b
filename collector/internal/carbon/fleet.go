package carbon

import (
	"math"
	"sort"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
)

// DefaultBaselineYears is the baseline life when neither the manufacturer
// nor the configuration gives one: the example and the data set's
// median laptop lifetime.
const DefaultBaselineYears = 4.0

// quietAfter: hardware that has not reported for this long and was not
// retired in the inventory counts as in service until its last report.
const quietAfter = 365 * 24 * time.Hour

// minRateLife: a per-device rate (kg per year of service) is given only
// for service lives at least this long; shorter ones make meaningless rates.
const minRateLife = 30 * 24 * time.Hour

// Options configure the carbon figures (config: carbon.*).
type Options struct {
	// BaselineYears is the baseline life where the manufacturer states
	// none, or for every device when BaselineFromManufacturer is false.
	BaselineYears float64
	// BaselineFromManufacturer takes the baseline from the matched
	// product's lifetime when it has one.
	BaselineFromManufacturer bool
	// Overrides is the analyst's override file (nil: none).
	Overrides *Overrides
	// Travel holds the analyst's travel factors; nil: no travel estimate.
	Travel *Travel
}

func (o Options) baselineYears() float64 {
	if o.BaselineYears > 0 {
		return o.BaselineYears
	}
	return DefaultBaselineYears
}

// Device is one piece of hardware's embodied emissions over its service
// life, as of a date.
type Device struct {
	Serial       string
	Manufacturer string // as the fleet spells it
	Model        string // the model name the footprint was found with
	Class        string
	Footprint    Footprint
	// Start is the purchase date, else the first report; End the
	// retirement date, else the as-of date (or the last report of
	// hardware that went quiet without being retired).
	Start, End        time.Time
	StartFromPurchase bool
	Retired           bool // retired in the inventory by the as-of date
	Quiet             bool // not retired, no report for a year before the as-of date
	BaselineYears     float64
}

// ServiceLifeYears is the service life so far, in years of 365.2425 days.
func (d *Device) ServiceLifeYears() float64 { return yearsBetween(d.Start, d.End) }

// EmbodiedKgPerYear is the embodied CO2e divided by the service life so
// far; ok is false for lives under 30 days.
func (d *Device) EmbodiedKgPerYear() (float64, bool) {
	if d.End.Sub(d.Start) < minRateLife {
		return 0, false
	}
	return d.Footprint.EmbodiedKg / d.ServiceLifeYears(), true
}

// AvoidedKg is embodied × (service life ÷ baseline − 1): what a life
// longer than the baseline saved in hardware not bought (negative: the
// extra a shorter life caused). It counts for retired hardware.
func (d *Device) AvoidedKg() float64 {
	return d.Footprint.EmbodiedKg * (d.ServiceLifeYears()/d.BaselineYears - 1)
}

// LearnFromHardware lets the matcher resolve Lenovo machine types that
// Windows reports as the model through the inventory's model names of the
// same hardware.
func (m *Matcher) LearnFromHardware(hw []*lifecycle.Hardware) {
	pairs := map[string]map[string]int{}
	for _, h := range hw {
		if h.Inventory == nil || h.Inventory.Model == "" {
			continue
		}
		v := vendorKey(h.Manufacturer)
		if v == "" {
			v = vendorKey(h.Inventory.Manufacturer)
		}
		mt := machineType(v, h.Model)
		if mt == "" || machineType(v, h.Inventory.Model) != "" {
			continue
		}
		if pairs[mt] == nil {
			pairs[mt] = map[string]int{}
		}
		pairs[mt][h.Inventory.Model]++
	}
	m.Learn(pairs)
}

// modelCandidates are the (manufacturer, model) names of a piece of
// hardware, the inventory's first.
func modelCandidates(h *lifecycle.Hardware) [][2]string {
	var out [][2]string
	it := h.Inventory
	if it != nil && it.Model != "" {
		out = append(out, [2]string{firstNonEmpty(it.Manufacturer, h.Manufacturer), it.Model})
	}
	if h.Model != "" {
		mfr := h.Manufacturer
		if mfr == "" && it != nil {
			mfr = it.Manufacturer
		}
		out = append(out, [2]string{mfr, h.Model})
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// resolve picks the footprint of a piece of hardware: the first of its
// names that matches, else the class default under its first name.
func (m *Matcher) resolve(h *lifecycle.Hardware) (mfr, model, class string, fp Footprint) {
	class = h.Class()
	cands := modelCandidates(h)
	var mt Match
	found := false
	for _, c := range cands {
		if mt = m.Match(c[0], c[1]); mt.Kind != KindNone {
			mfr, model, found = c[0], c[1], true
			break
		}
	}
	if !found {
		mt = Match{Kind: KindNone, Rule: "no model known"}
		if len(cands) > 0 {
			mfr, model = cands[0][0], cands[0][1]
			mt = m.Match(mfr, model)
		} else {
			model = "unknown"
		}
	}
	if mt.Via != "" {
		model = mt.Via
	}
	if (class == "unknown" || class == "") && mt.Product != nil && mt.Product.class != "" {
		class = mt.Product.class
	}
	return mfr, model, class, m.footprintOf(mt, class)
}

// Assess follows every piece of hardware to asOf. Hardware with neither a
// purchase date nor a report, or retired before it started, is counted in
// undated and left out; hardware that starts after asOf is left out.
func Assess(hw []*lifecycle.Hardware, m *Matcher, opts Options, asOf time.Time) (devs []Device, undated int) {
	m.LearnFromHardware(hw)
	devs = make([]Device, 0, len(hw))
	for _, h := range hw {
		start, fromPurchase, ok := h.Born()
		if !ok {
			undated++
			continue
		}
		if start.After(asOf) {
			continue
		}
		d := Device{Serial: h.Serial, Start: start, StartFromPurchase: fromPurchase, End: asOf}
		d.Manufacturer, d.Model, d.Class, d.Footprint = m.resolve(h)
		if t, retired := h.Retired(); retired && !t.After(asOf) {
			if t.Before(start) {
				undated++
				continue
			}
			d.Retired, d.End = true, t
		} else if !h.LastSeen.IsZero() && asOf.Sub(h.LastSeen) > quietAfter {
			d.Quiet, d.End = true, h.LastSeen
		}
		d.BaselineYears = opts.baselineYears()
		if opts.BaselineFromManufacturer && d.Footprint.LifetimeYears > 0 {
			d.BaselineYears = d.Footprint.LifetimeYears
		}
		devs = append(devs, d)
	}
	sort.Slice(devs, func(i, j int) bool { return devs[i].Serial < devs[j].Serial })
	return devs, undated
}

// Figures are one year's embodied and avoided emissions of a group of
// hardware (the fleet, a class, a model).
type Figures struct {
	// Devices counts hardware in service at some time in the year.
	Devices int `json:"devices"`
	// DeviceYears is the time in service within the year, summed.
	DeviceYears float64 `json:"device_years"`
	// EmbodiedKg is the embodied CO2e attributed to the year: each
	// device's embodied CO2e × its time in service in the year ÷ its
	// service life so far.
	EmbodiedKg float64 `json:"embodied_kg"`
	// EmbodiedKgPerDeviceYear is EmbodiedKg ÷ DeviceYears (null: none).
	EmbodiedKgPerDeviceYear *float64 `json:"embodied_kg_per_device_year"`
	// Retired counts hardware retired in the year; the avoided figures
	// are theirs: embodied × (service life ÷ baseline − 1), summed (net),
	// and split into lives longer and shorter than the baseline.
	Retired                int     `json:"retired"`
	AvoidedKg              float64 `json:"avoided_kg"`
	AvoidedByLongerLivesKg float64 `json:"avoided_by_longer_lives_kg"`
	ExtraByShorterLivesKg  float64 `json:"extra_by_shorter_lives_kg"`
}

func (f *Figures) add(d *Device, y0, y1 time.Time) {
	from, to := d.Start, d.End
	if from.Before(y0) {
		from = y0
	}
	if to.After(y1) {
		to = y1
	}
	if to.After(from) {
		overlap := yearsBetween(from, to)
		f.Devices++
		f.DeviceYears += overlap
		if life := d.ServiceLifeYears(); life > 0 {
			f.EmbodiedKg += d.Footprint.EmbodiedKg * overlap / life
		}
	}
	if d.Retired && !d.End.Before(y0) && d.End.Before(y1) {
		f.Retired++
		a := d.AvoidedKg()
		f.AvoidedKg += a
		if a > 0 {
			f.AvoidedByLongerLivesKg += a
		} else {
			f.ExtraByShorterLivesKg -= a
		}
	}
}

func (f *Figures) empty() bool { return f.Devices == 0 && f.Retired == 0 }

func (f *Figures) finish() {
	if f.DeviceYears > 0 {
		v := round1(f.EmbodiedKg / f.DeviceYears)
		f.EmbodiedKgPerDeviceYear = &v
	}
	f.DeviceYears = round3(f.DeviceYears) // kept fine enough for sum(embodied_kg)/sum(device_years)
	f.EmbodiedKg = round1(f.EmbodiedKg)
	f.AvoidedKg = round1(f.AvoidedKg)
	f.AvoidedByLongerLivesKg = round1(f.AvoidedByLongerLivesKg)
	f.ExtraByShorterLivesKg = round1(f.ExtraByShorterLivesKg)
}

// ClassFigures are one device class's figures in a year.
type ClassFigures struct {
	Class string `json:"class"`
	Figures
}

// ModelFigures are one model's figures in a year, with its footprint.
type ModelFigures struct {
	Model               string  `json:"model"`
	Manufacturer        string  `json:"manufacturer,omitempty"`
	Class               string  `json:"class"`
	Match               Kind    `json:"match"`
	Product             *string `json:"product"`
	ProductManufacturer string  `json:"product_manufacturer,omitempty"`
	ClassDefault        *string `json:"class_default"`
	EmbodiedKgPerDevice float64 `json:"embodied_kg_per_device"`
	Figures
}

// Year is one calendar year's figures: the fleet, by class and by model.
type Year struct {
	Year int `json:"year"`
	Figures
	ByClass []ClassFigures `json:"by_class"`
	ByModel []ModelFigures `json:"by_model"`
}

// Years computes the figures of each calendar year from..to (UTC).
func Years(devs []Device, from, to int) []Year {
	out := []Year{}
	keys := make([]string, len(devs))
	for i := range devs {
		keys[i] = modelKey(devs[i].Manufacturer, devs[i].Model)
	}
	for y := from; y <= to; y++ {
		y0 := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		y1 := y0.AddDate(1, 0, 0)
		yr := Year{Year: y, ByClass: []ClassFigures{}, ByModel: []ModelFigures{}}
		classes := map[string]*ClassFigures{}
		models := map[string]*ModelFigures{}
		for i := range devs {
			d := &devs[i]
			yr.Figures.add(d, y0, y1)
			c := classes[d.Class]
			if c == nil {
				c = &ClassFigures{Class: d.Class}
				classes[d.Class] = c
			}
			c.add(d, y0, y1)
			mf := models[keys[i]]
			if mf == nil {
				mf = modelFigures(d)
				models[keys[i]] = mf
			}
			mf.add(d, y0, y1)
		}
		if yr.Figures.empty() {
			continue
		}
		yr.finish()
		for _, c := range classes {
			if !c.empty() {
				c.finish()
				yr.ByClass = append(yr.ByClass, *c)
			}
		}
		sort.Slice(yr.ByClass, func(i, j int) bool { return yr.ByClass[i].Class < yr.ByClass[j].Class })
		for _, mf := range models {
			if !mf.empty() {
				mf.finish()
				yr.ByModel = append(yr.ByModel, *mf)
			}
		}
		sort.Slice(yr.ByModel, func(i, j int) bool {
			if yr.ByModel[i].Model != yr.ByModel[j].Model {
				return yr.ByModel[i].Model < yr.ByModel[j].Model
			}
			return yr.ByModel[i].Manufacturer < yr.ByModel[j].Manufacturer
		})
		out = append(out, yr)
	}
	return out
}

func modelFigures(d *Device) *ModelFigures {
	fp := d.Footprint
	mf := &ModelFigures{Model: d.Model, Manufacturer: d.Manufacturer, Class: d.Class, Match: fp.Kind, EmbodiedKgPerDevice: round1(fp.EmbodiedKg)}
	if fp.Product != nil {
		name := fp.Product.Name
		mf.Product, mf.ProductManufacturer = &name, fp.Product.Manufacturer
	}
	if fp.ClassDefault != "" {
		c := fp.ClassDefault
		mf.ClassDefault = &c
	}
	return mf
}

func yearsBetween(a, b time.Time) float64 { return b.Sub(a).Hours() / (365.2425 * 24) }

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
