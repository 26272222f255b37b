package carbon

import (
	"context"
	"fmt"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

// Querier runs InfluxQL; *influx.Client is one.
type Querier = lifecycle.Querier

// Section is the yearly report's carbon section (JSON "carbon").
type Section struct {
	// AsOf is the date service lives run to: the end of the report's last
	// year, or today when that is earlier.
	AsOf    string      `json:"as_of"`
	Dataset DatasetInfo `json:"dataset"`
	Method  Method      `json:"method"`
	// Hardware counts the serials assessed; HardwareUndated those left out
	// for want of a purchase date or a report (or retired before their
	// first report). Years without hardware in service or retired are left
	// out.
	Hardware        int          `json:"hardware"`
	HardwareUndated int          `json:"hardware_undated"`
	Matches         map[Kind]int `json:"hardware_by_match"`
	Years           []Year       `json:"years"`
	// Travel is the travel estimate; null unless carbon.travel is set.
	Travel *TravelEstimate `json:"travel"`
}

// Method states the settings the figures depend on (docs/carbon.md has
// the method).
type Method struct {
	Embodied                 string         `json:"embodied"`
	BaselineYears            float64        `json:"baseline_years"`
	BaselineFromManufacturer bool           `json:"baseline_from_manufacturer"`
	Overrides                string         `json:"overrides_file,omitempty"`
	ClassDefaults            []ClassDefault `json:"class_defaults"`
	Document                 string         `json:"document"`
}

// Build reads what the carbon section of the years from..to needs (the
// inventory, the hardware lives and, with travel factors, the meetings) and
// computes it as of the end of year to, or now when that is earlier.
func Build(ctx context.Context, q Querier, from, to int, opts Options, now time.Time) (*Section, error) {
	if from > to {
		return nil, fmt.Errorf("carbon: from %d is after to %d", from, to)
	}
	ds, err := Embedded()
	if err != nil {
		return nil, err
	}
	asOf := time.Date(to+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if now = now.UTC(); now.Before(asOf) {
		asOf = now
	}
	items, err := lifecycle.LoadInventory(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("carbon: %w", err)
	}
	hw, _, err := lifecycle.Derive(ctx, q, asOf, items)
	if err != nil {
		return nil, fmt.Errorf("carbon: %w", err)
	}
	s := Compute(ds, hw, from, to, opts, asOf)
	if opts.Travel != nil {
		days, err := meetings.QueryDaily(ctx, q, from, to)
		if err != nil {
			return nil, fmt.Errorf("carbon: travel: %w", err)
		}
		s.Travel = EstimateTravel(opts.Travel, days, from, to)
	}
	return s, nil
}

// Compute is the carbon section of derived hardware, without travel.
func Compute(ds *Dataset, hw []*lifecycle.Hardware, from, to int, opts Options, asOf time.Time) *Section {
	m := NewMatcher(ds, opts.Overrides)
	devs, undated := Assess(hw, m, opts, asOf)
	s := &Section{AsOf: asOf.Add(-time.Nanosecond).Format(time.DateOnly), Dataset: ds.Info, Method: method(ds, opts),
		Hardware: len(devs), HardwareUndated: undated, Matches: map[Kind]int{KindExact: 0, KindRule: 0, KindOverride: 0, KindNone: 0},
		Years: Years(devs, from, min(to, asOf.Add(-time.Nanosecond).Year()))}
	for _, d := range devs {
		s.Matches[d.Footprint.Kind]++
	}
	return s
}

func method(ds *Dataset, opts Options) Method {
	m := Method{
		Embodied:                 "manufacturing + transport + end-of-life share of the product's gwp_total, spread over the service life so far (purchase or first report to retirement or the as-of date)",
		BaselineYears:            opts.baselineYears(),
		BaselineFromManufacturer: opts.BaselineFromManufacturer,
		ClassDefaults:            ds.Defaults(),
		Document:                 "docs/carbon.md",
	}
	if opts.Overrides != nil {
		m.Overrides = opts.Overrides.File
	}
	return m
}
