package dashboards_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/testkit"
)

// printDay is a row of the print-daily export the paper panels read.
type printDay struct {
	monthsAgo, day                   int
	site                             string
	submitted, released, notReleased int
	sheetsPrinted, sheetsNotPrinted  int
}

// mailRow is a row of the mail-daily export: a whole month (day 0) or a day.
type mailRow struct {
	monthsAgo, day int
	system         string
	digital, paper int
}

// The municipality's printing and mail over the last three months, in
// the import formats of docs/paper.md. Three sites, one of them only in
// the last month; three systems: one sending monthly figures, one daily,
// one not connected (paper only).
var (
	printDays = []printDay{
		{3, 3, "Rådhuset", 812, 701, 111, 5120, 930},
		{3, 3, "Östra gymnasiet", 1430, 1190, 240, 9800, 2150},
		{2, 3, "Rådhuset", 790, 688, 102, 4980, 845},
		{2, 4, "Rådhuset", 801, 690, 111, 5010, 880},
		{2, 3, "Östra gymnasiet", 1388, 1160, 228, 9450, 2010},
		{1, 3, "Rådhuset", 820, 705, 115, 5200, 910},
		{1, 3, "Östra gymnasiet", 1440, 1200, 240, 9900, 2200},
		{1, 5, "Vallhagen skola", 400, 340, 60, 3000, 500},
	}
	mailRows = []mailRow{
		{3, 0, "Försörjningsstöd", 120, 2880},
		{2, 0, "Försörjningsstöd", 410, 2590},
		{1, 0, "Försörjningsstöd", 900, 2100},
		{2, 4, "Bygglov", 20, 80},
		{1, 4, "Bygglov", 35, 60},
		{1, 5, "Bygglov", 41, 55},
		{1, 0, "Parkering", 0, 1500},
	}
)

// monthStart is the first day of the month monthsAgo months before now's.
func monthStart(now time.Time, monthsAgo int) time.Time {
	return time.Date(now.Year(), now.Month()-time.Month(monthsAgo), 1, 0, 0, 0, 0, time.UTC)
}

