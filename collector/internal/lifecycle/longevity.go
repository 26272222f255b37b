package lifecycle

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/stats"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// Longevity is the longevity section of the yearly report (JSON
// "longevity"). Fleet figures cover the hardware that reported in the
// window (the report's last year, up to as_of); service life covers the
// hardware retired within the report's years; certifications cover every
// purchase year up to the report's last.
type Longevity struct {
	AsOf                 string  `json:"as_of"`
	WindowFrom           string  `json:"window_from"`
	PlannedLife          float64 `json:"planned_life_years"`
	Hardware             int     `json:"hardware"` // serials that reported in the window
	DeviceIDs            int     `json:"device_ids"`
	DevicesWithoutSerial int     `json:"devices_without_serial"`

	RoundsDistribution []RoundsN `json:"rounds_distribution"`
	MeanRounds         *float64  `json:"mean_rounds"`
	SecondRound        int       `json:"in_second_round"`
	SecondRoundPct     *float64  `json:"in_second_round_pct"`
	ThirdRound         int       `json:"in_third_round_or_later"`
	ThirdRoundPct      *float64  `json:"in_third_round_or_later_pct"`

	Retired                 int         `json:"retired"`
	RetiredSoldForReuse     int         `json:"retired_sold_for_reuse"` // … of which sold for reuse (the rest recycled)
	RetiredRecycled         int         `json:"retired_recycled"`
	RetiredFromPurchase     int         `json:"service_life_from_purchase"`   // … of which counted from the purchase date
	RetiredFromFirstSeen    int         `json:"service_life_from_first_seen"` // … from the first report instead
	MedianServiceLife       *float64    `json:"median_service_life_years"`
	ServiceLifeDistribution []Bucket    `json:"service_life_distribution"`
	ServiceLifeByModel      []LifeGroup `json:"service_life_by_model"`
	ServiceLifeByClass      []LifeGroup `json:"service_life_by_class"`
	Certifications          []CertYear  `json:"certifications_by_purchase_year"`
	BatteryHealthByAge      []AgeHealth `json:"battery_health_by_age"`
	BatteriesReplaced       int         `json:"batteries_replaced"`
	HardwareBatteryReplaced int         `json:"hardware_with_battery_replaced"`
	PastPlannedLife         int         `json:"past_planned_life"`
	ReuseCandidates         int         `json:"reuse_candidates"` // past planned life, batteries ≥ 80 %
	ReuseCandidateList      []Candidate `json:"reuse_candidate_list"`
	InventoryItems          int         `json:"inventory_items"`
	MissingFromInventory    []string    `json:"reporting_not_in_inventory"` // serials
	NeverReported           []NotSeen   `json:"in_inventory_never_reported"`
}

// RoundsN is how many hardware items went through Rounds rounds (the
// last row counts that many or more).
type RoundsN struct {
	Label    string `json:"label"`
	Rounds   int    `json:"rounds"`
	Hardware int    `json:"hardware"`
}

// Bucket is one bar of the service-life distribution, [From, To) years.
type Bucket = stats.Bucket

// LifeGroup is the service life of retired hardware of one model or class.
type LifeGroup struct {
	Name        string   `json:"name"`
	Retired     int      `json:"retired"`
	MedianYears *float64 `json:"median_years"`
}

// CertYear is the share of one year's purchases with each certification.
type CertYear struct {
	Year          int            `json:"year"`
	Purchases     int            `json:"purchases"`
	EnergyStar    int            `json:"energy_star"`
	EnergyStarPct *float64       `json:"energy_star_pct"`
	TCO           int            `json:"tco_certified"`
	TCOPct        *float64       `json:"tco_certified_pct"`
	TCOGeneration map[string]int `json:"tco_generations,omitempty"`
	EPEAT         int            `json:"epeat"`
	EPEATPct      *float64       `json:"epeat_pct"`
	EPEATTiers    map[string]int `json:"epeat_tiers,omitempty"`
}

// AgeHealth is the battery health of the fleet hardware of one age
// bracket, [From, To) years from purchase (else first report).
type AgeHealth struct {
	Label           string   `json:"label"`
	From            *float64 `json:"from"`
	To              *float64 `json:"to"`
	Hardware        int      `json:"hardware"` // with battery data
	MedianHealthPct *float64 `json:"median_health_pct"`
	Below80         int      `json:"below_80_pct"` // batteries below HealthyBatteryPct
}

