package report

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/devices"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/collector/internal/paper"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// Policy is the results document of the sustainable-IT policy, in the
// structure of the policy's action plan: one section per activity, each
// with the report year's figures and the year before for comparison
// (`report --template policy`). JSON keys per activity: reuse,
// procurement, social, longevity, meetings, printing, mail. Every figure
// is null where there is no data, never 0; every section names the
// measurements its figures come from.
type Policy struct {
	Template    string    `json:"template"` // "policy"
	From        int       `json:"from"`
	To          int       `json:"to"`
	Year        int       `json:"year"`          // the report year (= to)
	Previous    int       `json:"previous_year"` // the year compared with
	GeneratedAt time.Time `json:"generated_at"`

	Reuse       *PolicyReuse       `json:"reuse"`       // 1
	Procurement *PolicyProcurement `json:"procurement"` // 2
	Social      *PolicySocial      `json:"social"`      // 3
	Longevity   *PolicyLongevity   `json:"longevity"`   // 4
	Meetings    *PolicyMeetings    `json:"meetings"`    // 5
	Printing    *paper.Printing    `json:"printing"`    // 6
	Mail        *paper.Mail        `json:"mail"`        // 7
	// Carbon is the yearly report's carbon section for the document's
	// years, in the same shape: the documents print its embodied and
	// avoided CO2e under activity 4 and its travel estimate (only with
	// carbon.travel) under activity 5. Further sections are added here as
	// fields, in policySections (policy_html.go) and in docs/report.md.
	Carbon *carbon.Section `json:"carbon"`
}

// PolicyReuse is activity 1: hardware reused in a second and third round,
// retired hardware sold for reuse or recycled, and its service life; for
// the report year and the year before.
type PolicyReuse struct {
	Measurements []string    `json:"measurements"`
	Years        []ReuseYear `json:"years"`
}

// ReuseYear is one year of activity 1 (see lifecycle.Longevity). The
// round figures are null in a year no hardware reported, the retirement
// figures null without an inventory: not measured, rather than 0.
type ReuseYear struct {
	Year                   int      `json:"year"`
	Hardware               int      `json:"hardware"` // serials that reported in the year
	InSecondRound          *int64   `json:"in_second_round"`
	InSecondRoundPct       *float64 `json:"in_second_round_pct"`
	InThirdRoundOrLater    *int64   `json:"in_third_round_or_later"`
	InThirdRoundOrLaterPct *float64 `json:"in_third_round_or_later_pct"`
	Retired                *int64   `json:"retired"`
	RetiredSoldForReuse    *int64   `json:"retired_sold_for_reuse"`
	RetiredRecycled        *int64   `json:"retired_recycled"`
	MedianServiceLifeYears *float64 `json:"median_service_life_years"`
	InventoryItems         int      `json:"inventory_items"`
}

// PolicyProcurement is activity 2: the share of each purchase year's
// purchases with Energy Star, TCO Certified and EPEAT.
type PolicyProcurement struct {
	Measurements []string             `json:"measurements"`
	Years        []lifecycle.CertYear `json:"years"` // purchase years from..to with purchases
}

// PolicySocial is activity 3, which Kretslopp does not measure: the
// requirements are checked in procurement, not in measured data.
type PolicySocial struct {
	Measured bool   `json:"measured"` // always false
	Note     string `json:"note"`
}

// PolicyLongevity is activity 4: service life by device class and
// battery health by age; for the report year and the year before.
type PolicyLongevity struct {
	Measurements []string        `json:"measurements"`
	Years        []LongevityYear `json:"years"`
}

// LongevityYear is one year of activity 4. Battery figures are null in a
// year without battery data, the retirement figures without an inventory.
type LongevityYear struct {
	Year                   int                   `json:"year"`
	Retired                *int64                `json:"retired"`
	MedianServiceLifeYears *float64              `json:"median_service_life_years"`
	ServiceLifeByClass     []lifecycle.LifeGroup `json:"service_life_by_class"`
	BatteryHealthByAge     []lifecycle.AgeHealth `json:"battery_health_by_age"`
	Hardware               int                   `json:"hardware"` // serials that reported in the year
	HardwareWithBattery    int                   `json:"hardware_with_battery"`
	BatteriesBelow80       *int64                `json:"batteries_below_80_pct"`
	PlannedLifeYears       float64               `json:"planned_life_years"`
	PastPlannedLife        *int64                `json:"past_planned_life"`
	ReuseCandidates        *int64                `json:"reuse_candidates"`
}

