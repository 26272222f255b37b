package config

import (
	"errors"
	"fmt"
	"math"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
)

// CarbonConfig sets how embodied emissions and the optional travel
// estimate are computed (docs/carbon.md).
type CarbonConfig struct {
	// BaselineYears is the baseline life where the manufacturer states
	// none (or for every device, with baseline_from_manufacturer false).
	BaselineYears float64 `yaml:"baseline_years"`
	// BaselineFromManufacturer takes the baseline from the matched
	// product's lifetime when the data set has one.
	BaselineFromManufacturer bool `yaml:"baseline_from_manufacturer"`
	// OverridesFile maps fleet models to products (CSV: manufacturer,
	// model, product, …); checked at start-up.
	OverridesFile string `yaml:"overrides_file"`
	// Travel turns on the travel estimate; without it there is no figure.
	Travel *TravelConfig `yaml:"travel"`
}

// TravelConfig holds the analyst's travel factors, each with its source.
type TravelConfig struct {
	ShareReplacingTrip TravelFactor `yaml:"share_of_meetings_replacing_a_trip"`
	KmPerTrip          TravelFactor `yaml:"km_per_trip"`
	KgCO2ePerKm        TravelFactor `yaml:"kg_co2e_per_km"`
}

// TravelFactor is one factor and where it comes from.
type TravelFactor struct {
	Value  *float64 `yaml:"value"`
	Source string   `yaml:"source"`
}

func carbonDefaults() CarbonConfig {
	return CarbonConfig{BaselineYears: carbon.DefaultBaselineYears, BaselineFromManufacturer: true}
}

// Validate checks the carbon settings, the override file (every bad row
// named FILE:LINE:COLUMN) and the travel factors, listing every problem.
func (c CarbonConfig) Validate() error {
	_, err := c.Options()
	return err
}

// Options turns the settings into carbon.Options, reading and checking
// the override file against the shipped data set.
func (c CarbonConfig) Options() (carbon.Options, error) {
	var errs []error
	opts := carbon.Options{BaselineYears: c.BaselineYears, BaselineFromManufacturer: c.BaselineFromManufacturer}
	if c.BaselineYears < 0.5 || c.BaselineYears > 30 {
		errs = append(errs, fmt.Errorf("carbon.baseline_years %v is outside 0.5..30", c.BaselineYears))
	}
	if c.OverridesFile != "" {
		ds, err := carbon.Embedded()
		if err != nil {
			return opts, err
		}
		if opts.Overrides, err = carbon.LoadOverrides(c.OverridesFile, ds); err != nil {
			errs = append(errs, fmt.Errorf("carbon.overrides_file: %w", err))
		}
	}
	if t := c.Travel; t != nil {
		factor := func(f TravelFactor) carbon.Factor {
			if f.Value == nil {
				return carbon.Factor{Value: math.NaN(), Source: f.Source} // Validate: not set
			}
			return carbon.Factor{Value: *f.Value, Source: f.Source}
		}
		opts.Travel = &carbon.Travel{
			ShareReplacingTrip: factor(t.ShareReplacingTrip),
			KmPerTrip:          factor(t.KmPerTrip),
			KgCO2ePerKm:        factor(t.KgCO2ePerKm),
		}
		if err := opts.Travel.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return opts, errors.Join(errs...)
}
