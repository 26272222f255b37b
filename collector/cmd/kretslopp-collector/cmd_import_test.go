package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

type cliResult struct {
	stdout, stderr string
	code           int
}

func runCLI(t *testing.T, db *influxtest.DB, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(testkit.Binary(t, testkit.Collector), args...)
	cmd.Env = append(os.Environ(), "KRETSLOPP_CONFIG=", "KRETSLOPP_LOG_LEVEL=warn")
	if db != nil {
		cmd.Env = append(cmd.Env, db.Env()...)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{out.String(), errb.String(), code}
}

const seed = "../kretslopp-demo/seed"

func seedFiles(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(seed, pattern))
	if err != nil || len(m) == 0 {
		t.Fatalf("no seed files %s: %v", pattern, err)
	}
	return m
}

type yearRow struct {
	Platform  string   `json:"platform"`
	Year      int      `json:"year"`
	Meetings  int64    `json:"meetings"`
	GrowthPct *float64 `json:"growth_pct"`
}

func reportJSON(t *testing.T, db *influxtest.DB, from, to string) map[string]yearRow {
	t.Helper()
	r := runCLI(t, db, "report", "--from", from, "--to", to, "--format", "json")
	if r.code != 0 {
		t.Fatalf("report exit %d: %s", r.code, r.stderr)
	}
	var body struct {
		ByYear  []yearRow        `json:"meetings_by_year"`
		ByMonth []map[string]any `json:"meetings_by_month"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &body); err != nil {
		t.Fatalf("report output is not JSON: %v\n%s", err, r.stdout)
	}
	if len(body.ByMonth) == 0 {
		t.Errorf("meetings_by_month is empty")
	}
	out := map[string]yearRow{}
	for _, y := range body.ByYear {
		out[y.Platform+" "+itoa(y.Year)] = y
	}
	return out
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// End to end: the seed's CSV exports -> import -> real InfluxDB -> report.
func TestImportThenReportShowsTeamsGrowth(t *testing.T) {
	db := influxtest.NewDatabase(t)
	args := append([]string{"import", "--format", "teams-activity-counts"}, seedFiles(t, "TeamsUserActivityCounts_*.csv")...)
	if r := runCLI(t, db, args...); r.code != 0 {
		t.Fatalf("import teams: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, db, "import", "--format", "meetings-daily", filepath.Join(seed, "meetings-daily.csv")); r.code != 0 {
		t.Fatalf("import meetings-daily: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, db, append([]string{"import", "--format", "zoom-daily"}, seedFiles(t, "zoom-daily-*.csv")...)...); r.code != 0 {
		t.Fatalf("import zoom: exit %d\n%s", r.code, r.stderr)
	}
	check := func() {
		t.Helper()
		rep := reportJSON(t, db, "2019", "2021")
		want := []struct {
			key      string
			meetings int64
			growth   *float64
		}{
			{"teams 2019", 300, nil}, {"teams 2020", 39150, ptr(12950)}, {"teams 2021", 44800, ptr(14.4)},
			{"skype 2019", 21000, nil}, {"skype 2020", 9500, ptr(-54.8)}, {"skype 2021", 1200, ptr(-87.4)},
			{"zoom 2020", 3100, nil}, {"webex 2020", 2600, ptr(188.9)},
		}
		for _, w := range want {
			got, ok := rep[w.key]
			if !ok {
				t.Errorf("%s missing from meetings_by_year", w.key)
				continue
			}
			if got.Meetings != w.meetings || !sameGrowth(got.GrowthPct, w.growth) {
				t.Errorf("%s = %d meetings, growth %s; want %d, %s", w.key, got.Meetings, show(got.GrowthPct), w.meetings, show(w.growth))
			}
		}
	}
	check()
	// Importing the same overlapping exports again changes nothing.
	if r := runCLI(t, db, args...); r.code != 0 {
		t.Fatalf("re-import: exit %d\n%s", r.code, r.stderr)
	}
	check()
	// The rollup measurement for Grafana says the same.
	s := db.Query(t, `SELECT "meetings", "growth_pct" FROM "meetings_yearly" WHERE "platform" = 'teams' AND time = '2020-01-01T00:00:00Z'`)
	if len(s) != 1 || len(s[0].Values) != 1 || s[0].Values[0][1] != float64(39150) || s[0].Values[0][2] != float64(12950) {
		t.Errorf("meetings_yearly teams 2020 = %+v", s)
	}
	// The first year of a report has no growth, even when the year before has data.
	if rep := reportJSON(t, db, "2020", "2021"); rep["teams 2020"].GrowthPct != nil {
		t.Errorf("first year growth = %v, want null", *rep["teams 2020"].GrowthPct)
	}
	table := runCLI(t, db, "report", "--from", "2019", "--to", "2021", "--format", "table")
	if table.code != 0 || !strings.Contains(table.stdout, "39 150") || !strings.Contains(table.stdout, "+12950.0 %") {
		t.Errorf("table report:\n%s\n%s", table.stdout, table.stderr)
	}
}

func TestImportBadFileWritesNothing(t *testing.T) {
	db := influxtest.NewDatabase(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(bad, []byte("date,platform,meetings\n2020-01-01,webex,3\n2020-01-02,webex,three\n"), 0o644)
	os.WriteFile(good, []byte("date,platform,meetings\n2020-01-01,jitsi,5\n"), 0o644)
	r := runCLI(t, db, "import", "--format", "meetings-daily", bad, good)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, bad+`:3:3: column "meetings": value "three": is not a whole number`) || !strings.Contains(r.stderr, "nothing from this file is written") {
		t.Errorf("stderr does not name file, line and column:\n%s", r.stderr)
	}
	s := db.Query(t, `SELECT sum("meetings") FROM "meetings" GROUP BY "platform"`)
	got := map[string]any{}
	for _, x := range s {
		got[x.Tags["platform"]] = x.Values[0][1]
	}
	if got["webex"] != nil || got["jitsi"] != float64(5) {
		t.Errorf("written = %v; want only jitsi 5 (the good file)", got)
	}
	// --skip-invalid writes the valid rows.
	r = runCLI(t, db, "import", "--format", "meetings-daily", "--skip-invalid", bad)
	if r.code != 0 {
		t.Fatalf("--skip-invalid: exit %d\n%s", r.code, r.stderr)
	}
	s = db.Query(t, `SELECT sum("meetings") FROM "meetings" WHERE "platform" = 'webex'`)
	if len(s) != 1 || s[0].Values[0][1] != float64(3) {
		t.Errorf("after --skip-invalid webex = %+v, want 3", s)
	}
}

func TestImportDryRunAndUsage(t *testing.T) {
	r := runCLI(t, nil, "import", "--format", "zoom-daily", "--dry-run", filepath.Join(seed, "zoom-daily-2020.csv"))
	if r.code != 0 || !strings.Contains(r.stdout, "meetings,platform=zoom ") || !strings.Contains(r.stdout, "# dry run: would write") {
		t.Errorf("dry run: exit %d\n%.500s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"import", "x.csv"}, "--format is required"},
		{[]string{"import", "--format", "teams"}, `unknown format "teams"`},
		{[]string{"import", "--format", "zoom-daily"}, "no FILE given"},
		{[]string{"report", "--from", "2021", "--to", "2019"}, "expected years with from <= to"},
		{[]string{"report", "--format", "xml"}, `--format "xml"`},
	} {
		r := runCLI(t, nil, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.msg)
		}
	}
	r = runCLI(t, nil, "import", "--format", "zoom-daily", "--dry-run", "/nonexistent.csv")
	if r.code != 1 || !strings.Contains(r.stderr, "/nonexistent.csv") {
		t.Errorf("missing file: exit %d, %q", r.code, r.stderr)
	}
}

func ptr(f float64) *float64 { return &f }

func sameGrowth(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func show(p *float64) string {
	if p == nil {
		return "null"
	}
	b, _ := json.Marshal(*p)
	return string(b)
}