// PolicyMeetings is activity 5: meetings per platform and year with growth.
type PolicyMeetings struct {
	Measurement string     `json:"measurement"`
	ByYear      []YearRow  `json:"by_year"`
	Totals      []TotalRow `json:"totals_by_year"`
	report      *MeetingsReport
}

// socialNote is the JSON note of activity 3 (the documents say it in
// both languages).
const socialNote = "Not measured by Kretslopp: the social-responsibility requirements (ILO core conventions, UN Convention on the Rights of the Child article 32, labour law of the country of manufacture) are checked in each procurement, not in measured data."

// BuildPolicy reads everything the results document needs for the
// calendar years from..to; to is the report year, and the year before it
// is always included for comparison.
func BuildPolicy(ctx context.Context, q devices.Querier, from, to int, opts Options) (*Policy, error) {
	if opts.PlannedLifeYears <= 0 {
		opts.PlannedLifeYears = lifecycle.DefaultPlannedLife
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if from > to {
		return nil, fmt.Errorf("report: --from %d is after --to %d", from, to)
	}
	from = min(from, to-1)
	now := opts.Now().UTC()
	p := &Policy{Template: "policy", From: from, To: to, Year: to, Previous: to - 1, GeneratedAt: now.Truncate(time.Second),
		Reuse:       &PolicyReuse{Measurements: []string{"device_daily", "inventory", "inventory_status"}, Years: []ReuseYear{}},
		Procurement: &PolicyProcurement{Measurements: []string{"inventory"}, Years: []lifecycle.CertYear{}},
		Social:      &PolicySocial{Measured: false, Note: socialNote},
		Longevity:   &PolicyLongevity{Measurements: []string{"inventory", "device_daily", "battery_daily"}, Years: []LongevityYear{}},
	}
	// Rounds and retirements need the whole hardware history derived as
	// of each year's end: done for the report year and the one before,
	// the two the document compares.
	for y := to - 1; y <= to; y++ {
		l, err := lifecycle.Build(ctx, q, y, y, opts.PlannedLifeYears, now)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		ry := ReuseYear{Year: y, Hardware: l.Hardware, InSecondRoundPct: l.SecondRoundPct, InThirdRoundOrLaterPct: l.ThirdRoundPct,
			MedianServiceLifeYears: l.MedianServiceLife, InventoryItems: l.InventoryItems}
		ly := LongevityYear{Year: y, MedianServiceLifeYears: l.MedianServiceLife, ServiceLifeByClass: l.ServiceLifeByClass,
			BatteryHealthByAge: l.BatteryHealthByAge, PlannedLifeYears: l.PlannedLife, Hardware: l.Hardware}
		if l.Hardware > 0 {
			ry.InSecondRound, ry.InThirdRoundOrLater = intp(l.SecondRound), intp(l.ThirdRound)
			ly.PastPlannedLife, ly.ReuseCandidates = intp(l.PastPlannedLife), intp(l.ReuseCandidates)
		}
		if l.InventoryItems > 0 {
			ry.Retired, ry.RetiredSoldForReuse, ry.RetiredRecycled = intp(l.Retired), intp(l.RetiredSoldForReuse), intp(l.RetiredRecycled)
			ly.Retired = intp(l.Retired)
		}
		below := 0
		for _, b := range l.BatteryHealthByAge {
			ly.HardwareWithBattery += b.Hardware
			below += b.Below80
		}
		if ly.HardwareWithBattery > 0 {
			ly.BatteriesBelow80 = intp(below)
		}
		p.Reuse.Years = append(p.Reuse.Years, ry)
		p.Longevity.Years = append(p.Longevity.Years, ly)
		if y == to { // purchases come from the inventory alone: every year from..to
			for _, c := range l.Certifications {
				if c.Year >= from {
					p.Procurement.Years = append(p.Procurement.Years, c)
				}
			}
		}
	}
	days, err := meetings.QueryDaily(ctx, q, from, to)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	mr := FromDaily(days, from, to)
	p.Meetings = &PolicyMeetings{Measurement: schema.Meetings, ByYear: mr.MeetingsByYear, Totals: mr.TotalsByYear, report: mr}
	if p.Printing, err = paper.BuildPrinting(ctx, q, from, to); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if p.Mail, err = paper.BuildMail(ctx, q, from, to); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if p.Carbon, err = carbon.Build(ctx, q, from, to, opts.Carbon, now); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return p, nil
}

// WritePolicyJSON writes the results document as one indented JSON object.
func WritePolicyJSON(w io.Writer, p *Policy) error { return writeJSON(w, p) }
