package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/devices/devicestest"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/collector/internal/paper"
	"github.com/kretslopp/kretslopp/collector/internal/report"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// reportNow is the clock of the report tests: the fleet is written
// through the collector in the weeks before it.
var reportNow = time.Date(2021, 12, 20, 15, 0, 0, 0, time.UTC)

// importSeed imports the demo seed with the real import code: every file
// decoded and checked, merged, written, rollups updated.
func importSeed(t *testing.T, db *influxtest.DB) {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join("..", "..", "cmd", "kretslopp-demo", "seed") // the demo's saved exports
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var all [][]meetings.Record
	for _, e := range entries {
		var format meetings.Format
		switch name := e.Name(); {
		case strings.HasPrefix(name, "TeamsUserActivityCounts"):
			format = "teams-activity-counts"
		case strings.HasPrefix(name, "zoom-daily"):
			format = "zoom-daily"
		case name == "meetings-daily.csv":
			format = "meetings-daily"
		default:
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		res, err := meetings.Decode(ctx, format, f, meetings.Options{File: e.Name(), Now: func() time.Time { return time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC) }})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Err(); err != nil {
			t.Fatal(err)
		}
		all = append(all, res.Records)
	}
	if err := db.Client(t).Write(ctx, meetings.Points(meetings.Merge(all...))); err != nil {
		t.Fatal(err)
	}
}

// importInventory imports the report's inventory (serials of the test
// fleet, two retired laptops, one spare that never reported).
func importInventory(t *testing.T, db *influxtest.DB) {
	t.Helper()
	name := filepath.Join("..", "lifecycle", "testdata", "inventory-report.csv")
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := lifecycle.DecodeInventory(context.Background(), f, lifecycle.InventoryOptions{File: name, Now: func() time.Time { return reportNow }})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if err := db.Client(t).Write(context.Background(), lifecycle.Points(res.Items)); err != nil {
		t.Fatal(err)
	}
}

// printing2020 is a year before the fixtures' 2021, so that the report
// has a year to compare with: 3,000 sheets never collected (2,000 of them
// on 2020-12-31, Rådhuset) against 6,815 in 2021.
const printing2020 = "datum,enhet,jobb ej utskrivna,ark utskrivna,ark ej utskrivna\n2020-03-02,Rådhuset,100,4000,1000\n2020-12-31,Rådhuset,50,3000,2000\n"

// importPaper imports the printing and mail fixtures of the paper package
// with its real readers: print-daily 2020 and 2021, one PaperCut log day,
// and digital mail of two systems (2020-09 to 2021-03).
func importPaper(t *testing.T, db *influxtest.DB) {
	t.Helper()
	dir := filepath.Join("..", "paper", "testdata")
	for _, in := range []struct {
		format paper.Format
		name   string
	}{
		{paper.FormatPrintDaily, "print-daily.csv"},
		{paper.FormatPrintDaily, "print-2020.csv"},
		{paper.FormatPaperCut, "printlog_2021_03_04.log"},
		{paper.FormatMailDaily, "mail-daily.csv"},
		{paper.FormatMailDaily, "mail-daily-sv.csv"},
	} {
		var data []byte
		var err error
		if in.name == "print-2020.csv" {
			data = []byte(printing2020)
		} else if data, err = os.ReadFile(filepath.Join(dir, in.name)); err != nil {
			t.Fatal(err)
		}
		res, err := paper.Decode(context.Background(), in.format, bytes.NewReader(data), paper.Options{File: in.name, Now: func() time.Time { return reportNow }})
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Err(); err != nil {
			t.Fatal(err)
		}
		if err := db.Client(t).Write(context.Background(), meetings.Points(res.Records)); err != nil {
			t.Fatal(err)
		}
	}
}

// fixtureDB is a database with the seed meetings, the test fleet, the
// inventory and the printing and mail fixtures.
func fixtureDB(t *testing.T) *influxtest.DB {
	t.Helper()
	db := influxtest.NewDatabase(t)
	importSeed(t, db)
	c := testkit.StartCollector(t, db.DB, testkit.CollectorOptions{})
	devicestest.Fill(t, c.URL, reportNow)
	importInventory(t, db)
	importPaper(t, db)
	return db
}

// fixture is the yearly report 2019–2021 of fixtureDB, with the carbon
// configuration of the tests (fixtureCarbon; travel: with travel factors).
func fixture(t *testing.T, travel bool) *report.Yearly {
	t.Helper()
	return buildYearly(t, fixtureDB(t), 2019, 2021, fixtureCarbon(t, travel))
}

