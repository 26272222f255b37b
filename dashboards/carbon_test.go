package dashboards_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/testkit"
)

// carbonModel is a row of `kretslopp-collector carbon models --json`: the
// footprint the collector found for a fleet model (docs/carbon.md).
type carbonModel struct {
	Manufacturer  string  `json:"manufacturer"`
	Model         string  `json:"model"`
	Class         string  `json:"class"`
	Match         string  `json:"match"`
	EmbodiedKg    float64 `json:"embodied_kg"`
	BaselineYears float64 `json:"baseline_years"`
}

// servedHardware is one serial's service life as docs/carbon.md defines
// it: from purchase (else the first report) to retirement (else now).
// Hardware without an inventory row starts on the day of its first
// report; startLate is the latest that start can be (first_seen is the
// last report of that UTC day).
type servedHardware struct {
	serial, model, class      string
	start, startLate, end     time.Time
	retired                   bool
	embodiedKg, baselineYears float64
}

const yearLen = 365.2425 * 24 * float64(time.Hour) // docs/carbon.md: years are 365.2425 days

func years(d time.Duration) float64 { return float64(d) / yearLen }

// fillCarbon runs `kretslopp-collector lifecycle --update` (as operators
// do daily; it writes carbon_hardware and carbon_yearly from the hardware
// lives and the shipped footprint data set), reads the footprints the
// collector matched with `carbon models --json`, and adds the figures the
// Carbon dashboard must show, calculated here from the inventory's dates
// and the fleet's first reports with docs/carbon.md's formulas.
func fillCarbon(t *testing.T, c *testkit.RunningCollector, db *testkit.DB, now time.Time, more checks) {
	t.Helper()
	if out := c.Run(t, "lifecycle", "--update"); !strings.Contains(out, "carbon_hardware/carbon_yearly points") {
		t.Fatalf("lifecycle --update wrote no carbon points:\n%s", out)
	}
	var models []carbonModel
	if err := json.Unmarshal([]byte(c.Run(t, "carbon", "models", "--json")), &models); err != nil {
		t.Fatal(err)
	}
	footprint := map[string]carbonModel{}
	for _, m := range models {
		footprint[m.Model] = m
	}

	var hw []servedHardware
	add := func(serial, model string, start, startLate, end time.Time, retired bool) {
		m, ok := footprint[model]
		if !ok {
			t.Fatalf("carbon models lists no %q: %+v", model, models)
		}
		hw = append(hw, servedHardware{serial, model, m.Class, start, startLate, end, retired, m.EmbodiedKg, m.BaselineYears})
	}
	inInventory := map[string]bool{}
	for _, it := range inventory(now) {
		inInventory[it.serial] = true
		end := now
		if it.retired() {
			end = it.statusDate
		}
		add(it.serial, it.model, it.purchased, it.purchased, end, it.retired())
	}
	for _, r := range reports(now) {
		serial := r.serial
		if inInventory[serial] {
			continue
		}
		inInventory[serial] = true // the first report is the earliest (reports are sorted)
		dayEnd := r.ts.Truncate(day).Add(day - time.Second)
		add(serial, r.model, r.ts, dayEnd, now, false)
	}

	// Retired hardware: avoided = embodied × (service life ÷ baseline − 1).
	var net, longer, shorter float64
	retiredIn := map[string][2]float64{} // 1 January of the year -> avoided by longer, extra by shorter
	avoidedBy := map[string]float64{}    // model -> net avoided
	retired := 0
	for _, h := range hw {
		if !h.retired {
			continue
		}
		retired++
		a := h.embodiedKg * (years(h.end.Sub(h.start))/h.baselineYears - 1)
		net += a
		avoidedBy[h.model] += a
		y := time.Date(h.end.Year(), 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
		r := retiredIn[y]
		if a > 0 {
			longer += a
			r[0] += a
		} else {
			shorter -= a
			r[1] -= a
		}
		retiredIn[y] = r
	}
	if longer == 0 || shorter == 0 {
		t.Fatalf("the fleet needs lives longer and shorter than the baseline: avoided %v, extra %v", longer, shorter)
	}

	// Over a range that holds every year of service, the embodied CO2e
	// attributed to the years adds up to each serial's embodied CO2e, and
	// the device-years to each service life: per device-year is their
	// ratio. The range is bounded by the starts of hardware without
	// inventory (the day of the first report).
	var embodied, lifeEarly, lifeLate float64
	for _, h := range hw {
		embodied += h.embodiedKg
		lifeEarly += years(h.end.Sub(h.start))
		lifeLate += years(h.end.Sub(h.startLate))
	}

	const uid = "kretslopp-carbon"
	firstIn := func(what string, lo, hi float64) check {
		return func(series []testkit.Series) string {
			got, ok := firstValue(series)
			if !ok || got < lo-0.05 || got > hi+0.05 {
				return fmt.Sprintf("%s = %v, want %.3f–%.3f", what, got, lo, hi)
			}
			return ""
		}
	}
	// Stored figures are rounded (embodied_kg to 0.1 kg, device_years to 0.001).
	more.add(uid, "Embodied CO2e per device-year/A", firstIn("per device-year", embodied/lifeEarly*0.998, embodied/lifeLate*1.002))
	more.add(uid, "Device-years of service/A", firstIn("device-years", lifeLate-0.01, lifeEarly+0.01))
	more.add(uid, "Net CO2e avoided by longevity/A", firstIn("net avoided", net-0.1, net+0.1))
	more.add(uid, "Hardware retired/A", firstIn("retired", float64(retired), float64(retired)))
	more.add(uid, "Avoided and extra CO2e per year/A", func(series []testkit.Series) string {
		if len(series) != 1 {
			return fmt.Sprintf("%d series, want 1", len(series))
		}
		s := series[0]
		var problems []string
		if got := times(s); len(got) != len(retiredIn) {
			problems = append(problems, fmt.Sprintf("bars on %v, want one for each year with retired hardware %v", got, retiredIn))
		}
		for y, r := range retiredIn {
			l, _ := atTime(s, y, "avoided by longer lives")
			x, _ := atTime(s, y, "extra by shorter lives")
			n, _ := atTime(s, y, "net avoided")
			problems = append(problems, within(y+" avoided", l, r[0], 0.1), within(y+" extra", x, r[1], 0.1), within(y+" net", n, r[0]-r[1], 0.1))
		}
		return joinProblems(problems...)
	})
	more.add(uid, "Embodied CO2e per device-year by class/A", func(series []testkit.Series) string {
		classes := map[string]bool{}
		for _, h := range hw {
			classes[h.class] = true
		}
		var problems []string
		if got := tagValues(series, "group"); len(got) != len(classes) {
			problems = append(problems, fmt.Sprintf("classes %v, want %v", got, classes))
		}
		// Every past year of each class, written out: each serial's embodied
		// CO2e × its time in service in the year ÷ its service life, summed,
		// over the device-years. (Not the current year, nor a year with
		// hardware without an inventory row, whose start is known to the day.)
		checked := 0
		for _, s := range series {
			for _, ts := range times(s) {
				y0, _ := time.Parse(time.RFC3339, ts)
				y1 := y0.AddDate(1, 0, 0)
				if !y1.Before(now) {
					continue
				}
				var kg, dy float64
				known := true
				for _, h := range hw {
					from, to := h.start, h.end
					if from.Before(y0) {
						from = y0
					}
					if to.After(y1) {
						to = y1
					}
					if h.class != s.Tags["group"] || !to.After(from) {
						continue
					}
					known = known && h.start.Equal(h.startLate)
					kg += h.embodiedKg * years(to.Sub(from)) / years(h.end.Sub(h.start))
					dy += years(to.Sub(from))
				}
				if !known {
					continue
				}
				// The point holds embodied_kg to 0.1 kg and device_years to 0.001.
				got, _ := atTime(s, ts, "per device-year")
				if lo, hi := (kg-0.05)/(dy+0.0005), (kg+0.05)/(dy-0.0005); got < lo || got > hi {
					problems = append(problems, fmt.Sprintf("%s %s = %v, want %.3f (%.3f–%.3f with the stored rounding)", s.Tags["group"], ts[:4], got, kg/dy, lo, hi))
				}
				checked++
			}
		}
		if checked < 5 {
			problems = append(problems, fmt.Sprintf("only %d past class-years to check", checked))
		}
		return joinProblems(problems...)
	})
	more.add(uid, "Top models by embodied CO2e/A", func(series []testkit.Series) string {
		var problems []string
		if got := tagValues(series, "group"); len(got) != len(footprint) {
			problems = append(problems, fmt.Sprintf("models %v, want the %d of carbon models", got, len(footprint)))
		}
		for model, a := range avoidedBy {
			s, row, ok := onlyRow(series, "group", model)
			if !ok {
				problems = append(problems, "not one row for "+model)
				continue
			}
			got, _ := num(s, row, "net avoided kg CO2e")
			emb, _ := num(s, row, "embodied kg CO2e")
			// A retired model's whole life is in the range: all its embodied CO2e.
			problems = append(problems, within(model+" net avoided", got, a, 0.1),
				within(model+" embodied", emb, footprint[model].EmbodiedKg, 0.5))
		}
		return joinProblems(problems...)
	})

	// Every carbon panel names the data set and commit the points were
	// computed with.
	series := db.Query(t, `SELECT last("dataset") FROM "carbon_yearly" WHERE time >= '2000-01-01T00:00:00Z'`)
	if len(series) == 0 || len(series[0].Values) == 0 {
		t.Fatal("carbon_yearly holds no dataset")
	}
	commit, _ := series[0].Values[0][1].(string)
	dashboards, err := Load(dashboardsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dashboards {
		if d.UID != uid {
			continue
		}
		for _, p := range d.AllPanels() {
			if len(commit) < 12 || !strings.Contains(p.Description, "Boavizta") || !strings.Contains(p.Description, "commit "+commit[:12]) ||
				!strings.Contains(p.Description, "Assumed:") {
				t.Errorf("carbon panel %q: the description does not name the data set Boavizta, commit %.12s, and the assumptions: %q", p.Title, commit, p.Description)
			}
		}
	}
}
