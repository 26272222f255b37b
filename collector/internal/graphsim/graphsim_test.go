package graphsim

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
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