func TestYearlyReportJSON(t *testing.T) {
	y := fixture(t, false)
	var buf bytes.Buffer
	if err := report.WriteYearlyJSON(&buf, y); err != nil {
		t.Fatal(err)
	}
	var got struct {
		MeetingsByYear []struct {
			Platform  string   `json:"platform"`
			Year      int      `json:"year"`
			Meetings  int64    `json:"meetings"`
			GrowthPct *float64 `json:"growth_pct"`
		} `json:"meetings_by_year"`
		Minutes []map[string]any `json:"minutes_by_year"`
		Fleet   map[string]any   `json:"fleet"`
		Long    map[string]any   `json:"longevity"`
		Carbon  *carbonJSON      `json:"carbon"`
		Method  []map[string]any `json:"method"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	teams := map[int]int64{}
	var growth2020 float64
	for _, r := range got.MeetingsByYear {
		if r.Platform == "teams" {
			teams[r.Year] = r.Meetings
			if r.Year == 2020 && r.GrowthPct != nil {
				growth2020 = *r.GrowthPct
			}
		}
	}
	if teams[2019] != 300 || teams[2020] != 39150 || teams[2021] != 44800 || growth2020 != 12950 {
		t.Errorf("teams by year %v, growth 2020 %v", teams, growth2020)
	}
	f := got.Fleet
	want := map[string]float64{
		"devices": 3, "batteries": 3, "batteries_below_80_pct": 1, "batteries_over_1000_cycles": 1,
		"devices_due_for_battery": 1, "due_for_replacement": 1, "planned_life_years": 5,
		"age_from_firmware_date": 2, "age_from_first_seen": 1, "median_age_years": 2,
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("fleet.%s = %v, want %v", k, f[k], v)
		}
	}
	if f["as_of"] != "2021-12-20" {
		t.Errorf("as_of %v", f["as_of"])
	}
	up := f["uptime"].(map[string]any)
	if up["devices"] != 3.0 || up["not_rebooted_30d"] != 1.0 || up["not_rebooted_30d_pct"] != 33.3 {
		t.Errorf("uptime %v", up)
	}
	// Longevity: three serials reporting in 2021, one round each; two
	// laptops retired in 2020 and 2021 after 6.0 and 4.5 years; PF000001
	// (bought 2016) is past the planned life with an 87 % battery.
	for k, v := range map[string]any{
		"hardware": 3.0, "in_second_round": 0.0, "retired": 2.0, "median_service_life_years": 5.2,
		"past_planned_life": 1.0, "reuse_candidates": 1.0, "inventory_items": 5.0,
	} {
		if got.Long[k] != v {
			t.Errorf("longevity.%s = %v, want %v", k, got.Long[k], v)
		}
	}
	if m := got.Long["reporting_not_in_inventory"]; len(m.([]any)) != 1 || m.([]any)[0] != "PF000003" {
		t.Errorf("reporting, not in inventory: %v", m)
	}
	if n := got.Long["in_inventory_never_reported"].([]any); len(n) != 1 || n[0].(map[string]any)["serial"] != "SPARE-001" {
		t.Errorf("never reported: %v", n)
	}
	// The carbon section (TestCarbonSections checks its figures).
	if c := got.Carbon; c == nil || c.Dataset.Commit != carbon.Boavizta.Commit || len(c.Years) != 3 || c.Years[2].EmbodiedKgPerDeviceYear == nil || c.Years[2].AvoidedKg == nil ||
		len(c.Years[2].ByClass) == 0 || len(c.Years[2].ByModel) == 0 || string(c.Travel) != "null" {
		t.Errorf("carbon section %+v", c)
	}
	spans := map[string]map[string]any{}
	for _, m := range got.Method {
		spans[m["source"].(string)] = m
	}
	if s := spans["devices"]; s == nil || s["days"] != float64(devicestest.Days) || s["last_day"] != "2021-12-19" {
		t.Errorf("devices span %v", s)
	}
	if s := spans["meetings:teams"]; s == nil || s["first_day"] != "2019-01-01" {
		t.Errorf("teams span %v", s)
	}
	hasTeamsAudio := false
	for _, m := range got.Minutes {
		if m["platform"] == "teams" && m["audio_min"] != nil {
			hasTeamsAudio = true
		}
	}
	if !hasTeamsAudio {
		t.Logf("no Teams audio minutes in the seed: %v", got.Minutes)
	}
	if len(got.Minutes) == 0 {
		t.Error("no minutes by modality")
	}

	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, y, report.Swedish); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| Microsoft Teams | 2020 | 39\u00a0150 | +12\u00a0950,0\u00a0% |", "## Metod och datakällor", "| devices | `device_daily` |",
		"| Medianlivslängd för avvecklade (år) | 5,2 |", "| 2021 | 1 | 100,0\u00a0% | 100,0\u00a0% | 100,0\u00a0% |", "Rapporterar men saknas i inventariet: 1. PF000003"} {
		if !strings.Contains(md.String(), s) {
			t.Errorf("markdown lacks %q", s)
		}
	}
	var tbl bytes.Buffer
	if err := report.WriteYearlyTable(&tbl, y); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tbl.String(), "devices due for a battery") || !regexp.MustCompile(`candidates for another round \(batteries >= 80 %\) +1\n`).MatchString(tbl.String()) {
		t.Errorf("table: %s", tbl.String())
	}
}
