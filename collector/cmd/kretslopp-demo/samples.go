package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// The demo's printing, mail and inventory files are SYNTHETIC: generated
// here, deterministically, for the years the demo reports on. They have
// the shape of real exports (docs/paper.md, docs/lifecycle.md) and
// plausible sizes for a municipality of the policy's scale (about
// 3,000,000 sheets a year never collected), and nothing else: every site,
// system, person and document name is invented.

// printSites are the sites of the synthetic print-daily export: a daily
// volume of sheets printed on a working day, and when card release
// started there (sites join over the years).
var printSites = []struct {
	name  string
	sheet float64
	since int
}{
	{"Rådhuset", 5200, 2019}, {"Stadsbiblioteket", 1400, 2019}, {"Östra gymnasiet", 7800, 2019},
	{"Västra gymnasiet", 7100, 2019}, {"Socialtjänsten Centrum", 3900, 2019}, {"Tekniska förvaltningen", 2600, 2019},
	{"Grubbeskolan", 3300, 2020}, {"Ersboda skola", 2900, 2020}, {"Ålidhemsskolan", 3100, 2020},
	{"Äldreomsorgen Norr", 1800, 2021}, {"Äldreomsorgen Söder", 1700, 2021}, {"Kulturhuset", 900, 2022},
}

// writePrintDaily writes one row per working day and site from 2019 to
// yesterday. Sheets never collected start near a fifth of what is sent
// and fall a little each year, as people learn to print less; a site's
// export is missing for October 2020 (a gap the report must show as one).
func writePrintDaily(path string, now time.Time) error {
	rng := rand.New(rand.NewPCG(2017, 424))
	return writeLines(path, func(w *bufio.Writer) {
		fmt.Fprintln(w, "date,site,jobs_submitted,jobs_released,jobs_not_released,sheets_printed,sheets_not_printed,sheets_colour,sheets_duplex")
		end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		for d := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC); d.Before(end); d = d.AddDate(0, 0, 1) {
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || d.Month() == time.July {
				continue
			}
			years := float64(d.Year() - 2019)
			notShare := 0.19 * math.Pow(0.93, years)
			for _, s := range printSites {
				if d.Year() < s.since || s.name == "Grubbeskolan" && d.Year() == 2020 && d.Month() == time.October {
					continue
				}
				sent := 1.8 * s.sheet * (0.8 + 0.4*rng.Float64()) * math.Pow(0.96, years)
				not := math.Round(sent * notShare * (0.85 + 0.3*rng.Float64()))
				printed := math.Round(sent - not)
				jobs := math.Round(sent / 7.5)
				jobsNot := math.Round(jobs * notShare * 1.3)
				fmt.Fprintf(w, "%s,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f\n", d.Format(time.DateOnly), s.name,
					jobs, jobs-jobsNot, jobsNot, printed, not, math.Round(printed*0.12), math.Round(printed*(0.35+0.05*years)))
			}
		}
	})
}

// papercutPrinters are the printers of a site that sends PaperCut's own
// print log instead of a daily export.
var papercutPrinters = []string{"NG-Plan1-MFP", "NG-Plan2-MFP", "NG-Bibliotek"}

// writePaperCutLogs writes PaperCut print logs (printlog_yyyy_mm_dd.log)
// for the last five working days, in the format PaperCut's manual
// documents (see collector/internal/paper: PaperCutDoc): date and time,
// server, printer, user, account, workstation, document, pages, colour
// pages. Users, workstations and documents are invented and are dropped
// on import. It returns the files and a site map for the printers.
func writePaperCutLogs(dir string, now time.Time) (files []string, siteMap string, err error) {
	rng := rand.New(rand.NewPCG(2021, 99))
	docs := []string{"Protokoll.pdf", "Elevlista.xlsx", "Prov åk 9.docx", "Schema vt.pdf", "Inbjudan föräldramöte.docx"}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for n := 0; n < 5; {
		day = day.AddDate(0, 0, -1)
		if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			continue
		}
		n++
		path := filepath.Join(dir, "printlog_"+day.Format("2006_01_02")+".log")
		err := writeLines(path, func(w *bufio.Writer) {
			for i := range 180 + rng.IntN(60) {
				at := day.Add(7*time.Hour + time.Duration(i)*2*time.Minute + time.Duration(rng.IntN(90))*time.Second)
				user := fmt.Sprintf("user%04d", rng.IntN(900))
				pages := 1 + rng.IntN(12)
				colour := 0
				if rng.Float64() < 0.15 {
					colour = rng.IntN(pages + 1)
				}
				fmt.Fprintf(w, "%s\t%s\tprintsrv-ng\t%s\t%s\t%s\tNG-PC-%03d\t%s\t%d\t%d\n", at.Format(time.DateOnly), at.Format("3:04:05 PM"),
					papercutPrinters[rng.IntN(len(papercutPrinters))], user, user, rng.IntN(400), docs[rng.IntN(len(docs))], pages, colour)
			}
		})
		if err != nil {
			return nil, "", err
		}
		files = append(files, path)
	}
	siteMap = filepath.Join(dir, "papercut-sites.csv")
	err = writeLines(siteMap, func(w *bufio.Writer) {
		fmt.Fprintln(w, "printer,site")
		for _, p := range papercutPrinters {
			fmt.Fprintf(w, "%s,Norra gymnasiet\n", p)
		}
	})
	return files, siteMap, err
}