func ageBuckets() []AgeHealth {
	bs := stats.Buckets([]float64{1, 2, 3, 4, 5, 6}, []string{"0–1", "1–2", "2–3", "3–4", "4–5", "5–6", "6+"})
	out := make([]AgeHealth, len(bs))
	for i, b := range bs {
		out[i] = AgeHealth{Label: b.Label, From: b.From, To: b.To}
	}
	return out
}

// Candidate is hardware past its planned life whose batteries are healthy.
type Candidate struct {
	Serial        string   `json:"serial"`
	Model         string   `json:"model"`
	AgeYears      float64  `json:"age_years"`
	Round         int      `json:"round"`
	BatteryHealth *float64 `json:"battery_health_pct"`
}

// NotSeen is an inventory item that never reported.
type NotSeen struct {
	Serial string `json:"serial"`
	Model  string `json:"model,omitempty"`
	Status string `json:"status,omitempty"`
}

func fp(v float64) *float64 { return &v }

func pct(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	return fp(round1(float64(n) / float64(of) * 100))
}

func lifeBuckets() []Bucket {
	return stats.Buckets([]float64{2, 3, 4, 5, 6, 8}, []string{"0–2", "2–3", "3–4", "4–5", "5–6", "6–8", "8+"})
}

// Build computes the longevity figures for the report years from..to, as
// of the end of year to (or now, if earlier).
func Build(ctx context.Context, q Querier, from, to int, plannedLife float64, now time.Time) (*Longevity, error) {
	now = now.UTC()
	start := time.Date(to, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(1, 0, 0)
	if now.Before(end) {
		end = now
	}
	items, err := LoadInventory(ctx, q)
	if err != nil {
		return nil, err
	}
	hw, noSerial, err := Derive(ctx, q, end, items)
	if err != nil {
		return nil, err
	}
	return Compute(hw, noSerial, len(items), from, to, plannedLife, start, end), nil
}

// Compute turns derived hardware into the longevity figures; window is
// [start, end) for the fleet figures, and retirements count within the
// years from..to.
func Compute(hw []*Hardware, noSerial, inventoryItems, from, to int, plannedLife float64, start, end time.Time) *Longevity {
	l := &Longevity{AsOf: end.Add(-time.Nanosecond).Format(time.DateOnly), WindowFrom: start.Format(time.DateOnly), PlannedLife: plannedLife,
		DevicesWithoutSerial: noSerial, InventoryItems: inventoryItems,
		RoundsDistribution:      []RoundsN{{"1", 1, 0}, {"2", 2, 0}, {"3", 3, 0}, {"4+", 4, 0}},
		ServiceLifeDistribution: lifeBuckets(), ServiceLifeByModel: []LifeGroup{}, ServiceLifeByClass: []LifeGroup{},
		Certifications: []CertYear{}, ReuseCandidateList: []Candidate{}, MissingFromInventory: []string{}, NeverReported: []NotSeen{},
		BatteryHealthByAge: ageBuckets()}
	healthByAge := make([][]float64, len(l.BatteryHealthByAge))
	retireFrom := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC)
	var rounds, lives []float64
	byModel, byClass := map[string][]float64{}, map[string][]float64{}
	certs := map[int]*CertYear{}
	for _, h := range hw {
		if it := h.Inventory; it != nil && !it.Purchased.IsZero() && it.Purchased.Year() <= to {
			c := certs[it.Purchased.Year()]
			if c == nil {
				c = &CertYear{Year: it.Purchased.Year()}
				certs[c.Year] = c
			}
			c.Purchases++
			if it.EnergyStar != nil && *it.EnergyStar {
				c.EnergyStar++
			}
			if it.TCO != nil && *it.TCO {
				c.TCO++
				if it.TCOGeneration != "" {
					if c.TCOGeneration == nil {
						c.TCOGeneration = map[string]int{}
					}
					c.TCOGeneration[it.TCOGeneration]++
				}
			}
			if it.EPEAT != nil && *it.EPEAT {
				c.EPEAT++
				if it.EPEATTier != "" {
					if c.EPEATTiers == nil {
						c.EPEATTiers = map[string]int{}
					}
					c.EPEATTiers[it.EPEATTier]++
				}
			}
		}
		retiredAt, retired := h.Retired()
		if retired && !retiredAt.Before(retireFrom) && retiredAt.Before(end) {
			if born, fromPurchase, ok := h.Born(); ok && !born.After(retiredAt) {
				life := yearsBetween(born, retiredAt)
				l.Retired++
				if h.Inventory.Status == StatusSoldForReuse {
					l.RetiredSoldForReuse++
				} else {
					l.RetiredRecycled++
				}
				if fromPurchase {
					l.RetiredFromPurchase++
				} else {
					l.RetiredFromFirstSeen++
				}
				lives = append(lives, life)
				stats.Add(l.ServiceLifeDistribution, life)
				byModel[h.ModelName()] = append(byModel[h.ModelName()], life)
				byClass[h.Class()] = append(byClass[h.Class()], life)
			}
		}
		if h.FirstSeen.IsZero() {
			if h.Inventory != nil && !retired {
				l.NeverReported = append(l.NeverReported, NotSeen{Serial: h.Serial, Model: h.ModelName(), Status: string(h.Inventory.Status)})
			}
			continue
		}
		if h.LastSeen.Before(start) {
			continue // not in the window
		}
		l.Hardware++
		l.DeviceIDs += len(h.DeviceIDs)
		n := len(h.Rounds)
		rounds = append(rounds, float64(n))
		l.RoundsDistribution[min(n, 4)-1].Hardware++
		switch {
		case n == 2:
			l.SecondRound++
		case n >= 3:
			l.ThirdRound++
		}
		if h.BatteriesReplaced > 0 {
			l.BatteriesReplaced += h.BatteriesReplaced
			l.HardwareBatteryReplaced++
		}
		if h.Inventory == nil && inventoryItems > 0 {
			l.MissingFromInventory = append(l.MissingFromInventory, h.Serial)
		}
		if born, _, ok := h.Born(); ok && !retired {
			age := yearsBetween(born, end)
			if h.BatteryHealth != nil {
				for i, b := range l.BatteryHealthByAge {
					if (b.From == nil || age >= *b.From) && (b.To == nil || age < *b.To) {
						healthByAge[i] = append(healthByAge[i], *h.BatteryHealth)
						l.BatteryHealthByAge[i].Hardware++
						if *h.BatteryHealth < HealthyBatteryPct {
							l.BatteryHealthByAge[i].Below80++
						}
						break
					}
				}
			}
			if age > plannedLife {
				l.PastPlannedLife++
				if h.BatteryHealth == nil || *h.BatteryHealth >= HealthyBatteryPct {
					l.ReuseCandidates++
					l.ReuseCandidateList = append(l.ReuseCandidateList, Candidate{Serial: h.Serial, Model: h.ModelName(), AgeYears: round1(age), Round: n, BatteryHealth: h.BatteryHealth})
				}
			}
		}
	}
	if len(rounds) > 0 {
		sum := 0.0
		for _, r := range rounds {
			sum += r
		}
		l.MeanRounds = fp(round1(sum / float64(len(rounds))))
	}
	l.SecondRoundPct = pct(l.SecondRound, l.Hardware)
	l.ThirdRoundPct = pct(l.ThirdRound, l.Hardware)
	l.MedianServiceLife = stats.Median(lives)
	for i, hs := range healthByAge {
		l.BatteryHealthByAge[i].MedianHealthPct = stats.Median(hs)
	}
	l.ServiceLifeByModel = groups(byModel)
	l.ServiceLifeByClass = groups(byClass)
	for _, c := range certs {
		c.EnergyStarPct, c.TCOPct, c.EPEATPct = pct(c.EnergyStar, c.Purchases), pct(c.TCO, c.Purchases), pct(c.EPEAT, c.Purchases)
		l.Certifications = append(l.Certifications, *c)
	}
	sort.Slice(l.Certifications, func(i, j int) bool { return l.Certifications[i].Year < l.Certifications[j].Year })
	return l
}

