package graph_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/kretslopp/kretslopp/collector/internal/callrecords"
	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/graph"
	"github.com/kretslopp/kretslopp/collector/internal/graphsim"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/collector/internal/pull"
	"github.com/kretslopp/kretslopp/internal/retry"
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
	if opts.TimeScale == 0 {
		opts.TimeScale = timeScale
	}
	s, err := graphsim.Start("", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// timeScale runs the simulator's documented throttling limits, and the
// client's pacing by them, this much faster.
const timeScale = 100

func graphConfig(sim *graphsim.Server) config.GraphConfig {
	return config.GraphConfig{TenantID: tenant, ClientID: app, ClientSecret: secret, BaseURL: sim.BaseURL(), AuthorityHost: sim.AuthorityHost(),
		MaxWait: 30 * time.Minute, TimeScale: timeScale, Participants: true}
}

func newClient(t *testing.T, sim *graphsim.Server) *graph.Client {
	t.Helper()
	cfg := graphConfig(sim)
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
	cfg := graphConfig(sim)
	cfg.ClientSecret = "wrong"
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
	return &pull.Runner{Source: c, Store: db.Client(t), Opts: pull.Options{Now: func() time.Time { return now }, Participants: true, Stats: c.Stats()}}
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

// expectedCalls sums what the simulator serves per kind for [from, to).
type expectedCalls struct {
	records, group, p2p, unknown, participants int64
}

func expected(sim *graphsim.Server, from, to time.Time) expectedCalls {
	var e expectedCalls
	for _, r := range sim.CallRecordsBetween(from, to) {
		e.records++
		switch r.Type {
		case "groupCall":
			e.group++
			e.participants += int64(r.Participants)
		case "peerToPeer":
			e.p2p++
		default:
			e.unknown++
		}
	}
	return e
}

func sums(t *testing.T, db *influxtest.DB) expectedCalls {
	t.Helper()
	q := func(f string) int64 {
		return int64(sumField(t, db, fmt.Sprintf(`SELECT sum(%q) FROM "call_records_daily"`, f)))
	}
	return expectedCalls{records: q("records"), group: q("group_meetings"), p2p: q("peer_to_peer_calls"), unknown: q("unknown_calls"), participants: q("participants")}
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
	if len(sum.Outcomes) != 4 {
		t.Fatalf("%d steps, want 3 Teams reports and call records (Skype for Business is off by default)", len(sum.Outcomes))
	}
	if sum.Failed() != 1 || sum.Outcomes[2].Err == nil || sum.Outcome() != pull.OutcomeFailed {
		t.Fatalf("want exactly the device usage report to fail:\n%s", out.String())
	}
	for _, o := range sum.Outcomes {
		switch {
		case o.Err != nil:
		case o.Name == pull.CallRecordsName:
			if o.Days != 29 || o.DaysLeft != 0 {
				t.Errorf("call records: %d days, %d left, want 29 and 0 (30 days retention, today excluded)", o.Days, o.DaysLeft)
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
	// Paced by the documented limits: Graph never had to throttle.
	if th := sim.Throttled(); len(th) != 0 {
		t.Errorf("the simulator throttled %v: the client went over a documented limit", th)
	}

	// Graph's figures landed exactly, one point per day.
	refresh := sim.ReportRefreshDate()
	from := refresh.AddDate(0, 0, -179)
	var wantTeams int64
	story := graphsim.Story{Seed: 11}
	for d := from; !d.After(refresh); d = d.AddDate(0, 0, 1) {
		wantTeams += story.TeamsMeetings(d)
	}
	if got := sumField(t, db, `SELECT sum("meetings") FROM "meetings" WHERE "platform"='teams'`); int64(got) != wantTeams {
		t.Errorf("teams meetings %v, want %d", got, wantTeams)
	}
	if got := sumField(t, db, `SELECT count("meetings") FROM "meetings" WHERE "platform"='skype'`); got != 0 {
		t.Errorf("%v Skype days pulled with graph.skype off", got)
	}
	// Each per-date user-detail report landed on the day it was asked for,
	// not on the Report Refresh Date its CSV carries.
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
	// Call records: every record counted once despite the repeated ones;
	// unknown calls apart from meetings and calls; participants_v2 of
	// every group meeting counted, also beyond one page of 130.
	cFrom, cTo := pull.CallRecordDays(june2020)
	want := expected(sim, cFrom, cTo)
	if got := sums(t, db); got != want {
		t.Errorf("call records in InfluxDB %+v, simulator served %+v", got, want)
	}
	if want.unknown == 0 || want.participants == 0 {
		t.Fatalf("the story has no unknown calls or participants: %+v", want)
	}
	if got := sumField(t, db, `SELECT sum("participants_meetings") FROM "call_records_daily"`); int64(got) != want.group {
		t.Errorf("participants counted for %v group meetings, want all %d", got, want.group)
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

	// A day later: the short report period, and only the call-record days
	// that were not complete: the day before yesterday (listed provisionally
	// the morning after) and yesterday (new). Same totals, nothing doubled.
	sim.ClearFaults()
	tomorrow := june2020.Add(24 * time.Hour)
	clock.Store(&tomorrow)
	listsBefore := firstPages(sim)
	sum2 := runner(c, db, t, tomorrow).Run(context.Background())
	if err := sum2.Err(); err != nil {
		t.Fatalf("second run: %v", err)
	}
	for _, o := range sum2.Outcomes {
		switch o.Name {
		case "getTeamsUserActivityCounts":
			if o.Period != "D7" {
				t.Errorf("second run period %s, want D7", o.Period)
			}
		case "getTeamsDeviceUsageUserCounts":
			if o.Period != "D180" {
				t.Errorf("device usage never landed, want D180 again, got %s", o.Period)
			}
		case pull.CallRecordsName:
			if o.Days != 2 || o.Period != "2020-06-14..2020-06-15" {
				t.Errorf("second run call records %s, %d days; want the two incomplete days", o.Period, o.Days)
			}
		}
	}
	if n := firstPages(sim) - listsBefore; n != 2 {
		t.Errorf("second run listed %d days, want 2", n)
	}
	cFrom, cTo = pull.CallRecordDays(tomorrow)
	// The day that left the window stays in InfluxDB.
	want = expected(sim, cFrom, cTo)
	old := expected(sim, cFrom.AddDate(0, 0, -1), cFrom)
	want.records += old.records
	want.group += old.group
	want.p2p += old.p2p
	want.unknown += old.unknown
	want.participants += old.participants
	if got := sums(t, db); got != want {
		t.Errorf("after the second run %+v, want %+v (overwrite, not double)", got, want)
	}
	wantTeams += story.TeamsMeetings(refresh.AddDate(0, 0, 1))
	if got := sumField(t, db, `SELECT sum("meetings") FROM "meetings" WHERE "platform"='teams'`); int64(got) != wantTeams {
		t.Errorf("after the second run teams meetings %v, want %d (overwrite, not double)", got, wantTeams)
	}
}

// firstPages counts the call-record listings the simulator answered (one
// first page per day listed).
func firstPages(sim *graphsim.Server) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Path == "/v1.0/communications/callRecords" && r.Status == http.StatusOK && !strings.Contains(r.RawQuery, "skiptoken") {
			n++
		}
	}
	return n
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
	cfg := graphConfig(sim)
	cfg.ClientSecret, cfg.ClientCertFile = "", path
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

// A date Graph keeps no report for is "no data", not a failure: the client
// says ErrNotAvailable and a run with a 30-day period skips those dates.
func TestOutOfWindowDateIsSkipped(t *testing.T) {
	sim := startSim(t, graphsim.Options{})
	c := newClient(t, sim)
	today := callrecords.Truncate(june2020)
	_, err := c.Report(context.Background(), "getTeamsUserActivityUserDetail", "", today.AddDate(0, 0, -28))
	if !errors.Is(err, pull.ErrNotAvailable) {
		t.Fatalf("28 days back: %v, want ErrNotAvailable", err)
	}
	db := influxtest.NewDatabase(t)
	r := runner(c, db, t, june2020)
	r.Opts.SkipCallRecords, r.Opts.Period, r.Opts.MaxDatesPerRun = true, "D30", 30
	sum := r.Run(context.Background())
	if err := sum.Err(); err != nil {
		t.Fatalf("a run over dates outside the window failed: %v", err)
	}
	o := sum.Outcomes[1]
	// 30 dates from today-2: today-2 … today-31; today-28 … today-31 are
	// outside the 28 days.
	if o.Days != 26 || o.Skipped != 4 {
		t.Errorf("user detail %d days, %d skipped; want 26 and 4", o.Days, o.Skipped)
	}
}

// Skype for Business reports only with graph.skype.
func TestSkypeOnlyWhenEnabled(t *testing.T) {
	sim := startSim(t, graphsim.Options{})
	db := influxtest.NewDatabase(t)
	r := runner(newClient(t, sim), db, t, june2020)
	r.Opts.SkipCallRecords, r.Opts.Skype = true, true
	sum := r.Run(context.Background())
	if err := sum.Err(); err != nil || len(sum.Outcomes) != 6 {
		t.Fatalf("%d steps, err %v", len(sum.Outcomes), err)
	}
	if got := sumField(t, db, `SELECT count("meetings") FROM "meetings" WHERE "platform"='skype'`); got != 180 {
		t.Errorf("%v Skype days, want 180", got)
	}
}

// Throttled for longer than graph.max_wait: the days are left for the next
// run (no failure, reported), and the next run takes them.
func TestThrottledPastMaxWaitLeavesDays(t *testing.T) {
	sim := startSim(t, graphsim.Options{Story: graphsim.Story{Seed: 4, CallRecordScale: 0.005}})
	c := newClient(t, sim)
	db := influxtest.NewDatabase(t)
	sim.AddFault(graphsim.Fault{Match: "callRecords", Status: http.StatusTooManyRequests, RetryAfter: time.Hour, Times: -1})
	r := runner(c, db, t, june2020)
	r.Opts.SkipReports = true
	sum := r.Run(context.Background())
	o := sum.Outcomes[len(sum.Outcomes)-1]
	if o.Err != nil || o.Days != 0 || o.DaysLeft != 29 || !strings.Contains(o.Deferred, "max_wait") || sum.Outcome() != pull.OutcomePartial {
		t.Fatalf("outcome %+v (%s)", o, sum.Outcome())
	}
	sim.ClearFaults()
	sum = r.Run(context.Background())
	if o := sum.Outcomes[len(sum.Outcomes)-1]; o.Err != nil || o.Days != 29 || o.DaysLeft != 0 {
		t.Fatalf("next run %+v", o)
	}
	from, to := pull.CallRecordDays(june2020)
	if got, want := sums(t, db), expected(sim, from, to); got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
}

// A run budget ends the listing between days; the next run resumes at the
// first incomplete day and the totals equal one uninterrupted run.
func TestRunBudgetSpreadsOverRuns(t *testing.T) {
	sim := startSim(t, graphsim.Options{Story: graphsim.Story{Seed: 6, CallRecordScale: 0.005}})
	c := newClient(t, sim)
	db := influxtest.NewDatabase(t)
	// A clock that moves an hour per call record day listed, so that a
	// 10-hour budget ends after some days.
	var mu sync.Mutex
	now := june2020
	r := runner(c, db, t, june2020)
	r.Opts.SkipReports = true
	r.Opts.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	r.Opts.Deadline = june2020.Add(10 * time.Hour)
	r.Opts.Progress = func(p pull.Progress) {
		if p.Step == pull.CallRecordsName && !p.Done && p.Records == 0 {
			mu.Lock()
			now = now.Add(time.Hour)
			mu.Unlock()
		}
	}
	sum := r.Run(context.Background())
	o := sum.Outcomes[0]
	if o.Days == 0 || o.DaysLeft == 0 || o.Days+o.DaysLeft != 29 || !strings.Contains(o.Deferred, "run_budget") {
		t.Fatalf("first run %+v", o)
	}
	done := o.Days
	r.Opts.Deadline, r.Opts.Progress = time.Time{}, nil
	mu.Lock()
	now = june2020.Add(time.Hour)
	mu.Unlock()
	sum = r.Run(context.Background())
	if o := sum.Outcomes[0]; o.Days != 29-done || o.DaysLeft != 0 {
		t.Fatalf("second run %+v, want the %d days left", o, 29-done)
	}
	from, to := pull.CallRecordDays(june2020)
	if got, want := sums(t, db), expected(sim, from, to); got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
}

func selfSigned(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
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
	return key, cert
}

// PKCS#12 with a password, written the legacy way (3DES, SHA-1 MAC, which
// azidentity reads) and the current way (AES, SHA-256 MAC, as OpenSSL 3 and
// Windows write it); a wrong password is named as such.
func TestClientCertificatePFX(t *testing.T) {
	key, cert := selfSigned(t)
	sim := startSim(t, graphsim.Options{ClientCertificate: cert})
	for name, enc := range map[string]*pkcs12.Encoder{"legacy": pkcs12.LegacyDES, "modern": pkcs12.Modern} {
		pfx, err := enc.Encode(key, cert, nil, "kommun-lösen")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "graph.pfx")
		if err := os.WriteFile(path, pfx, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := graphConfig(sim)
		cfg.ClientSecret, cfg.ClientCertFile, cfg.ClientCertPassword = "", path, "kommun-lösen"
		if got := cfg.DescribeCredential(); !strings.Contains(got, "PKCS#12") {
			t.Errorf("credential described as %q", got)
		}
		c, err := graph.New(cfg, graph.Options{Transport: sim.HTTPClient().Transport})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		readReport(t, c, "getTeamsUserActivityCounts", "D7", time.Time{})
		cfg.ClientCertPassword = "wrong"
		if _, err := graph.New(cfg, graph.Options{Transport: sim.HTTPClient().Transport}); err == nil || !strings.Contains(err.Error(), "password") {
			t.Errorf("%s with a wrong password: %v", name, err)
		}
	}
}

// signJWT signs claims with RS256, as a Kubernetes API server signs a
// service account token.
func signJWT(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "cluster-key"}) + "." + enc(claims)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// Workload identity: the projected service account token in a file is the
// client assertion; the simulator checks issuer, subject, audience and
// signature as Entra ID checks a federated identity credential.
func TestWorkloadIdentityCredential(t *testing.T) {
	clusterKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	issuer := "https://oidc.prod-aks.azure.com/kommun-cluster/"
	subject := "system:serviceaccount:kretslopp:kretslopp-collector"
	sim := startSim(t, graphsim.Options{FederatedCredential: &graphsim.FederatedCredential{
		Issuer: issuer, Subject: subject, Audience: "api://AzureADTokenExchange", Key: &clusterKey.PublicKey}})
	tokenFile := filepath.Join(t.TempDir(), "azure-identity-token")
	write := func(sub string) {
		jwt := signJWT(t, clusterKey, map[string]any{"iss": issuer, "sub": sub, "aud": []string{"api://AzureADTokenExchange"},
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()})
		if err := os.WriteFile(tokenFile, []byte(jwt), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(subject)
	cfg := graphConfig(sim)
	cfg.ClientSecret, cfg.FederatedTokenFile = "", tokenFile
	if cfg.CredentialKind() != config.CredentialWorkloadIdentity {
		t.Fatalf("credential %q", cfg.CredentialKind())
	}
	c, err := graph.New(cfg, graph.Options{Transport: sim.HTTPClient().Transport})
	if err != nil {
		t.Fatal(err)
	}
	readReport(t, c, "getTeamsUserActivityCounts", "D7", time.Time{})

	// Another service account is refused.
	write("system:serviceaccount:default:intruder")
	c2, err := graph.New(cfg, graph.Options{Transport: sim.HTTPClient().Transport})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Report(context.Background(), "getTeamsUserActivityCounts", "D7", time.Time{}); err == nil {
		t.Fatal("a token of another service account was accepted")
	}
}

// Managed identity through the App Service / Container Apps identity
// endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER), served by the simulator.
func TestManagedIdentityCredential(t *testing.T) {
	sim := startSim(t, graphsim.Options{IdentityHeader: "5b2f1c9e-identity-header"})
	t.Setenv("IDENTITY_ENDPOINT", sim.URL()+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "5b2f1c9e-identity-header")
	cfg := graphConfig(sim)
	cfg.ClientSecret, cfg.TenantID, cfg.ClientID, cfg.Credential = "", "", "", config.CredentialManagedIdentity
	if err := cfg.Validate(); err != nil {
		t.Fatalf("managed identity needs no tenant or client id: %v", err)
	}
	c, err := graph.New(cfg, graph.Options{Transport: sim.HTTPClient().Transport})
	if err != nil {
		t.Fatal(err)
	}
	readReport(t, c, "getTeamsUserActivityCounts", "D7", time.Time{})
	t.Setenv("IDENTITY_HEADER", "wrong")
	c2, err := graph.New(cfg, graph.Options{Transport: sim.HTTPClient().Transport})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Report(context.Background(), "getTeamsUserActivityCounts", "D7", time.Time{}); err == nil {
		t.Fatal("a wrong identity header was accepted")
	}
}

// Against a simulator run faster (graph.time_scale), the backoff after a
// fault is divided by the same scale; against Graph (scale 1) it is the
// default 1 s to 60 s.
func TestTimeScaleDividesTheFaultBackoff(t *testing.T) {
	for _, scale := range []float64{1, 1000} {
		sim := startSim(t, graphsim.Options{})
		sim.AddFault(graphsim.Fault{Match: "getTeamsUserActivityCounts", Status: http.StatusServiceUnavailable, Times: -1})
		cfg := graphConfig(sim)
		cfg.TimeScale = scale
		var mu sync.Mutex
		var waits []time.Duration
		c, err := graph.New(cfg, graph.Options{
			Transport: sim.HTTPClient().Transport,
			Retry: pull.RetryTransport{Sleep: func(_ context.Context, d time.Duration) error {
				mu.Lock()
				defer mu.Unlock()
				waits = append(waits, d)
				return nil
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Report(context.Background(), "getTeamsUserActivityCounts", "D7", time.Time{}); err == nil {
			t.Fatalf("scale %v: a report that always fails with 503 succeeded", scale)
		}
		mu.Lock()
		if len(waits) != 5 {
			t.Fatalf("scale %v: %d waits %v, want the default 5 retries", scale, len(waits), waits)
		}
		limit := time.Duration(float64(retry.DefaultMax) / scale)
		var longest time.Duration
		for _, d := range waits {
			longest = max(longest, d)
		}
		if longest > limit || longest < limit/100 {
			t.Errorf("scale %v: waits %v, want the longest in (%v/100, %v]", scale, waits, limit, limit)
		}
		mu.Unlock()
	}
}
