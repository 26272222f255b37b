package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/graphsim"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
)

// pullSim starts a simulator at the given date and points the real binary
// at it through the environment, trusting its CA through SSL_CERT_FILE
// only (as in the demo and in production with a private CA).
func pullSim(t *testing.T, today time.Time) *graphsim.Server {
	t.Helper()
	sim, err := graphsim.Start("", graphsim.Options{
		Story:    graphsim.Story{Seed: 2020, CallRecordScale: 0.005},
		Now:      func() time.Time { return today.Add(12 * time.Hour) },
		TenantID: "tenant", ClientID: "app", ClientSecret: "pull-test-secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, sim.CACertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"SSL_CERT_FILE": ca, "KRETSLOPP_GRAPH_BASE_URL": sim.BaseURL(), "KRETSLOPP_GRAPH_AUTHORITY_HOST": sim.AuthorityHost(),
		"KRETSLOPP_GRAPH_TENANT_ID": "tenant", "KRETSLOPP_GRAPH_CLIENT_ID": "app", "KRETSLOPP_GRAPH_CLIENT_SECRET": "pull-test-secret",
	} {
		t.Setenv(k, v)
	}
	return sim
}

// TestPullThenReportShowsGrowth: simulator → pull (the real binary) → real
// InfluxDB → report shows the Teams jump of 2020.
func TestPullThenReportShowsGrowth(t *testing.T) {
	db := influxtest.NewDatabase(t)
	for _, today := range []string{"2020-01-02", "2021-01-02"} {
		day, _ := time.Parse("2006-01-02", today)
		pullSim(t, day)
		r := runCLI(t, db, "pull", "--once", "--today", today)
		if r.code != 0 {
			t.Fatalf("pull at %s: exit %d\n%s\n%s", today, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "0 of 7 failed") || !strings.Contains(r.stdout, "getTeamsUserActivityCounts") {
			t.Errorf("summary:\n%s", r.stdout)
		}
		if strings.Contains(r.stderr, "pull-test-secret") {
			t.Error("the client secret was logged")
		}
	}
	years := reportJSON(t, db, "2019", "2020")
	teams := years["teams 2020"]
	if teams.GrowthPct == nil || *teams.GrowthPct < 5000 {
		t.Fatalf("teams 2020 %+v (2019 %+v): want the pandemic jump", teams, years["teams 2019"])
	}
	if skype := years["skype 2020"]; skype.Meetings >= years["skype 2019"].Meetings {
		t.Errorf("skype should decline: %+v %+v", years["skype 2019"], skype)
	}
	t.Logf("teams 2019 %d, 2020 %d (%+.0f %%) — second half of each year, from two 180-day pulls", years["teams 2019"].Meetings, teams.Meetings, *teams.GrowthPct)
}

// TestPullOneReportFailing: a report answering 503 fails alone, the others
// land, and the exit status says so.
func TestPullOneReportFailing(t *testing.T) {
	db := influxtest.NewDatabase(t)
	day := time.Date(2020, 6, 15, 0, 0, 0, 0, time.UTC)
	sim := pullSim(t, day)
	sim.AddFault(graphsim.Fault{Match: "getSkypeForBusinessPeerToPeerActivityCounts", Status: http.StatusServiceUnavailable, Times: -1})
	r := runCLI(t, db, "pull", "--once", "--today", "2020-06-15", "--no-call-records")
	if r.code == 0 || !strings.Contains(r.stdout, "1 of 6 failed") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	series := db.Query(t, `SELECT count("meetings") FROM "meetings" WHERE "platform"='teams'`)
	if len(series) == 0 || series[0].Values[0][1] != float64(180) && series[0].Values[0][1] != "180" {
		t.Errorf("teams days: %+v", series)
	}
}