func groups(m map[string][]float64) []LifeGroup {
	out := make([]LifeGroup, 0, len(m))
	for k, v := range m {
		out = append(out, LifeGroup{Name: k, Retired: len(v), MedianYears: stats.Median(v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Update recomputes the derived measurements the Lifecycle dashboard reads,
// as of now: one hardware point per serial (time = 00:00 UTC of now's day,
// so a day's later update overwrites the day's point) and one
// procurement_yearly point per purchase year. It returns the points written.
func Update(ctx context.Context, q Querier, w Writer, plannedLife float64, now time.Time) (int, error) {
	now = now.UTC()
	items, err := LoadInventory(ctx, q)
	if err != nil {
		return 0, err
	}
	hw, _, err := Derive(ctx, q, now.Add(time.Second), items)
	if err != nil {
		return 0, err
	}
	points, skipped := hardwarePoints(hw, plannedLife, now)
	written := len(points)
	if len(points) > 0 {
		if err := w.Write(ctx, points); err != nil {
			pe, ok := influx.AsPartial(err)
			if !ok {
				return 0, fmt.Errorf("lifecycle: write derived points: %w", err)
			}
			written, skipped = pe.Written, append(skipped, pe.Refused...)
		}
	}
	if len(skipped) > 0 {
		// One bad serial (stored by an older collector) costs its own
		// point, not the fleet's: the rest is written, the bad is named.
		return written, fmt.Errorf("lifecycle: %w", &influx.PartialError{Written: written, Refused: skipped})
	}
	return written, nil
}

// HardwarePoints builds the hardware and procurement_yearly points.
// Hardware whose serial breaks the value rules (schema.CheckSerial) is
// left out.
func HardwarePoints(hw []*Hardware, plannedLife float64, now time.Time) []influx.Point {
	points, _ := hardwarePoints(hw, plannedLife, now)
	return points
}

func hardwarePoints(hw []*Hardware, plannedLife float64, now time.Time) (out []influx.Point, skipped []influx.Refused) {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	fleetSince := now.AddDate(-1, 0, 0)
	for _, h := range hw {
		if err := schema.CheckSerial(h.Serial); err != nil {
			skipped = append(skipped, influx.Refused{Line: schema.Hardware + " of devices " + strings.Join(h.DeviceIDs, ", "), Reason: err.Error()})
			continue
		}
		retiredAt, retired := h.Retired()
		n := len(h.Rounds)
		f := map[string]any{
			"rounds":             int64(n),
			"device_ids":         int64(len(h.DeviceIDs)),
			"in_inventory":       b2i(h.Inventory != nil),
			"reports":            b2i(!h.FirstSeen.IsZero()),
			"retired":            b2i(retired),
			"second_round":       b2i(n == 2),
			"third_round":        b2i(n >= 3),
			"batteries_replaced": int64(h.BatteriesReplaced),
			"model":              h.ModelName(),
			"in_fleet":           b2i(!retired && !h.LastSeen.IsZero() && !h.LastSeen.Before(fleetSince)),
		}
		if h.Manufacturer != "" {
			f["manufacturer"] = h.Manufacturer
		} else if h.Inventory != nil && h.Inventory.Manufacturer != "" {
			f["manufacturer"] = h.Inventory.Manufacturer
		}
		if !h.FirstSeen.IsZero() {
			f["first_seen"], f["last_seen"] = h.FirstSeen.Unix(), h.LastSeen.Unix()
		}
		if h.Inventory != nil && h.Inventory.Status != "" {
			f["status"] = string(h.Inventory.Status)
		}
		if h.BatteryHealth != nil {
			f["battery_health_pct"] = *h.BatteryHealth
		}
		candidate := false
		if born, _, ok := h.Born(); ok {
			if retired {
				f["service_life_years"] = round1(yearsBetween(born, retiredAt))
			} else {
				age := yearsBetween(born, now)
				f["age_years"] = round1(age)
				past := age > plannedLife
				f["past_planned_life"] = b2i(past)
				candidate = past && (h.BatteryHealth == nil || *h.BatteryHealth >= HealthyBatteryPct) && !h.FirstSeen.IsZero()
			}
		}
		f["reuse_candidate"] = b2i(candidate)
		out = append(out, influx.Point{Measurement: schema.Hardware, Tags: map[string]string{"serial": h.Serial, "class": h.Class()}, Fields: f, Time: day})
	}
	l := Compute(hw, 0, 0, 2000, now.Year(), plannedLife, day, now)
	for _, c := range l.Certifications {
		f := map[string]any{"purchases": int64(c.Purchases), "energy_star": int64(c.EnergyStar), "tco_certified": int64(c.TCO), "epeat": int64(c.EPEAT)}
		for k, p := range map[string]*float64{"energy_star_pct": c.EnergyStarPct, "tco_certified_pct": c.TCOPct, "epeat_pct": c.EPEATPct} {
			if p != nil {
				f[k] = *p
			}
		}
		out = append(out, influx.Point{Measurement: schema.ProcurementYearly, Fields: f, Time: time.Date(c.Year, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	return out, skipped
}

// DefaultPlannedLife is the planned life in years when none is given.
const DefaultPlannedLife = 5.0