// writeMail writes digital mail per system: the first system connected in
// September 2019 (monthly figures), the next ones later (one of them
// daily), so that the report shows systems being connected.
func writeMail(path string, now time.Time) error {
	rng := rand.New(rand.NewPCG(7, 7))
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return writeLines(path, func(w *bufio.Writer) {
		fmt.Fprintln(w, "date,system,letters_digital,letters_paper")
		for m := time.Date(2019, 9, 1, 0, 0, 0, 0, time.UTC); m.Before(thisMonth); m = m.AddDate(0, 1, 0) {
			months := m.Sub(time.Date(2019, 9, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24 / 30
			total := 2600 + rng.Float64()*600
			share := math.Min(0.72, 0.04+0.018*months)
			dig := math.Round(total * share)
			fmt.Fprintf(w, "%s,Ekonomiskt bistånd,%.0f,%.0f\n", m.Format("2006-01"), dig, total-dig)
			if !m.Before(time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC)) {
				t2 := 900 + rng.Float64()*200
				s2 := math.Min(0.55, 0.05+0.03*(months-41))
				d2 := math.Round(t2 * s2)
				fmt.Fprintf(w, "%s,Parkeringstillstånd,%.0f,%.0f\n", m.Format("2006-01"), d2, t2-d2)
			}
		}
		// Bygglov sends its figures per day since it was connected.
		end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		for d := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC); d.Before(end); d = d.AddDate(0, 0, 1) {
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				continue
			}
			t := 20 + rng.IntN(25)
			dig := int(float64(t) * (0.3 + 0.3*rng.Float64()))
			fmt.Fprintf(w, "%s,Bygglov,%d,%d\n", d.Format(time.DateOnly), dig, t-dig)
		}
	})
}

// writeInventory writes the asset register of the simulated fleet (the
// same seed and size as the replay, so the serials match) and of older
// hardware retired over the report's years: sold for reuse or recycled.
func writeInventory(path string, from, to time.Time) error {
	rng := rand.New(rand.NewPCG(5, 5))
	seen := map[string]bool{}
	var fleet []agentsim.Device
	agentsim.FleetHistory(2020, fleetSize, from, to, 7*24*time.Hour, func(d agentsim.Device, _ time.Time) bool {
		if seen[d.Serial] {
			return len(seen) < fleetSize
		}
		seen[d.Serial] = true
		fleet = append(fleet, d)
		return len(seen) < fleetSize
	})
	yes := func(p float64) string {
		if rng.Float64() < p {
			return "yes"
		}
		return "no"
	}
	return writeLines(path, func(bw *bufio.Writer) {
		w := csv.NewWriter(bw)
		defer w.Flush()
		_ = w.Write([]string{"serial", "manufacturer", "model", "class", "purchase date", "energy star", "tco certified", "epeat", "status", "status date"})
		for _, d := range fleet {
			fw, err := time.Parse(time.DateOnly, d.FirmwareDate)
			if err != nil {
				continue
			}
			bought := fw.AddDate(0, 2, 0)
			_ = w.Write([]string{d.Serial, d.Manufacturer, d.Model, "laptop", bought.Format(time.DateOnly),
				yes(0.95), yes(0.8 + 0.03*float64(bought.Year()-2015)), []string{"gold", "silver", "no"}[rng.IntN(3)], "in use", bought.Format(time.DateOnly)})
		}
		models := []string{"HP EliteBook 840 G3", "Lenovo ThinkPad T460", "Dell OptiPlex 7040", "Lenovo ThinkCentre M700"}
		classes := []string{"laptop", "laptop", "desktop", "desktop"}
		for i := range 60 {
			k := rng.IntN(len(models))
			// retired over the report's years, after four to eight years
			retired := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Float64() * float64(to.Sub(time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)))))
			bought := retired.AddDate(-4-rng.IntN(4), -rng.IntN(12), 0)
			status := "recycled"
			if rng.Float64() < 0.55 {
				status = "sold for reuse"
			}
			_ = w.Write([]string{fmt.Sprintf("RET-%04d", i), "", models[k], classes[k], bought.Format(time.DateOnly),
				yes(0.9), yes(0.5), "no", status, retired.Format(time.DateOnly)})
		}
		// New machines bought in the last two years, waiting in storage.
		for i := range 16 {
			bought := to.AddDate(0, 0, -rng.IntN(600))
			_ = w.Write([]string{fmt.Sprintf("NEW-%04d", i), "LENOVO", "ThinkPad L14 Gen 5", "laptop", bought.Format(time.DateOnly),
				yes(0.97), "yes", []string{"gold", "silver"}[rng.IntN(2)], "in storage", bought.Format(time.DateOnly)})
		}
	})
}

func writeLines(path string, fill func(w *bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fill(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
