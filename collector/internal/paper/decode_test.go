package paper

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testNow = func() time.Time { return time.Date(2022, 6, 1, 12, 0, 0, 0, time.UTC) }

func decodeFile(t *testing.T, f Format, name string, opts Options) *Result {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	opts.File = name
	if opts.Now == nil {
		opts.Now = testNow
	}
	res, err := Decode(context.Background(), f, fh, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// point finds the record with the given tag value and day.
func point(t *testing.T, recs []Record, tag, day string) Record {
	t.Helper()
	for _, r := range recs {
		if (r.Tags[TagSite] == tag || r.Tags[TagSystem] == tag) && r.Day.Format(time.DateOnly) == day {
			return r
		}
	}
	t.Fatalf("no point %s %s in %d records", tag, day, len(recs))
	return Record{}
}

func wantFields(t *testing.T, r Record, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if r.Fields[k] != v {
			t.Errorf("%s %s: %s = %v, want %v", r.Tags, r.Day.Format(time.DateOnly), k, r.Fields[k], v)
		}
	}
	for k := range r.Fields {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %s: unexpected field %s = %v", r.Tags, r.Day.Format(time.DateOnly), k, r.Fields[k])
		}
	}
}

func TestPrintDaily(t *testing.T) {
	res := decodeFile(t, FormatPrintDaily, "print-daily.csv", Options{})
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if res.Rows != 5 || len(res.Records) != 5 {
		t.Fatalf("rows %d, records %d", res.Rows, len(res.Records))
	}
	r := point(t, res.Records, "Östra gymnasiet", "2021-03-02")
	if r.Measurement != "printing" || r.Tags[TagSource] != "print-daily" || r.Day.Location() != time.UTC {
		t.Errorf("record %+v", r)
	}
	// An empty cell is "not known": left out, never 0.
	wantFields(t, r, map[string]any{"jobs_submitted": int64(1388), "jobs_released": int64(1160), "jobs_not_released": int64(228),
		"sheets_printed": int64(9450), "sheets_not_printed": int64(2010), "sheets_duplex": int64(3950)})
	wantFields(t, point(t, res.Records, "Rådhuset", "2021-03-03"), map[string]any{"sheets_printed": int64(5010), "sheets_not_printed": int64(880)})

	sv := decodeFile(t, FormatPrintDaily, "print-daily-sv.csv", Options{Source: "uniflow"})
	if err := sv.Err(); err != nil {
		t.Fatal(err)
	}
	r = point(t, sv.Records, "Stadsbiblioteket", "2020-11-02")
	if r.Tags[TagSource] != "uniflow" {
		t.Errorf("source tag %q", r.Tags[TagSource])
	}
	wantFields(t, r, map[string]any{"jobs_submitted": int64(210), "jobs_released": int64(180), "jobs_not_released": int64(30), "sheets_printed": int64(1500), "sheets_not_printed": int64(260)})
}

// TestPrintDailyErrors checks that every bad row is named by file, line,
// column, header and value, and that the good row still counts.
func TestPrintDailyErrors(t *testing.T) {
	res := decodeFile(t, FormatPrintDaily, "print-daily-bad.csv", Options{})
	want := []string{
		`print-daily-bad.csv:3:1: column "date": value "2021-03-01": 2021-03-01 Rådhuset is already on line 2; a day is counted once per site`,
		`print-daily-bad.csv:4:1: column "date": value "2021-13-01": is not a date (expected YYYY-MM-DD)`,
		`print-daily-bad.csv:5:2: column "site": value "": is empty`,
		`print-daily-bad.csv:6:3: column "jobs_submitted": value "ten": is not a whole number`,
		`print-daily-bad.csv:7:8: column "sheets_colour": value "11": is more than sheets_printed (10) on the same row`,
		`print-daily-bad.csv:8: has no values to store (every count is empty)`,
		`print-daily-bad.csv:9:6: column "sheets_printed": value "-5": is negative`,
		`print-daily-bad.csv:10: has 4 fields, the header has 8`,
	}
	if res.Rows != 9 || res.BadRows != len(want) || len(res.Records) != 1 {
		t.Fatalf("rows %d bad %d records %d", res.Rows, res.BadRows, len(res.Records))
	}
	for i, e := range res.Errors {
		if e.Error() != want[i] {
			t.Errorf("error %d:\n got %s\nwant %s", i, e, want[i])
		}
	}
	_, err := Decode(context.Background(), FormatPrintDaily, strings.NewReader("date,site,sheets_printed\n2021-01-01,A,1\n"), Options{File: "x.csv", Now: testNow})
	if err == nil || err.Error() != `x.csv:1: missing column "sheets_not_printed" (header is: date,site,sheets_printed)` {
		t.Errorf("missing column: %v", err)
	}
}