// fillPaper imports the printing and mail exports with kretslopp-collector
// import (which writes printing and mail and recomputes their monthly
// rollups), and adds the figures the Paper dashboard must show, summed
// here from the rows.
func fillPaper(t *testing.T, c *testkit.RunningCollector, now time.Time, more checks) {
	t.Helper()
	dir := t.TempDir()
	prints := []string{"date,site,jobs_submitted,jobs_released,jobs_not_released,sheets_printed,sheets_not_printed"}
	var printed, notPrinted float64
	bySite := map[string]float64{}
	byMonthSite := map[string]float64{} // "2026-09-01T00:00:00Z/Rådhuset"
	for _, r := range printDays {
		date := monthStart(now, r.monthsAgo).AddDate(0, 0, r.day-1)
		prints = append(prints, fmt.Sprintf("%s,%s,%d,%d,%d,%d,%d", date.Format(time.DateOnly), r.site,
			r.submitted, r.released, r.notReleased, r.sheetsPrinted, r.sheetsNotPrinted))
		printed += float64(r.sheetsPrinted)
		notPrinted += float64(r.sheetsNotPrinted)
		bySite[r.site] += float64(r.sheetsNotPrinted)
		byMonthSite[monthStart(now, r.monthsAgo).Format(time.RFC3339)+"/"+r.site] += float64(r.sheetsNotPrinted)
	}
	mails := []string{"date,system,letters_digital,letters_paper"}
	var digital, paper float64
	connected := map[string]map[string]bool{} // month -> systems with a digital letter
	perSystem := map[string][2]float64{}
	for _, r := range mailRows {
		month := monthStart(now, r.monthsAgo)
		date := month.Format("2006-01")
		if r.day > 0 {
			date = month.AddDate(0, 0, r.day-1).Format(time.DateOnly)
		}
		mails = append(mails, fmt.Sprintf("%s,%s,%d,%d", date, r.system, r.digital, r.paper))
		digital += float64(r.digital)
		paper += float64(r.paper)
		ps := perSystem[r.system]
		perSystem[r.system] = [2]float64{ps[0] + float64(r.digital), ps[1] + float64(r.paper)}
		m := month.Format(time.RFC3339)
		if connected[m] == nil {
			connected[m] = map[string]bool{}
		}
		if r.digital > 0 {
			connected[m][r.system] = true
		}
	}
	printFile, mailFile := filepath.Join(dir, "print-daily.csv"), filepath.Join(dir, "mail-daily.csv")
	for file, lines := range map[string][]string{printFile: prints, mailFile: mails} {
		if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.Run(t, "import", "--format", "print-daily", printFile)
	c.Run(t, "import", "--format", "mail-daily", mailFile)

	const uid = "kretslopp-paper"
	first := func(what string, want float64) check {
		return func(series []testkit.Series) string {
			got, _ := firstValue(series)
			return within(what, got, want, 0.01)
		}
	}
	more.add(uid, "Sheets never collected/A", first("sheets never collected", notPrinted))
	more.add(uid, "Share of sheets never collected/A", first("share never collected", 100*notPrinted/(notPrinted+printed)))
	more.add(uid, "Sheets never collected by site/A", func(series []testkit.Series) string {
		var problems []string
		if len(series) != len(bySite) {
			problems = append(problems, fmt.Sprintf("sites %v, want %d", tagValues(series, "site"), len(bySite)))
		}
		for site, want := range bySite {
			s, _ := byTag(series, "site", site)
			problems = append(problems, within(site, columnSum([]testkit.Series{s}, "sheets never collected"), want, 0))
		}
		return joinProblems(problems...)
	})
	more.add(uid, "Sheets never collected per month and site/A", func(series []testkit.Series) string {
		// One bar per month and site, on the month's first day.
		var problems []string
		rows := 0
		for _, s := range series {
			rows += len(s.Values)
		}
		if rows != len(byMonthSite) {
			problems = append(problems, fmt.Sprintf("%d bars, want %d (one per month and site)", rows, len(byMonthSite)))
		}
		for key, want := range byMonthSite {
			month, site, _ := strings.Cut(key, "/")
			s, _ := byTag(series, "site", site)
			got, ok := atTime(s, month, "sheets never collected")
			if !ok {
				problems = append(problems, fmt.Sprintf("no bar for %s on %s", site, month))
				continue
			}
			problems = append(problems, within(key, got, want, 0))
		}
		return joinProblems(problems...)
	})
	more.add(uid, "Sheets printed and never collected per month/A", func(series []testkit.Series) string {
		return joinProblems(within("printed", columnSum(series, "printed"), printed, 0),
			within("never collected", columnSum(series, "never collected"), notPrinted, 0))
	})
	more.add(uid, "Letters sent digitally/A", first("share digital", 100*digital/(digital+paper)))
	systems := 0
	for _, ps := range perSystem {
		if ps[0] > 0 {
			systems++
		}
	}
	more.add(uid, "Systems connected/A", first("systems connected", float64(systems)))
	more.add(uid, "Letters per system/A", func(series []testkit.Series) string {
		var problems []string
		for system, ps := range perSystem {
			s, row, ok := onlyRow(series, "system", system)
			if !ok {
				problems = append(problems, "not one row for "+system)
				continue
			}
			d, _ := num(s, row, "digital")
			p, _ := num(s, row, "paper")
			share, _ := num(s, row, "digital %")
			problems = append(problems, within(system+" digital", d, ps[0], 0), within(system+" paper", p, ps[1], 0),
				within(system+" digital %", share, 100*ps[0]/(ps[0]+ps[1]), 0.01))
		}
		return joinProblems(problems...)
	})
	more.add(uid, "Share of letters sent digitally per system/A", func(series []testkit.Series) string {
		// Bygglov in the last month: its two days summed, then the share.
		s, _ := byTag(series, "system", "Bygglov")
		got, ok := atTime(s, monthStart(now, 1).Format(time.RFC3339), "share_digital_pct")
		if !ok {
			return "no share for Bygglov in the last month"
		}
		return within("Bygglov last month", got, 100*(35.0+41)/(35+41+60+55), 0.05)
	})
	more.add(uid, "Systems connected per month/A", func(series []testkit.Series) string {
		if len(series) != 1 {
			return fmt.Sprintf("%d series, want 1", len(series))
		}
		var problems []string
		if got := times(series[0]); len(got) != len(connected) {
			problems = append(problems, fmt.Sprintf("months %v, want %d", got, len(connected)))
		}
		for month, systems := range connected {
			got, _ := atTime(series[0], month, "systems connected")
			problems = append(problems, within(month, got, float64(len(systems)), 0))
		}
		return joinProblems(problems...)
	})
}
