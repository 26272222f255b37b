package report

import (
	"fmt"
	"io"
	"text/tabwriter"
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
	fmt.Fprintln(tw, "\nsource\tfirst day\tlast day\tdays")
	for _, s := range y.Method {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", s.Source, s.FirstDay, s.LastDay, s.Days)
	}
	return tw.Flush()
}
