package report

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/safetext"
)

// WriteYearlyTable writes the meetings table (as WriteTable) and then the
// fleet figures, for a person at a terminal.
func WriteYearlyTable(w io.Writer, y *Yearly) error {
	if err := WriteTable(w, y.MeetingsReport); err != nil {
		return err
	}
	f := y.Fleet
	if f == nil {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nFleet as of %s (devices that reported since %s)\t\n", f.AsOf, f.WindowFrom)
	fmt.Fprintf(tw, "devices\t%d\n", f.Devices)
	for _, d := range f.DevicesByYear {
		fmt.Fprintf(tw, "devices in %d\t%d\n", d.Year, d.Devices)
	}
	num := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return English.Number(*p, 1)
	}
	fmt.Fprintf(tw, "median age (years)\t%s\n", num(f.MedianAgeYears))
	fmt.Fprintf(tw, "age from firmware date / first report\t%d / %d\n", f.AgeFromFW, f.AgeFromSeen)
	fmt.Fprintf(tw, "older than planned life (%s years)\t%d\n", English.Number(f.PlannedLife, 0), f.DueReplacement)
	fmt.Fprintf(tw, "batteries\t%d\n", f.Batteries)
	fmt.Fprintf(tw, "median battery health (%%)\t%s\n", num(f.MedianHealth))
	fmt.Fprintf(tw, "batteries below 80 %%\t%d\n", f.BelowHealth)
	fmt.Fprintf(tw, "batteries over 1,000 cycles\t%d\n", f.OverCycles)
	fmt.Fprintf(tw, "devices due for a battery\t%d\n", f.DueBattery)
	fmt.Fprintf(tw, "not rebooted in 30 days\t%d / %d (%s %%)\n", f.Uptime.NotRebooted30d, f.Uptime.Devices, num(f.Uptime.NotRebootedPct))
	if l := y.Longevity; l != nil {
		fmt.Fprintf(tw, "\nLongevity as of %s (hardware that reported since %s)\t\n", l.AsOf, l.WindowFrom)
		fmt.Fprintf(tw, "hardware (serials)\t%d\n", l.Hardware)
		fmt.Fprintf(tw, "device IDs (installations)\t%d\n", l.DeviceIDs)
		fmt.Fprintf(tw, "mean rounds\t%s\n", num(l.MeanRounds))
		fmt.Fprintf(tw, "in second round\t%d (%s %%)\n", l.SecondRound, num(l.SecondRoundPct))
		fmt.Fprintf(tw, "in third round or later\t%d (%s %%)\n", l.ThirdRound, num(l.ThirdRoundPct))
		fmt.Fprintf(tw, "retired in %d-%d\t%d\n", y.From, y.To, l.Retired)
		fmt.Fprintf(tw, "median service life of retired (years)\t%s\n", num(l.MedianServiceLife))
		for _, g := range l.ServiceLifeByClass {
			fmt.Fprintf(tw, "  class %s\t%d retired, median %s years\n", safetext.Terminal(g.Name), g.Retired, num(g.MedianYears))
		}
		for _, g := range l.ServiceLifeByModel {
			fmt.Fprintf(tw, "  model %s\t%d retired, median %s years\n", safetext.Terminal(g.Name), g.Retired, num(g.MedianYears))
		}
		for _, c := range l.Certifications {
			fmt.Fprintf(tw, "purchases %d: %d\tEnergy Star %s %%, TCO Certified %s %%, EPEAT %s %%\n", c.Year, c.Purchases, num(c.EnergyStarPct), num(c.TCOPct), num(c.EPEATPct))
		}
		fmt.Fprintf(tw, "batteries replaced\t%d\n", l.BatteriesReplaced)
		fmt.Fprintf(tw, "older than planned life\t%d\n", l.PastPlannedLife)
		fmt.Fprintf(tw, "candidates for another round (batteries >= 80 %%)\t%d\n", l.ReuseCandidates)
		fmt.Fprintf(tw, "reporting, not in inventory\t%d\n", len(l.MissingFromInventory))
		fmt.Fprintf(tw, "in inventory, never reported\t%d\n", len(l.NeverReported))
	}
	if c := y.Carbon; c != nil {
		fmt.Fprintf(tw, "\nEmbodied CO2e as of %s (footprints: %s)\t\n", c.AsOf, c.Dataset.Short())
		fmt.Fprintf(tw, "hardware: exact / rule / override / class default\t%d / %d / %d / %d\n", c.Matches[carbon.KindExact], c.Matches[carbon.KindRule], c.Matches[carbon.KindOverride], c.Matches[carbon.KindNone])
		for _, yr := range c.Years {
			fmt.Fprintf(tw, "%d: kg per device-year\t%s (%d in service, %s device-years)\n", yr.Year, num(yr.EmbodiedKgPerDeviceYear), yr.Devices, English.Number(yr.DeviceYears, 1))
			if yr.Retired > 0 {
				fmt.Fprintf(tw, "%d: kg avoided by hardware retired (net)\t%s (%d retired; %s by longer lives, %s extra by shorter)\n", yr.Year, English.Number(yr.AvoidedKg, 1), yr.Retired,
					English.Number(yr.AvoidedByLongerLivesKg, 1), English.Number(yr.ExtraByShorterLivesKg, 1))
			}
		}
		if t := c.Travel; t != nil {
			fmt.Fprintf(tw, "\nTravel ESTIMATE (not measured): meetings x %g share replacing a trip x %g km x %g kg CO2e/km\t\n", t.Factors.ShareReplacingTrip.Value, t.Factors.KmPerTrip.Value, t.Factors.KgCO2ePerKm.Value)
			for _, ty := range t.Years {
				fmt.Fprintf(tw, "%d: estimated kg CO2e\t%s (%d meetings)\n", ty.Year, English.Number(ty.EstimatedKgCO2e, 1), ty.Meetings)
			}
		}
	}
	fmt.Fprintln(tw, "\nsource\tfirst day\tlast day\tdays")
	for _, s := range y.Method {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", safetext.Terminal(s.Source), s.FirstDay, s.LastDay, s.Days)
	}
	return tw.Flush()
}
