package carbon

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

// Factor is one of the analyst's travel factors, with where it comes from.
// A NaN value is one that was not set (Validate says so).
type Factor struct {
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Source string  `json:"source"`
}

// Travel holds the analyst's factors for the travel estimate.
type Travel struct {
	ShareReplacingTrip Factor `json:"share_of_meetings_replacing_a_trip"`
	KmPerTrip          Factor `json:"km_per_trip"`
	KgCO2ePerKm        Factor `json:"kg_co2e_per_km"`
}

// Validate checks ranges and that every factor names its source.
func (t *Travel) Validate() error {
	var errs []error
	for _, f := range []struct {
		name    string
		f       Factor
		lo, hi  float64
		meaning string
	}{
		{"share_of_meetings_replacing_a_trip", t.ShareReplacingTrip, 0, 1, "a share above 0 and at most 1"},
		{"km_per_trip", t.KmPerTrip, 0, 40075, "km above 0 and at most 40075"},
		{"kg_co2e_per_km", t.KgCO2ePerKm, 0, 5, "kg CO2e per km above 0 and at most 5"},
	} {
		if math.IsNaN(f.f.Value) {
			errs = append(errs, fmt.Errorf("carbon.travel.%s.value is not set", f.name))
		} else if f.f.Value <= f.lo || f.f.Value > f.hi {
			errs = append(errs, fmt.Errorf("carbon.travel.%s.value %v: expected %s", f.name, f.f.Value, f.meaning))
		}
		if f.f.Source == "" {
			errs = append(errs, fmt.Errorf("carbon.travel.%s.source is empty: every factor needs its source", f.name))
		}
	}
	return errors.Join(errs...)
}

// TravelNote says what the travel figure is, wherever it is printed.
const TravelNote = "Estimate from the analyst's factors, not measured; not part of the embodied or avoided totals."

// TravelEstimate is the travel that remote meetings may have replaced:
// meetings × share replacing a trip × km per trip × kg CO2e per km. It is
// an estimate from the analyst's factors and never part of the measured
// totals.
type TravelEstimate struct {
	Estimate bool         `json:"estimate"` // always true
	Note     string       `json:"note"`
	Factors  Travel       `json:"factors"`
	Years    []TravelYear `json:"years"`
}

// TravelYear is one year's travel estimate.
type TravelYear struct {
	Year            int     `json:"year"`
	Meetings        int64   `json:"meetings"`
	TripsReplaced   float64 `json:"trips_replaced"`
	Km              float64 `json:"km"`
	EstimatedKgCO2e float64 `json:"estimated_kg_co2e"`
}

// EstimateTravel applies the factors to the meetings of each year from..to
// (every platform, the meetings report's counts). nil factors: nil.
func EstimateTravel(t *Travel, days []meetings.Daily, from, to int) *TravelEstimate {
	if t == nil {
		return nil
	}
	per := map[int]int64{}
	for _, d := range days {
		if y := d.Day.Year(); y >= from && y <= to {
			per[y] += d.Meetings
		}
	}
	te := &TravelEstimate{Estimate: true, Note: TravelNote, Factors: *t, Years: []TravelYear{}}
	te.Factors.ShareReplacingTrip.Unit, te.Factors.KmPerTrip.Unit, te.Factors.KgCO2ePerKm.Unit = "share of meetings", "km", "kg CO2e/km"
	for y, n := range per {
		trips := float64(n) * t.ShareReplacingTrip.Value
		km := trips * t.KmPerTrip.Value
		te.Years = append(te.Years, TravelYear{Year: y, Meetings: n, TripsReplaced: round1(trips), Km: round1(km), EstimatedKgCO2e: round1(km * t.KgCO2ePerKm.Value)})
	}
	sort.Slice(te.Years, func(i, j int) bool { return te.Years[i].Year < te.Years[j].Year })
	return te
}