func TestPrintLog(t *testing.T) {
	res := decodeFile(t, FormatPaperCut, "printlog_2021_03_04.log", Options{})
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if res.Rows != 6 || len(res.Records) != 3 {
		t.Fatalf("rows %d, records %d: %+v", res.Rows, len(res.Records), res.Records)
	}
	// Without a site map each printer is its own site.
	r := point(t, res.Records, "RH-Plan2-MFP", "2021-03-04")
	if r.Tags[TagSource] != "papercut-printlog" || len(r.Tags) != 2 {
		t.Errorf("tags %v", r.Tags)
	}
	wantFields(t, r, map[string]any{"jobs_logged": int64(3), "pages_logged": int64(20), "pages_colour_logged": int64(3)})
	// The document name starting with a quote is an ordinary character.
	wantFields(t, point(t, res.Records, "RH-Plan3-MFP", "2021-03-04"), map[string]any{"jobs_logged": int64(1), "pages_logged": int64(3), "pages_colour_logged": int64(3)})

	sites, err := ReadSiteMap(context.Background(), strings.NewReader("Printer,Site\nrh-plan2-mfp,Rådhuset\nRH-Plan3-MFP,Rådhuset\nOG-Bibliotek,Östra gymnasiet\n"), "sites.csv")
	if err != nil {
		t.Fatal(err)
	}
	res = decodeFile(t, FormatPaperCut, "printlog_2021_03_04.log", Options{Sites: sites})
	if len(res.Records) != 2 {
		t.Fatalf("%d records with the site map", len(res.Records))
	}
	wantFields(t, point(t, res.Records, "Rådhuset", "2021-03-04"), map[string]any{"jobs_logged": int64(4), "pages_logged": int64(23), "pages_colour_logged": int64(6)})
	wantFields(t, point(t, res.Records, "Östra gymnasiet", "2021-03-04"), map[string]any{"jobs_logged": int64(2), "pages_logged": int64(36), "pages_colour_logged": int64(0)})

	// A printer missing from the map is an error that names the map.
	small, err := ReadSiteMap(context.Background(), strings.NewReader("skrivare,enhet\nRH-Plan2-MFP,Rådhuset\n"), "map.csv")
	if err != nil {
		t.Fatal(err)
	}
	res = decodeFile(t, FormatPaperCut, "printlog_2021_03_04.log", Options{Sites: small})
	if res.BadRows != 3 || res.Errors[0].Error() != `printlog_2021_03_04.log:3:4: column "printer name": value "RH-Plan3-MFP": is not in the site map map.csv` {
		t.Errorf("bad %d: %v", res.BadRows, res.Err())
	}
}

// TestPrintLogNamesNoPerson checks that nothing from the user, account,
// workstation or document columns reaches a record or an error message.
func TestPrintLogNamesNoPerson(t *testing.T) {
	secret := []string{"anna.andersson", "bjorn.berg", "cecilia", "elev2104", "larare.lund", "Lönelista", "Hemligt", "Utkast", "Rapport.pdf", "Budget", "RH-PC", "OG-LAB", "OG-PC", "Prov"}
	for _, name := range []string{"printlog_2021_03_04.log", "printlog-bad.log"} {
		res := decodeFile(t, FormatPaperCut, name, Options{})
		var all strings.Builder
		for _, r := range res.Records {
			line, err := r.Point().AppendLine(nil)
			if err != nil {
				t.Fatal(err)
			}
			all.Write(line)
		}
		if err := res.Err(); err != nil {
			all.WriteString(err.Error())
		}
		for _, s := range secret {
			if strings.Contains(all.String(), s) {
				t.Errorf("%s: %q appears in a record or message:\n%s", name, s, all.String())
			}
		}
	}
}

func TestPrintLogErrors(t *testing.T) {
	res := decodeFile(t, FormatPaperCut, "printlog-bad.log", Options{})
	want := []string{
		`printlog-bad.log:1:9: column "total number of pages": value "fyra": is not a whole number`,
		`printlog-bad.log:2: has 9 fields, expected at least 10`,
		`printlog-bad.log:3:1: column "date": value "04/03/2021": is not a date (expected YYYY-MM-DD)`,
		`printlog-bad.log:4:2: column "time": value "25:01:09 PM": is not a time (expected h:mm:ss followed by an AM/PM marker)`,
		`printlog-bad.log:5:10: column "total number of color pages": value "9": is more than the total number of pages (4)`,
	}
	if res.Rows != 6 || res.BadRows != len(want) || len(res.Records) != 1 {
		t.Fatalf("rows %d bad %d records %d", res.Rows, res.BadRows, len(res.Records))
	}
	for i, e := range res.Errors {
		if e.Error() != want[i] {
			t.Errorf("error %d:\n got %s\nwant %s", i, e, want[i])
		}
	}
}

