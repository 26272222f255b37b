package paper_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/collector/internal/paper"
)

func TestMain(m *testing.M) { os.Exit(influxtest.Main(m)) }

var now = func() time.Time { return time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC) }

// write decodes one fixture with the real reader and writes its points.
func write(t *testing.T, db *influxtest.DB, f paper.Format, name string, data string) *paper.Result {
	t.Helper()
	var r *strings.Reader
	if data != "" {
		r = strings.NewReader(data)
	} else {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	res, err := paper.Decode(context.Background(), f, r, paper.Options{File: name, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if err := db.Client(t).Write(context.Background(), meetings.Points(res.Records)); err != nil {
		t.Fatal(err)
	}
	return res
}

// countingQuerier counts the queries that pass through to InfluxDB.
type countingQuerier struct {
	*influx.Client
	queries int
}

func (c *countingQuerier) Query(ctx context.Context, q string) ([]influx.Series, error) {
	c.queries++
	return c.Client.Query(ctx, q)
}

func i64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func f64(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestPrintingFigures writes print-daily rows for two years and a PaperCut
// log through the real readers into a real InfluxDB, and checks the
// report figures, the idempotency of a re-import and the monthly rollup.
func TestPrintingFigures(t *testing.T) {
	db := influxtest.NewDatabase(t)
	ctx := context.Background()
	c := db.Client(t)
	daily := write(t, db, paper.FormatPrintDaily, "print-daily.csv", "")
	write(t, db, paper.FormatPrintDaily, "print-2020.csv", "date,site,jobs_not_released,sheets_printed,sheets_not_printed\n2020-03-02,Rådhuset,100,4000,1000\n2020-12-31,Rådhuset,50,3000,2000\n")
	log := write(t, db, paper.FormatPaperCut, "printlog_2021_03_04.log", "")
	// Importing the same file again overwrites, never adds.
	write(t, db, paper.FormatPrintDaily, "print-daily.csv", "")

	p, err := paper.BuildPrinting(ctx, c, 2019, 2021)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Years) != 3 || !p.HasData() {
		t.Fatalf("years %+v", p.Years)
	}
	y19, y20, y21 := p.Years[0], p.Years[1], p.Years[2]
	// 2019 has no data: every figure null, not 0.
	if y19.Days != 0 || y19.SheetsNotPrinted != nil || y19.SheetsPrinted != nil || y19.ShareNotPrintedPct != nil {
		t.Errorf("2019 %+v", y19)
	}
	if y20.Days != 2 || i64(y20.SheetsNotPrinted) != int64(3000) || i64(y20.SheetsPrinted) != int64(7000) || f64(y20.ShareNotPrintedPct) != 30.0 ||
		y20.SheetsNotPrintedChangePct != nil || y20.JobsSubmitted != nil || i64(y20.JobsNotReleased) != int64(150) {
		t.Errorf("2020 %+v", y20)
	}
	// 2021: three days of print-daily (930+2150+845+2010+880 sheets not
	// printed) and the PaperCut day (2021-03-04, 6 jobs, 59 pages).
	if y21.Days != 4 || y21.Sites != 5 || i64(y21.SheetsNotPrinted) != int64(6815) || i64(y21.SheetsPrinted) != int64(34360) ||
		i64(y21.JobsLogged) != int64(6) || i64(y21.PagesLogged) != int64(59) || i64(y21.PagesColourLogged) != int64(6) ||
		f64(y21.SheetsNotPrintedChangePct) != 127.2 || f64(y21.ShareNotPrintedPct) != 16.6 || i64(y21.SheetsColour) != int64(2400) {
		t.Errorf("2021 %+v", y21)
	}
	if len(p.Months) != 3 || p.Months[2].Year != 2021 || p.Months[2].Month != 3 || p.Months[2].Days != 4 {
		t.Errorf("months %+v", p.Months)
	}

	rus := map[string]*paper.Rollup{}
	paper.AddRollups(rus, daily.Records)
	paper.AddRollups(rus, log.Records)
	n := 0
	cq := &countingQuerier{Client: c}
	for _, ru := range rus {
		k, err := paper.UpdateRollups(ctx, cq, ru)
		if err != nil {
			t.Fatal(err)
		}
		n += k
	}
	// The run's points are all March holds: one count query per source,
	// the sums come from the run.
	if cq.queries != 2 {
		t.Errorf("%d queries for the rollups, want 2", cq.queries)
	}
	// 2021-03: 2 print-daily sites, 3 PaperCut printers; 2020-11 is not touched.
	if n != 5 {
		t.Fatalf("rollups: %d", n)
	}
	rollup := func() []any {
		rows := db.Query(t, `SELECT "sheets_not_printed", "days", "sheets_colour" FROM "printing_monthly" WHERE "site" = 'Rådhuset' AND "source" = 'print-daily'`)
		if len(rows) != 1 || len(rows[0].Values) != 1 {
			t.Fatalf("printing_monthly Rådhuset: %+v", rows)
		}
		return rows[0].Values[0][1:]
	}
	if got := rollup(); got[0] != 2655.0 || got[1] != 3.0 || got[2] != 1200.0 {
		t.Errorf("printing_monthly Rådhuset from the run: %v", got)
	}

	// A later run with one more day of March: the month holds points of
	// the earlier run too, so the rollup is read back from InfluxDB.
	more := write(t, db, paper.FormatPrintDaily, "more.csv", "date,site,sheets_printed,sheets_not_printed\n2021-03-05,Rådhuset,100,45\n")
	rus = map[string]*paper.Rollup{}
	paper.AddRollups(rus, more.Records)
	for _, ru := range rus {
		if _, err := paper.UpdateRollups(ctx, c, ru); err != nil {
			t.Fatal(err)
		}
	}
	if got := rollup(); got[0] != 2700.0 || got[1] != 4.0 || got[2] != 1200.0 {
		t.Errorf("printing_monthly Rådhuset after one more day: %v", got)
	}
}

// TestMailFigures: a month row stands for the whole month, days add up,
// and a system counts as connected once it sends a letter digitally.
func TestMailFigures(t *testing.T) {
	db := influxtest.NewDatabase(t)
	ctx := context.Background()
	c := db.Client(t)
	write(t, db, paper.FormatMailDaily, "mail-daily.csv", "")
	write(t, db, paper.FormatMailDaily, "mail-daily-sv.csv", "")
	// A later file with days of a month that another file gave whole: the
	// month point wins, the days are not added to it.
	write(t, db, paper.FormatMailDaily, "late.csv", "date,system,letters_digital,letters_paper\n2021-02-10,Försörjningsstöd,999,999\n")

	m, err := paper.BuildMail(ctx, c, 2020, 2021)
	if err != nil {
		t.Fatal(err)
	}
	y20, y21 := m.Years[0], m.Years[1]
	if y20.Systems != 1 || y20.SystemsConnected != 1 || i64(y20.LettersDigital) != int64(530) || i64(y20.LettersPaper) != int64(5470) ||
		f64(y20.ShareDigitalPct) != 8.8 || y20.Months != 2 || y20.ShareDigitalChangePts != nil {
		t.Errorf("2020 %+v", y20)
	}
	// 2021: Försörjningsstöd 35+41+900+1010 digital, 60+55+1900+1750 paper;
	// Bygglov 0 digital, 14 paper: reported, not connected.
	if y21.Systems != 2 || y21.SystemsConnected != 1 || i64(y21.LettersDigital) != int64(1986) || i64(y21.LettersPaper) != int64(3779) ||
		f64(y21.ShareDigitalPct) != 34.4 || f64(y21.ShareDigitalChangePts) != 25.6 || y21.Months != 3 {
		t.Errorf("2021 %+v", y21)
	}
	n, err := paper.UpdateRollups(ctx, c, &paper.Rollup{Measurement: paper.MeasurementMail, Months: map[time.Time]bool{time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC): true}})
	if err != nil || n != 1 {
		t.Fatalf("rollups %d %v", n, err)
	}
	rows := db.Query(t, `SELECT "letters_digital", "share_digital_pct" FROM "mail_monthly"`)
	if len(rows) != 1 || rows[0].Values[0][1] != 900.0 || rows[0].Values[0][2] != 32.1 {
		t.Errorf("mail_monthly: %+v", rows)
	}
}
