package graph_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/callrecords"
	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/graph"
	"github.com/kretslopp/kretslopp/collector/internal/graphsim"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/collector/internal/pull"
)

func TestMain(m *testing.M) { os.Exit(influxtest.Main(m)) }

const (
	tenant = "3f0d6c9e-kommun-tenant"
	app    = "kretslopp-collector-app"
	secret = "s3cret-value"
)

var june2020 = time.Date(2020, 6, 15, 10, 30, 0, 0, time.UTC)

func startSim(t *testing.T, opts graphsim.Options) *graphsim.Server {
	t.Helper()
	opts.TenantID, opts.ClientID, opts.ClientSecret = tenant, app, secret
	if opts.Now == nil {
		opts.Now = func() time.Time { return june2020 }
	}
	if opts.Story.Seed == 0 {
		opts.Story.Seed = 2020
	}
	s, err := graphsim.Start("", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newClient(t *testing.T, sim *graphsim.Server) *graph.Client {
	t.Helper()
	cfg := config.GraphConfig{TenantID: tenant, ClientID: app, ClientSecret: secret, BaseURL: sim.BaseURL(), AuthorityHost: sim.AuthorityHost()}
	c, err := graph.New(cfg, graph.Options{
		Transport: sim.HTTPClient().Transport,
		Retry:     pull.RetryTransport{MaxRetries: 3, BaseDelay: 20 * time.Millisecond, MaxDelay: 200 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readReport(t *testing.T, c *graph.Client, name, period string, date time.Time) string {
	t.Helper()
	body, err := c.Report(context.Background(), name, period, date)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEveryReportThroughTheSDK(t *testing.T) {
	sim := startSim(t, graphsim.Options{})
	c := newClient(t, sim)
	for _, rep := range pull.Reports {
		period, date := "D7", time.Time{}
		if rep.ByDate {
			period, date = "", sim.ReportRefreshDate()
		}
		csv := readReport(t, c, rep.Name, period, date)
		want := "\ufeff" + strings.Join(graphsim.Headers[rep.Name], ",") + "\n"
		if !strings.HasPrefix(csv, want) {
			t.Errorf("%s: starts %q", rep.Name, strings.SplitN(csv, "\n", 2)[0])
		}
		if n := strings.Count(csv, "\n"); n < 2 {
			t.Errorf("%s: %d lines", rep.Name, n)
		}
	}
	var reports, downloads int
	for _, r := range sim.Requests() {
		switch {
		case strings.HasPrefix(r.Path, "/v1.0/reports/"):
			reports++
			if !r.Authorization || r.Status != http.StatusFound {
				t.Errorf("report request %s: auth=%v status=%d", r.Path, r.Authorization, r.Status)
			}
		case strings.HasPrefix(r.Path, "/download/"):
			downloads++
			if r.Authorization || r.Status != http.StatusOK {
				t.Errorf("download %s: auth=%v status=%d", r.Path, r.Authorization, r.Status)
			}
		}
	}
	if reports != len(pull.Reports) || downloads != len(pull.Reports) {
		t.Errorf("%d report requests, %d downloads", reports, downloads)
	}
	if sim.TokenRequests() != 1 {
		t.Errorf("%d token requests, want 1 (cached)", sim.TokenRequests())
	}
}

func TestThrottledThenSuccessWaitsRetryAfter(t *testing.T) {
	sim := startSim(t, graphsim.Options{})
	c := newClient(t, sim)
	sim.AddFault(graphsim.Fault{Match: "getTeamsUserActivityCounts", Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second, Times: 1})
	start := time.Now()
	csv := readReport(t, c, "getTeamsUserActivityCounts", "D7", time.Time{})
	if waited := time.Since(start); waited < 2*time.Second {
		t.Errorf("retried after %s, Retry-After was 2s", waited)
	}
	if !strings.Contains(csv, "Report Refresh Date") {
		t.Error("no CSV after the retry")
	}
	var times []time.Time
	for _, r := range sim.Requests() {
		if strings.Contains(r.Path, "getTeamsUserActivityCounts") {
			times = append(times, r.Time)
		}
	}
	if len(times) != 2 || times[1].Sub(times[0]) < 2*time.Second {
		t.Errorf("requests at %v", times)
	}
}

func TestCallRecordsPaging(t *testing.T) {
	sim := startSim(t, graphsim.Options{Story: graphsim.Story{Seed: 5, CallRecordScale: 0.02}, PageSize: 40, DuplicateAcrossPages: true})
	c := newClient(t, sim)
	from, to := time.Date(2020, 6, 8, 0, 0, 0, 0, time.UTC), time.Date(2020, 6, 11, 0, 0, 0, 0, time.UTC)
	want := sim.CallRecordsBetween(from, to)
	sim.AddFault(graphsim.Fault{Match: "callRecords", Status: http.StatusServiceUnavailable, Times: 1})
	agg := callrecords.New(from, to)
	listed := 0
	if err := c.CallRecords(context.Background(), from, to, func(r callrecords.Record) error {
		listed++
		agg.Add(r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	pages := 0
	for _, r := range sim.Requests() {
		if strings.Contains(r.Path, "callRecords") && r.Status == 200 {
			pages++
		}
	}
	var counted int64
	for _, d := range agg.Days() {
		counted += d.Records
	}
	t.Logf("%d records in %d pages (%d listed with duplicates)", counted, pages, listed)
	if pages < 3 {
		t.Errorf("only %d pages", pages)
	}
	if counted != int64(len(want)) || listed <= len(want) {
		t.Errorf("counted %d, listed %d, simulator has %d", counted, listed, len(want))
	}
}

func TestExpiredTokenIsRenewed(t *testing.T) {
	sim := startSim(t, graphsim.Options{Story: graphsim.Story{CallRecordScale: 0.01}})
	c := newClient(t, sim)
	readReport(t, c, "getTeamsDeviceUsageUserCounts", "D7", time.Time{})
	sim.ExpireTokens()
	readReport(t, c, "getTeamsDeviceUsageUserCounts", "D7", time.Time{})
	if n := sim.TokenRequests(); n != 2 {
		t.Errorf("%d token requests, want 2 (renewed after the 401)", n)
	}
	sim.ExpireTokens()
	day := time.Date(2020, 6, 10, 0, 0, 0, 0, time.UTC)
	if err := c.CallRecords(context.Background(), day, day.AddDate(0, 0, 1), func(callrecords.Record) error { return nil }); err != nil {
		t.Fatalf("call records after expiry: %v", err)
	}
	if n := sim.TokenRequests(); n != 3 {
		t.Errorf("%d token requests, want 3", n)
	}
}

func TestWrongSecretFails(t *testing.T) {
	sim := startSim(t, graphsim.Options{})
	cfg := config.GraphConfig{TenantID: tenant, ClientID: app, ClientSecret: "wrong", BaseURL: sim.BaseURL(), AuthorityHost: sim.AuthorityHost()}
	c, err := graph.New(cfg, graph.Options{Transport: sim.HTTPClient().Transport})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Report(context.Background(), "getTeamsUserActivityCounts", "D7", time.Time{})
	if err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("err = %v (must fail and not echo the secret)", err)
	}
}

// runner builds a pull.Runner on the simulator clock.
func runner(c *graph.Client, db *influxtest.DB, t *testing.T, now time.Time) *pull.Runner {
	return &pull.Runner{Source: c, Store: db.Client(t), Opts: pull.Options{Now: func() time.Time { return now }}}
}

func sumField(t *testing.T, db *influxtest.DB, q string) float64 {
	t.Helper()
	series := db.Query(t, q)
	if len(series) == 0 || len(series[0].Values) == 0 {
		return 0
	}
	switch v := series[0].Values[0][1].(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	default:
		var f float64
		_, _ = fmt.Sscan(fmt.Sprint(v), &f)
		return f
	}
}

func TestPullIntoInfluxDB(t *testing.T) {
	db := influxtest.NewDatabase(t)
	var clock atomic.Pointer[time.Time]
	clock.Store(&june2020)
	sim := startSim(t, graphsim.Options{Story: graphsim.Story{Seed: 11, CallRecordScale: 0.02}, PageSize: 100, DuplicateAcrossPages: true,
		Now: func() time.Time { return *clock.Load() }})
	c := newClient(t, sim)
	sim.AddFault(graphsim.Fault{Match: "getTeamsDeviceUsageUserCounts", Status: http.StatusInternalServerError, Times: -1})

	sum := runner(c, db, t, june2020).Run(context.Background())
	var out strings.Builder
	sum.WriteText(&out)
	t.Log("\n" + out.String())
	if sum.Failed() != 1 || sum.Outcomes[2].Err == nil {
		t.Fatalf("want exactly the device usage report to fail:\n%s", out.String())
	}
	for _, o := range sum.Outcomes {
		switch {
		case o.Err != nil:
		case o.Name == pull.CallRecordsName:
			if o.Days != 29 {
				t.Errorf("call records: %d days, want 29 (30 days retention, today excluded)", o.Days)
			}
		case o.Name == "getTeamsUserActivityUserDetail":
			if o.Days != 10 {
				t.Errorf("user detail: %d days", o.Days)
			}
		default:
			if o.Period != "D180" || o.Days != 180 {
				t.Errorf("%s: first run %s %d days, want D180 180", o.Name, o.Period, o.Days)
			}
		}
	}

	// Graph's figures landed exactly, one point per day.
	refresh := sim.ReportRefreshDate()
	from := refresh.AddDate(0, 0, -179)
	var wantTeams, wantSkype int64
	story := graphsim.Story{Seed: 11}
	for d := from; !d.After(refresh); d = d.AddDate(0, 0, 1) {
		wantTeams += story.TeamsMeetings(d)
		wantSkype += story.SkypeConferences(d).AudioVideo
	}
	if got := sumField(t, db, `SELECT sum("meetings") FROM "meetings" WHERE "platform"='teams'`); int64(got) != wantTeams {
		t.Errorf("teams meetings %v, want %d", got, wantTeams)
	}
	if got := sumField(t, db, `SELECT sum("meetings") FROM "meetings" WHERE "platform"='skype'`); int64(got) != wantSkype {
		t.Errorf("skype meetings %v, want %d", got, wantSkype)
	}
	if got := sumField(t, db, `SELECT count("meetings_attended") FROM "meetings" WHERE "platform"='skype'`); got != 180 {
		t.Errorf("skype participant counts on %v days, want 180 (merged into the same points)", got)
	}
	// Each per-date user-detail report landed on the day it was asked for,
	// not on the Report Refresh Date its CSV carries (the tenant's last
	// update, the same for every date).
	days := map[string]bool{}
	for _, s := range db.Query(t, `SELECT "users" FROM "teams_meeting_types" WHERE "report_period" = '1'`) {
		for _, v := range s.Values {
			days[fmt.Sprint(v[0])] = true
		}
	}
	for i := range 10 {
		if d := refresh.AddDate(0, 0, -i).Format(time.RFC3339); !days[d] {
			t.Errorf("no user-detail point on %s; days with one: %v", d, days)
		}
	}
	if len(days) != 10 {
		t.Errorf("user-detail points on %d days, want the 10 dates pulled: %v", len(days), days)
	}
	// Call records: every record counted once, despite the repeated ones.
	cFrom, cTo := pull.CallRecordWindow(time.Time{}, time.Time{}, june2020, 0)
	recs := sim.CallRecordsBetween(cFrom, cTo)
	var group int64
	for _, r := range recs {
		if r.Type == "groupCall" {
			group++
		}
	}
	if got := sumField(t, db, `SELECT sum("records") FROM "call_records_daily"`); int64(got) != int64(len(recs)) {
		t.Errorf("call records %v, want %d", got, len(recs))
	}
	if got := sumField(t, db, `SELECT sum("group_meetings") FROM "call_records_daily"`); int64(got) != group {
		t.Errorf("group meetings %v, want %d", got, group)
	}
	// No identity stored anywhere.
	for _, q := range []string{`SHOW TAG KEYS`, `SHOW FIELD KEYS`} {
		for _, s := range db.Query(t, q) {
			for _, v := range s.Values {
				k := strings.ToLower(fmt.Sprint(v[0]))
				if strings.Contains(k, "user") && k != "users" && !strings.HasPrefix(k, "users_") && k != "licensed_users" && k != "deleted_users" || strings.Contains(k, "upn") || strings.Contains(k, "principal") || k == "id" {
					t.Errorf("%s: %s in %s", q, k, s.Name)
				}
			}
		}
	}

	// A later run takes the short period and overwrites: same totals.
	sim.ClearFaults()
	tomorrow := june2020.Add(24 * time.Hour)
	clock.Store(&tomorrow)
	sum2 := runner(c, db, t, tomorrow).Run(context.Background())
	if err := sum2.Err(); err != nil {
		t.Fatalf("second run: %v", err)
	}
	for _, o := range sum2.Outcomes {
		if o.Name == "getTeamsUserActivityCounts" && o.Period != "D7" {
			t.Errorf("second run period %s, want D7", o.Period)
		}
		if o.Name == "getTeamsDeviceUsageUserCounts" && o.Period != "D180" {
			t.Errorf("device usage never landed, want D180 again, got %s", o.Period)
		}
		if o.Name == "getTeamsUserActivityUserDetail" && !strings.HasPrefix(o.Period, "4 dates") {
			t.Errorf("user detail second run: %s, want the 4 newest dates", o.Period)
		}
	}
	sum3 := runner(c, db, t, tomorrow).Run(context.Background())
	if o := sum3.Outcomes[2]; o.Period != "D7" || o.Err != nil {
		t.Errorf("third run device usage %s %v, want D7", o.Period, o.Err)
	}
	wantTeams += story.TeamsMeetings(refresh.AddDate(0, 0, 1))
	if got := sumField(t, db, `SELECT sum("meetings") FROM "meetings" WHERE "platform"='teams'`); int64(got) != wantTeams {
		t.Errorf("after the second run teams meetings %v, want %d (overwrite, not double)", got, wantTeams)
	}
}

// TestGrowthEndToEnd pulls at the end of 2019 and at the end of 2020 and
// checks that InfluxDB shows the Teams growth the seed implies.
func TestGrowthEndToEnd(t *testing.T) {
	db := influxtest.NewDatabase(t)
	story := graphsim.Story{Seed: 42, CallRecordScale: 0.001}
	for _, now := range []time.Time{time.Date(2020, 1, 2, 12, 0, 0, 0, time.UTC), time.Date(2021, 1, 2, 12, 0, 0, 0, time.UTC)} {
		sim := startSim(t, graphsim.Options{Story: story, Now: func() time.Time { return now }, PageSize: 200})
		r := runner(newClient(t, sim), db, t, now)
		r.Opts.SkipCallRecords = true
		if err := r.Run(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// 5 July–31 December of each year is inside both 180-day windows
	// (the newest report day is 31 December: two days' lag).
	var want [2]int64
	for i, y := range []int{2019, 2020} {
		for d := time.Date(y, 7, 5, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			want[i] += story.TeamsMeetings(d)
		}
	}
	var got [2]float64
	for i, y := range []int{2019, 2020} {
		got[i] = sumField(t, db, fmt.Sprintf(`SELECT sum("meetings") FROM "meetings" WHERE "platform"='teams' AND time >= '%d-07-05T00:00:00Z' AND time < '%d-01-01T00:00:00Z'`, y, y+1))
	}
	growth := (got[1] - got[0]) / got[0] * 100
	t.Logf("Teams meetings H2 2019 %v, H2 2020 %v: %+.0f %%", got[0], got[1], growth)
	if int64(got[0]) != want[0] || int64(got[1]) != want[1] {
		t.Errorf("InfluxDB %v, story %v", got, want)
	}
	if growth < 5000 {
		t.Errorf("growth %.0f %% is not the pandemic jump", growth)
	}
}

func TestClientCertificateCredential(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "kretslopp-collector"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	path := filepath.Join(t.TempDir(), "graph.pem")
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	if err := os.WriteFile(path, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	sim := startSim(t, graphsim.Options{ClientCertificate: cert})
	cfg := config.GraphConfig{TenantID: tenant, ClientID: app, ClientCertFile: path, BaseURL: sim.BaseURL(), AuthorityHost: sim.AuthorityHost()}
	c, err := graph.New(cfg, graph.Options{Transport: sim.HTTPClient().Transport})
	if err != nil {
		t.Fatal(err)
	}
	readReport(t, c, "getTeamsUserActivityCounts", "D7", time.Time{})

	// A different key is refused by the simulator's signature check.
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	der2, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &other.PublicKey, other)
	cert2, _ := x509.ParseCertificate(der2)
	sim2 := startSim(t, graphsim.Options{ClientCertificate: cert2})
	cfg.BaseURL, cfg.AuthorityHost = sim2.BaseURL(), sim2.AuthorityHost()
	c2, err := graph.New(cfg, graph.Options{Transport: sim2.HTTPClient().Transport})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Report(context.Background(), "getTeamsUserActivityCounts", "D7", time.Time{}); err == nil {
		t.Fatal("a certificate the simulator does not know was accepted")
	}
}