// TestPrintLogExtraFields: the manual's table goes on after Field 9; a line
// may carry more fields, which are not read. CRLF line ends (a Windows
// server) and an empty log (no jobs that day) are fine too.
func TestPrintLogExtraFields(t *testing.T) {
	in := "2021-03-04\t9:00:00 fm\tsrv\tP1\tu\ta\tc\td\t2\t1\t1\textra\t\tmore\r\n\r\n2021-03-04\t9:01:00 em\tsrv\tP1\tu\ta\tc\td\t5\t0\r\n"
	res, err := Decode(context.Background(), FormatPaperCut, strings.NewReader(in), Options{File: "p.log", Now: testNow})
	if err != nil || res.Err() != nil {
		t.Fatal(err, res.Err())
	}
	if res.Rows != 2 || len(res.Records) != 1 {
		t.Fatalf("rows %d records %d", res.Rows, len(res.Records))
	}
	wantFields(t, res.Records[0], map[string]any{"jobs_logged": int64(2), "pages_logged": int64(7), "pages_colour_logged": int64(1)})
	res, err = Decode(context.Background(), FormatPaperCut, strings.NewReader(""), Options{File: "empty.log", Now: testNow})
	if err != nil || res.Rows != 0 || len(res.Records) != 0 {
		t.Fatalf("empty log: %v %+v", err, res)
	}
}

func TestMailDaily(t *testing.T) {
	res := decodeFile(t, FormatMailDaily, "mail-daily.csv", Options{})
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 5 {
		t.Fatalf("%d records", len(res.Records))
	}
	r := point(t, res.Records, "Försörjningsstöd", "2020-09-01")
	if r.Measurement != "mail" || r.Tags[TagPeriod] != "month" {
		t.Errorf("month record %+v", r)
	}
	wantFields(t, r, map[string]any{"letters_digital": int64(120), "letters_paper": int64(2880), "source": "mail-daily"})
	r = point(t, res.Records, "Bygglov", "2021-01-05")
	if r.Tags[TagPeriod] != "day" {
		t.Errorf("day record %+v", r)
	}
	wantFields(t, r, map[string]any{"letters_digital": int64(0), "letters_paper": int64(14), "source": "mail-daily"})

	sv := decodeFile(t, FormatMailDaily, "mail-daily-sv.csv", Options{})
	if err := sv.Err(); err != nil || len(sv.Records) != 2 {
		t.Fatalf("%v, %d records", err, len(sv.Records))
	}
}

func TestMailDailyErrors(t *testing.T) {
	res := decodeFile(t, FormatMailDaily, "mail-daily-bad.csv", Options{})
	want := []string{
		`mail-daily-bad.csv:3:1: column "date": value "2021-03-04": 2021-03 of Försörjningsstöd is already given as a whole month on line 2`,
		`mail-daily-bad.csv:4:1: column "date": value "2021-3": is not a date (expected YYYY-MM-DD); a month is written YYYY-MM`,
		`mail-daily-bad.csv:5:3: column "letters_digital": value "": is empty`,
		`mail-daily-bad.csv:7:1: column "date": value "2021-05": 2021-05 of Bygglov is already on line 6`,
	}
	if res.BadRows != len(want) || len(res.Records) != 2 {
		t.Fatalf("bad %d records %d: %v", res.BadRows, len(res.Records), res.Err())
	}
	for i, e := range res.Errors {
		if e.Error() != want[i] {
			t.Errorf("error %d:\n got %s\nwant %s", i, e, want[i])
		}
	}
	// A month in the future, and before 2000.
	res, err := Decode(context.Background(), FormatMailDaily, strings.NewReader("date,system,letters_digital,letters_paper\n2022-07,A,1,1\n1999-12,A,1,1\n"), Options{File: "m.csv", Now: testNow})
	if err != nil || res.BadRows != 2 || !strings.Contains(res.Errors[0].Msg, "future") || !strings.Contains(res.Errors[1].Msg, "before 2000") {
		t.Errorf("%v %v", err, res.Err())
	}
}

func TestSiteMapErrors(t *testing.T) {
	_, err := ReadSiteMap(context.Background(), strings.NewReader("printer,site\nP1,A\np1,B\nP2,\n"), "sites.csv")
	if err == nil || !strings.Contains(err.Error(), `sites.csv:3:1: column "printer": value "p1": is already on line 2`) ||
		!strings.Contains(err.Error(), `sites.csv:4:2: column "site": value "": is empty`) {
		t.Errorf("site map: %v", err)
	}
	_, err = ReadSiteMap(context.Background(), strings.NewReader("name,site\n"), "sites.csv")
	if err == nil || !strings.Contains(err.Error(), `missing column "printer"`) {
		t.Errorf("no printer column: %v", err)
	}
}
