package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
)

const paperData = "../../internal/paper/testdata"

func paperFile(name string) string { return filepath.Join(paperData, name) }

// TestImportPaperCLI runs the real binary against a real InfluxDB: a bad
// file writes nothing and names FILE:LINE:COLUMN, good files are written,
// a re-import does not double, the site map groups printers, and the
// policy report reads it all back.
func TestImportPaperCLI(t *testing.T) {
	db := influxtest.NewDatabase(t)

	r := runCLI(t, db, "import", "--format", "print-daily", paperFile("print-daily-bad.csv"))
	if r.code != 1 || !strings.Contains(r.stderr, `print-daily-bad.csv:6:3: column "jobs_submitted": value "ten": is not a whole number`) ||
		!strings.Contains(r.stderr, "nothing from this file is written") {
		t.Fatalf("bad file: code %d\n%s", r.code, r.stderr)
	}
	if s := db.Query(t, `SELECT count("sheets_printed") FROM "printing"`); len(s) != 0 {
		t.Fatalf("a bad file wrote points: %+v", s)
	}

	r = runCLI(t, db, "import", "--format", "print-daily", "--dry-run", paperFile("print-daily.csv"))
	if r.code != 0 || !strings.Contains(r.stdout, `printing,site=Rådhuset,source=print-daily jobs_not_released=111i,jobs_released=701i,jobs_submitted=812i,sheets_colour=610i,sheets_duplex=2300i,sheets_not_printed=930i,sheets_printed=5120i 1614556800000000000`) {
		t.Fatalf("dry run: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for range 2 {
		r = runCLI(t, db, "import", "--format", "print-daily", paperFile("print-daily.csv"), paperFile("print-daily-sv.csv"))
		if r.code != 0 || !strings.Contains(r.stdout, "imported 7 points from 7 rows in 2 files") || !strings.Contains(r.stdout, "printing_monthly rollup points for 2 months") {
			t.Fatalf("import: %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
	s := db.Query(t, `SELECT sum("sheets_not_printed") FROM "printing" WHERE time >= '2021-01-01T00:00:00Z'`)
	if len(s) != 1 || s[0].Values[0][1] != 6815.0 {
		t.Errorf("sheets not printed 2021 after two imports: %+v", s)
	}

	r = runCLI(t, db, "import", "--format", "papercut-printlog", "--site-map", paperFile("sites.csv"), paperFile("printlog_2021_03_04.log"), paperFile("printlog-bad.log"))
	if r.code != 1 || !strings.Contains(r.stdout, "printing source=papercut-printlog: 2 points, 2 sites") ||
		!strings.Contains(r.stderr, `printlog-bad.log:1:9: column "total number of pages": value "fyra": is not a whole number`) {
		t.Fatalf("papercut: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, who := range []string{"anna", "Lönelista", "bjorn"} {
		if strings.Contains(r.stdout+r.stderr, who) {
			t.Errorf("output names %q", who)
		}
	}
	if s := db.Query(t, `SELECT "pages_logged" FROM "printing" WHERE "site" = 'Rådhuset' AND "source" = 'papercut-printlog'`); len(s) != 1 || s[0].Values[0][1] != 23.0 {
		t.Errorf("papercut points: %+v", s)
	}
	if r = runCLI(t, db, "import", "--format", "print-daily", "--site-map", "x.csv", paperFile("print-daily.csv")); r.code != 2 {
		t.Errorf("--site-map with print-daily: code %d %s", r.code, r.stderr)
	}

	r = runCLI(t, db, "import", "--format", "mail-daily", paperFile("mail-daily.csv"), paperFile("mail-daily-sv.csv"))
	if r.code != 0 || !strings.Contains(r.stdout, "mail: 7 points, 2 systems, 2020-09-01..2021-03-01") {
		t.Fatalf("mail: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	r = runCLI(t, db, "report", "--template", "policy", "--from", "2020", "--to", "2021", "--format", "json")
	if r.code != 0 {
		t.Fatalf("report: %d %s", r.code, r.stderr)
	}
	var rep struct {
		Printing struct {
			Years []struct {
				Year             int    `json:"year"`
				SheetsNotPrinted *int64 `json:"sheets_not_printed"`
			} `json:"years"`
		} `json:"printing"`
		Mail struct {
			Years []struct {
				Year            int      `json:"year"`
				ShareDigitalPct *float64 `json:"share_digital_pct"`
			} `json:"years"`
		} `json:"mail"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(rep.Printing.Years) != 2 || rep.Printing.Years[1].SheetsNotPrinted == nil || *rep.Printing.Years[1].SheetsNotPrinted != 6815 || rep.Printing.Years[0].SheetsNotPrinted == nil || *rep.Printing.Years[0].SheetsNotPrinted != 410 {
		t.Errorf("printing years %+v", rep.Printing.Years)
	}
	if len(rep.Mail.Years) != 2 || rep.Mail.Years[1].ShareDigitalPct == nil || *rep.Mail.Years[1].ShareDigitalPct != 34.4 {
		t.Errorf("mail years %+v", rep.Mail.Years)
	}
}

// TestImportPaperCutLogWithAQuoteInADocumentName: PaperCut's print log is
// tab-separated and quotes nothing, so a document named `12" screen.pdf`
// is one field like any other; the importer's record bound (1 MiB, against
// files without line ends) must not take the quote as the start of a CSV
// field that runs on for the rest of the file. The day after it has more
// than 1 MiB of lines, as a large site's busy day does.
func TestImportPaperCutLogWithAQuoteInADocumentName(t *testing.T) {
	db := influxtest.NewDatabase(t)
	var b strings.Builder
	b.WriteString("2021-03-04\t8:15:40 AM\tprintsrv01\tRH-Plan3-MFP\tcecilia.carlsson\tcecilia.carlsson\tRH-PC-0310\t12\" screen.pdf\t3\t3\n")
	lines := 1
	for b.Len() < 3<<20/2 {
		b.WriteString("2021-03-04\t9:02:11 AM\tprintsrv01\tRH-Plan3-MFP\tanna.berg\tanna.berg\tRH-PC-0311\tbudget.xlsx\t2\t1\n")
		lines++
	}
	name := filepath.Join(t.TempDir(), "printlog_2021_03_04.log")
	if err := os.WriteFile(name, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, db, "import", "--format", "papercut-printlog", name)
	if r.code != 0 {
		t.Fatalf("a %d-line log with one quote in a document name: exit %d\n%s\n%s", lines, r.code, r.stdout, r.stderr)
	}
	s := db.Query(t, `SELECT "jobs_logged" FROM "printing" WHERE "source" = 'papercut-printlog'`)
	if len(s) != 1 || s[0].Values[0][1] != float64(lines) {
		t.Errorf("jobs logged: %+v, want %d", s, lines)
	}
}
