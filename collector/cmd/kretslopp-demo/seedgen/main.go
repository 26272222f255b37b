// Command seedgen writes the demo seed under
// collector/cmd/kretslopp-demo/seed: a municipality's saved exports
// for 2019-2021 — Teams user activity counts as the admin center saves them
// (180-day windows, newest first, UTF-8 BOM, saved every four months so
// that they overlap), and a meetings-daily file kept by hand for Skype for
// Business, Webex and the video rooms, plus Zoom's daily usage exports.
// The yearly totals are fixed: Teams 300 (2019) -> 39,150 (2020, +12,950 %)
// -> 44,800 (2021); Skype 21,000 -> 9,500 -> 1,200 (retired 31 July 2021).
//
//	go run ./collector/cmd/kretslopp-demo/seedgen [-out DIR]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

var (
	pandemic = time.Date(2020, 3, 16, 0, 0, 0, 0, time.UTC)
	skypeEnd = time.Date(2021, 7, 31, 0, 0, 0, 0, time.UTC)
	first    = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	last     = time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)
)

func workday(d time.Time) float64 {
	switch {
	case d.Weekday() == time.Saturday || d.Weekday() == time.Sunday:
		return 0.03
	case d.Month() == time.July:
		return 0.3
	case d.Month() == time.December && d.Day() >= 23:
		return 0.25
	}
	return 1
}

// series spreads fixed yearly totals over the days by weight, rounding so
// that every year adds up exactly.
func series(totals map[int]float64, weight func(time.Time) float64, rng *rand.Rand) map[time.Time]int64 {
	out := map[time.Time]int64{}
	for year, total := range totals {
		var days []time.Time
		var ws []float64
		var sum float64
		for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
			w := weight(d) * (0.85 + 0.3*rng.Float64())
			days = append(days, d)
			ws = append(ws, w)
			sum += w
		}
		var cum float64
		var prev int64
		for i, d := range days {
			cum += ws[i] / sum * total
			r := int64(math.Round(cum))
			if ws[i] > 0 {
				out[d] = r - prev
			}
			prev = r
		}
	}
	return out
}

func main() {
	outDir := flag.String("out", "collector/cmd/kretslopp-demo/seed", "output directory")
	flag.Parse()
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2017, 424))
	teams := series(map[int]float64{2019: 300, 2020: 39150, 2021: 44800}, func(d time.Time) float64 {
		w := workday(d)
		switch {
		case d.Year() == 2019:
			return w * (0.2 + float64(d.YearDay())/365) // a growing pilot
		case d.Before(pandemic):
			return w * 0.04
		case d.Before(pandemic.AddDate(0, 0, 21)):
			return w * (0.2 + 0.8*float64(d.Sub(pandemic)/(24*time.Hour))/21)
		}
		return w
	}, rng)
	skype := series(map[int]float64{2019: 21000, 2020: 9500, 2021: 1200}, func(d time.Time) float64 {
		w := workday(d)
		switch {
		case d.After(skypeEnd):
			return 0
		case d.Year() == 2021:
			return w * (1 - float64(d.YearDay())/250)
		case !d.Before(pandemic):
			return w * 0.35
		}
		return w
	}, rng)
	webex := series(map[int]float64{2019: 900, 2020: 2600, 2021: 2300}, workday, rng)
	rooms := series(map[int]float64{2019: 1400, 2020: 1100, 2021: 1900}, workday, rng)
	zoom := series(map[int]float64{2020: 3100, 2021: 3600}, func(d time.Time) float64 {
		if d.Before(pandemic) {
			return 0
		}
		return workday(d)
	}, rng)

	// Teams activity counts, saved every four months, each the last 180 days.
	for saved := time.Date(2019, 5, 2, 0, 0, 0, 0, time.UTC); !saved.After(time.Date(2022, 1, 2, 0, 0, 0, 0, time.UTC)); saved = saved.AddDate(0, 4, 0) {
		name := filepath.Join(*outDir, fmt.Sprintf("TeamsUserActivityCounts_%s.csv", saved.Format("2006-01-02")))
		write(name, true, func(w *bufio.Writer) {
			fmt.Fprint(w, "Report Refresh Date,Report Date,Team Chat Messages,Post Messages,Reply Messages,Private Chat Messages,Calls,Meetings,Audio Duration,Video Duration,Screen Share Duration,Meetings Organized,Meetings Attended,Report Period\r\n")
			refresh := saved.AddDate(0, 0, -1)
			for d := refresh; d.After(refresh.AddDate(0, 0, -180)); d = d.AddDate(0, 0, -1) {
				if d.Before(first) || d.After(last) {
					continue
				}
				m := teams[d]
				audio := time.Duration(m*41) * time.Minute
				fmt.Fprintf(w, "%s,%s,%d,%d,%d,%d,%d,%d,%s,%s,%s,%d,%d,180\r\n", refresh.Format("2006-01-02"), d.Format("2006-01-02"),
					m*9, m/7, m/3, m*21, m/2, m, iso(audio), iso(audio*2/5), iso(audio/6), m/4, m*3)
			}
		})
	}
	write(filepath.Join(*outDir, "meetings-daily.csv"), false, func(w *bufio.Writer) {
		fmt.Fprint(w, "date,platform,meetings,minutes\n")
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			for _, p := range []struct {
				name string
				s    map[time.Time]int64
				min  int64
			}{{"skype", skype, 38}, {"webex", webex, 52}, {"video-rooms", rooms, 61}} {
				if n, ok := p.s[d]; ok && !(p.name == "skype" && d.After(skypeEnd)) {
					fmt.Fprintf(w, "%s,%s,%d,%d\n", d.Format("2006-01-02"), p.name, n, n*p.min)
				}
			}
		}
	})
	for _, y := range []int{2020, 2021} {
		write(filepath.Join(*outDir, fmt.Sprintf("zoom-daily-%d.csv", y)), false, func(w *bufio.Writer) {
			fmt.Fprint(w, "Date,New Users,Meetings,Participants,Meeting Minutes\n")
			for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
				if n, ok := zoom[d]; ok && !d.Before(pandemic) {
					fmt.Fprintf(w, "%s,%d,%d,%d,%d\n", d.Format("01/02/2006"), n/20, n, n*7, n*7*44)
				}
			}
		})
	}
}

func iso(d time.Duration) string {
	h := int64(d / time.Hour)
	m := int64(d%time.Hour) / int64(time.Minute)
	return fmt.Sprintf("PT%dH%dM0S", h, m)
}

func write(name string, bom bool, fill func(*bufio.Writer)) {
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if bom {
		w.WriteString("\ufeff")
	}
	fill(w)
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
