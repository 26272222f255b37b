package devices

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/safetext"
)

// WriteStory writes a device's story for a person at a terminal. What the
// agent reported (names, labels) is printed with control characters made
// visible (safetext.Terminal), so that data cannot drive the terminal.
func WriteStory(w io.Writer, d *Device, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", safetext.Terminal(k), safetext.Terminal(v)) }
	p("device", d.ID)
	p("hostname", d.Hostname)
	p("serial", d.Serial)
	p("model", strings.TrimSpace(d.Manufacturer+" "+d.Model))
	p("os", strings.TrimSpace(d.OS+" "+d.OSVersion))
	if d.FirmwareDate != "" {
		p("firmware date", d.FirmwareDate)
	}
	keys := make([]string, 0, len(d.Labels))
	for k := range d.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p(k, d.Labels[k])
	}
	if d.FirstSeen != nil {
		p("first seen", d.FirstSeen.Format(time.DateOnly))
	}
	p("last seen", fmt.Sprintf("%s (%s ago)", d.LastSeen.Format(time.RFC3339), ago(now.Sub(d.LastSeen))))
	if d.UptimeNowS != nil {
		p("uptime now", ago(time.Duration(*d.UptimeNowS)*time.Second))
	} else if d.UptimeS != nil {
		p("uptime at last report", ago(time.Duration(*d.UptimeS)*time.Second))
	}
	if d.BootTime != nil {
		p("last boot", d.BootTime.Format(time.RFC3339))
	}
	p("boots in 30 days", strconv.Itoa(d.Boots30d))
	for _, b := range d.Batteries {
		s := "health " + optF(b.HealthPct, 1, " %") + ", cycles " + optI(b.CycleCount)
		if b.HealthPer90d != nil || b.CyclesPer90d != nil {
			s += fmt.Sprintf("; per 90 days: health %s, cycles %s (over %d days)", signed(b.HealthPer90d, " pp"), signed(b.CyclesPer90d, ""), b.TrendDays)
		}
		p("battery "+b.Name, s)
	}
	flags := "none"
	if len(d.Flags) > 0 {
		flags = strings.Join(d.Flags, ", ")
	}
	p("flags", flags)
	return tw.Flush()
}

func optF(v *float64, dec int, unit string) string {
	if v == nil {
		return "unknown"
	}
	return strconv.FormatFloat(*v, 'f', dec, 64) + unit
}

func signed(v *float64, unit string) string {
	if v == nil {
		return "unknown"
	}
	s := strconv.FormatFloat(*v, 'f', 1, 64)
	if *v > 0 {
		s = "+" + s
	}
	return s + unit
}

func optI(v *int64) string {
	if v == nil {
		return "unknown"
	}
	return strconv.FormatInt(*v, 10)
}

func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Hour:
		return d.Truncate(time.Second).String()
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}
