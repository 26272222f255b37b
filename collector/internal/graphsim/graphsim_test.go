package graphsim

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStoryGrowth(t *testing.T) {
	s := Story{Seed: 42}
	t19, s19 := s.YearTotals(2019)
	t20, s20 := s.YearTotals(2020)
	t21, s21 := s.YearTotals(2021)
	growth := float64(t20-t19) / float64(t19) * 100
	t.Logf("teams 2019=%d 2020=%d (%+.0f%%) 2021=%d; skype 2019=%d 2020=%d 2021=%d", t19, t20, growth, t21, s19, s20, s21)
	if growth < 12000 || growth > 14000 {
		t.Errorf("Teams growth 2019→2020 = %.0f %%, want about +13,000 %%", growth)
	}
	if s19 < 10*t19 {
		t.Errorf("2019 should be mostly Skype for Business: skype %d, teams %d", s19, t19)
	}
	if g := float64(t21-t20) / float64(t20) * 100; g < -10 || g > 40 {
		t.Errorf("2021 should level off, growth %.0f %%", g)
	}
	if s21 >= s20 {
		t.Errorf("Skype should decline: 2020 %d, 2021 %d", s20, s21)
	}
	// Deterministic.
	if a, b := (Story{Seed: 7}).TeamsMeetings(time.Date(2020, 5, 5, 0, 0, 0, 0, time.UTC)), (Story{Seed: 7}).TeamsMeetings(time.Date(2020, 5, 5, 13, 0, 0, 0, time.UTC)); a != b {
		t.Errorf("not deterministic: %d %d", a, b)
	}
}

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start("", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func token(t *testing.T, s *Server, c *http.Client) string {
	t.Helper()
	resp, err := c.PostForm(s.URL()+"/tenant-1/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"s3cret"}, "scope": {s.URL() + "/.default"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

func TestReportRedirectAndCSV(t *testing.T) {
	now := time.Date(2020, 6, 15, 10, 0, 0, 0, time.UTC)
	s := start(t, Options{Story: Story{Seed: 1}, Now: func() time.Time { return now }, TenantID: "tenant-1", ClientID: "app", ClientSecret: "s3cret"})
	c := s.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	tok := token(t, s, c)
	for report, header := range Headers {
		req, _ := http.NewRequest("GET", s.BaseURL()+"/reports/"+report+"(period='D7')", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("%s: status %d", report, resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		// With the Authorization header the download is refused.
		withAuth, _ := http.NewRequest("GET", loc, nil)
		withAuth.Header.Set("Authorization", "Bearer "+tok)
		if r2, err := c.Do(withAuth); err != nil || r2.StatusCode != http.StatusBadRequest {
			t.Fatalf("download with Authorization: %v %v", r2.StatusCode, err)
		}
		// Without it the download works (the URL stays valid for minutes).
		dl, err := c.Get(loc)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(dl.Body)
		dl.Body.Close()
		if !strings.HasPrefix(string(body), "\ufeff"+strings.Join(header, ",")+"\n") {
			t.Errorf("%s: header %q", report, strings.SplitN(string(body), "\n", 2)[0])
		}
		lines := strings.Count(string(body), "\n")
		if report != ReportTeamsUserActivityUserDetail && lines != 8 {
			t.Errorf("%s: %d lines, want header + 7 days", report, lines)
		}
		if report == ReportTeamsUserActivityCounts && !strings.Contains(string(body), "\n2020-06-13,2020-06-13,") {
			t.Errorf("%s: newest row should be the refresh date 2020-06-13 (2 days lag):\n%s", report, body)
		}
	}
	// Expired token → 401.
	s.ExpireTokens()
	req, _ := http.NewRequest("GET", s.BaseURL()+"/communications/callRecords", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("expired token: %d", resp.StatusCode)
	}
}

func TestCallRecordPagingAndFaults(t *testing.T) {
	now := time.Date(2020, 6, 15, 10, 0, 0, 0, time.UTC)
	s := start(t, Options{Story: Story{Seed: 1, CallRecordScale: 0.01}, Now: func() time.Time { return now }, PageSize: 25})
	c := s.HTTPClient()
	tok := token(t, s, c)
	from, to := time.Date(2020, 6, 8, 0, 0, 0, 0, time.UTC), time.Date(2020, 6, 12, 0, 0, 0, 0, time.UTC)
	want := s.CallRecordsBetween(from, to)
	if len(want) < 60 {
		t.Fatalf("only %d records", len(want))
	}
	s.AddFault(Fault{Match: "callRecords", Status: 429, RetryAfter: time.Second, Times: 1})
	next := s.BaseURL() + "/communications/callRecords?$filter=" + url.QueryEscape("startDateTime ge "+from.Format(time.RFC3339)+" and startDateTime lt "+to.Format(time.RFC3339))
	var got []CallRecord
	pages, throttled := 0, 0
	for next != "" {
		req, _ := http.NewRequest("GET", next, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == 429 {
			throttled++
			if resp.Header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
			}
			resp.Body.Close()
			continue
		}
		var page struct {
			Value []CallRecord `json:"value"`
			Next  string       `json:"@odata.nextLink"`
		}
		if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&page); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		pages++
		got = append(got, page.Value...)
		next = page.Next
	}
	if throttled != 1 || len(got) != len(want) || pages < 3 {
		t.Fatalf("throttled %d, got %d records in %d pages, want %d", throttled, len(got), pages, len(want))
	}
	for i := range got {
		if got[i].ID != want[i].ID {
			t.Fatalf("record %d differs", i)
		}
	}
}

func get(t *testing.T, c *http.Client, tok, u string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp, body
}

// The list call carries no participants (deprecated, and participants_v2
// is not expanded on a list), and some records are of type unknown.
func TestListShapeFollowsTheDocs(t *testing.T) {
	now := time.Date(2020, 6, 15, 10, 0, 0, 0, time.UTC)
	s := start(t, Options{Story: Story{Seed: 3, CallRecordScale: 0.1}, Now: func() time.Time { return now }, PageSize: 1000})
	c := s.HTTPClient()
	tok := token(t, s, c)
	filter := url.QueryEscape("startDateTime ge 2020-06-10T00:00:00Z and startDateTime lt 2020-06-11T00:00:00Z")
	resp, body := get(t, c, tok, s.BaseURL()+"/communications/callRecords?$filter="+filter)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	types := map[string]int{}
	for _, v := range body["value"].([]any) {
		rec := v.(map[string]any)
		for _, k := range []string{"participants", "participants_v2", "organizer", "sessions"} {
			if _, ok := rec[k]; ok {
				t.Fatalf("a listed record has %q: %v", k, rec)
			}
		}
		types[rec["type"].(string)]++
	}
	if types["unknown"] == 0 || types["groupCall"] == 0 || types["peerToPeer"] == 0 {
		t.Errorf("types %v: want group calls, peer-to-peer and unknown", types)
	}
}

// $expand=participants_v2 on one record gives 130 entries a page and a
// next link to the rest; a record older than 30 days is 404.
func TestExpandParticipantsPaged(t *testing.T) {
	now := time.Date(2020, 6, 15, 10, 0, 0, 0, time.UTC)
	s := start(t, Options{Story: Story{Seed: 3, CallRecordScale: 0.2}, Now: func() time.Time { return now }})
	c := s.HTTPClient()
	tok := token(t, s, c)
	var big *CallRecord
	for _, r := range s.CallRecordsBetween(now.AddDate(0, 0, -20), now.AddDate(0, 0, -1)) {
		if r.Participants > 130 {
			big = &r
			break
		}
	}
	if big == nil {
		t.Fatal("no meeting beyond one page of participants")
	}
	resp, body := get(t, c, tok, s.BaseURL()+"/communications/callRecords/"+big.ID+"?$expand=participants_v2")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	n := len(body["participants_v2"].([]any))
	next, _ := body["participants_v2@odata.nextLink"].(string)
	if n != 130 || next == "" {
		t.Fatalf("first page %d entries, next %q", n, next)
	}
	for next != "" {
		_, page := get(t, c, tok, next)
		n += len(page["value"].([]any))
		next, _ = page["@odata.nextLink"].(string)
	}
	if n != big.Participants {
		t.Errorf("%d participants over the pages, record has %d", n, big.Participants)
	}
	old := s.opts.Story.recordID(now.AddDate(0, 0, -31), 0)
	if resp, _ := get(t, c, tok, s.BaseURL()+"/communications/callRecords/"+old); resp.StatusCode != 404 {
		t.Errorf("a record older than 30 days: %d, want 404", resp.StatusCode)
	}
}

// Throttling at the documented rates: the 16th first page of a listing
// within 20 s is refused with a Retry-After after which it is admitted; the
// 15th request of one report within 10 minutes too. The throttle's clock
// is moved by hand, so the test does not wait.
func TestThrottlesAtDocumentedRates(t *testing.T) {
	now := time.Date(2020, 6, 15, 10, 0, 0, 0, time.UTC)
	s := start(t, Options{Story: Story{Seed: 3, CallRecordScale: 0.001}, Now: func() time.Time { return now }, TimeScale: 10})
	var mu sync.Mutex
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.throttle.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	c := s.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	tok := token(t, s, c)
	for _, tc := range []struct {
		url    string
		n      int
		window time.Duration
	}{
		{s.BaseURL() + "/communications/callRecords", 15, 2 * time.Second},
		{s.BaseURL() + "/reports/getTeamsUserActivityCounts(period='D7')", 14, time.Minute},
	} {
		for i := 0; i < tc.n; i++ {
			if resp, _ := get(t, c, tok, tc.url); resp.StatusCode == 429 {
				t.Fatalf("%s: request %d of %d throttled", tc.url, i+1, tc.n)
			}
			advance(time.Millisecond)
		}
		resp, body := get(t, c, tok, tc.url)
		if resp.StatusCode != 429 {
			t.Fatalf("%s: request %d answered %d, want 429", tc.url, tc.n+1, resp.StatusCode)
		}
		if e, _ := body["error"].(map[string]any); e["code"] != "TooManyRequests" {
			t.Errorf("error body %v", body)
		}
		ra, err := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64)
		wait := time.Duration(ra * float64(time.Second))
		if err != nil || wait <= 0 || wait > tc.window {
			t.Fatalf("Retry-After %q, want (0, %s] (the window at time scale 10)", resp.Header.Get("Retry-After"), tc.window)
		}
		advance(wait / 2)
		if resp, _ := get(t, c, tok, tc.url); resp.StatusCode != 429 {
			t.Errorf("%s: admitted before the Retry-After passed", tc.url)
		}
		advance(wait)
		if resp, _ := get(t, c, tok, tc.url); resp.StatusCode == 429 {
			t.Errorf("%s: still throttled after its Retry-After", tc.url)
		}
	}
	if th := s.Throttled(); th["list"] == 0 || th["reports"] == 0 {
		t.Errorf("throttled counters %v", th)
	}
}

// A per-date report outside the 28 days real tenants answer for is 400
// InvalidArgument.
func TestUserDetailDateWindow(t *testing.T) {
	now := time.Date(2020, 7, 1, 23, 5, 0, 0, time.UTC)
	s := start(t, Options{Story: Story{Seed: 3}, Now: func() time.Time { return now }})
	c := s.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	tok := token(t, s, c)
	resp, body := get(t, c, tok, s.BaseURL()+"/reports/getTeamsUserActivityUserDetail(date=2020-06-03)")
	e, _ := body["error"].(map[string]any)
	if resp.StatusCode != 400 || e["code"] != "InvalidArgument" || !strings.Contains(e["message"].(string), "Only support data for the past 28 days") {
		t.Errorf("2020-06-03 on 2020-07-01: %d %v", resp.StatusCode, body)
	}
	if resp, _ := get(t, c, tok, s.BaseURL()+"/reports/getTeamsUserActivityUserDetail(date=2020-06-04)"); resp.StatusCode != http.StatusFound {
		t.Errorf("2020-06-04: %d, want 302", resp.StatusCode)
	}
}

// The managed identity endpoint hands out tokens that Graph accepts, and
// only with the right X-IDENTITY-HEADER.
func TestManagedIdentityEndpoint(t *testing.T) {
	s := start(t, Options{Story: Story{Seed: 3}, IdentityHeader: "853b9a84-5bfa-4b22-a3f3-0b9a43d9ad8a"})
	c := s.HTTPClient()
	u := s.URL() + "/msi/token?api-version=2019-08-01&resource=" + url.QueryEscape("https://graph.microsoft.com")
	req, _ := http.NewRequest("GET", u, nil)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != 401 {
		t.Fatalf("without the header: %v %v", resp, err)
	}
	req.Header.Set("X-IDENTITY-HEADER", "853b9a84-5bfa-4b22-a3f3-0b9a43d9ad8a")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresOn   string `json:"expires_on"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if _, err := strconv.ParseInt(tok.ExpiresOn, 10, 64); err != nil || tok.AccessToken == "" {
		t.Fatalf("token %+v", tok)
	}
	if r, _ := get(t, c, tok.AccessToken, s.BaseURL()+"/communications/callRecords"); r.StatusCode != 200 {
		t.Errorf("Graph refused the managed identity token: %d", r.StatusCode)
	}
}
