package meetings

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/schema"
)

var testNow = func() time.Time { return time.Date(2022, 6, 1, 12, 0, 0, 0, time.UTC) }

func decodeFile(t *testing.T, f Format, name string) *Result {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	res, err := Decode(context.Background(), f, fh, Options{File: name, Now: testNow})
	if err != nil {
		t.Fatalf("Decode(%s): %v", name, err)
	}
	if err := res.Err(); err != nil {
		t.Fatalf("Decode(%s) rejected rows: %v", name, err)
	}
	for _, r := range res.Records {
		if err := schema.Check(r.Measurement, r.Tags, r.Fields); err != nil {
			t.Fatalf("Decode(%s): %v", name, err)
		}
	}
	return res
}

func decodeString(t *testing.T, f Format, csv string) (*Result, error) {
	t.Helper()
	return Decode(context.Background(), f, strings.NewReader(csv), Options{File: "in.csv", Now: testNow})
}

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// byDay indexes records of one measurement/platform by date.
func byDay(recs []Record) map[string]Record {
	m := map[string]Record{}
	for _, r := range recs {
		m[r.Tags["platform"]+" "+r.Day.Format("2006-01-02")] = r
	}
	return m
}

func TestTeamsActivityCountsBOMNewestFirst(t *testing.T) {
	res := decodeFile(t, FormatTeamsActivityCounts, "teams-activity-counts.csv")
	if res.Rows != 7 || len(res.Records) != 7 {
		t.Fatalf("rows=%d records=%d, want 7 and 7", res.Rows, len(res.Records))
	}
	// Graph writes newest first; records come out oldest first.
	if !res.Records[0].Day.Equal(day("2020-04-01")) || !res.Records[6].Day.Equal(day("2020-04-07")) {
		t.Fatalf("records not sorted oldest first: %v .. %v", res.Records[0].Day, res.Records[6].Day)
	}
	r := byDay(res.Records)["teams 2020-04-07"]
	want := map[string]any{
		"meetings": int64(1210), "meetings_organized": int64(300), "meetings_attended": int64(1190),
		"calls": int64(402), "team_chat_messages": int64(5120), "private_chat_messages": int64(9811),
		"audio_s": int64(310*3600 + 5*60), "video_s": int64(120 * 3600), "screenshare_s": int64(40*3600 + 30*60 + 15),
		"source": "teams-activity-counts",
	}
	for k, v := range want {
		if r.Fields[k] != v {
			t.Errorf("2020-04-07 %s = %v (%T), want %v", k, r.Fields[k], r.Fields[k], v)
		}
	}
	if r.Measurement != "meetings" || r.Tags["platform"] != "teams" || len(r.Tags) != 1 {
		t.Errorf("measurement/tags = %s %v", r.Measurement, r.Tags)
	}
	if !r.Refreshed.Equal(day("2020-04-08")) {
		t.Errorf("refreshed = %v", r.Refreshed)
	}
	// the three duration notations give the same seconds
	if got := byDay(res.Records)["teams 2020-04-06"].Fields["audio_s"]; got != int64(1116300) {
		t.Errorf("seconds notation: audio_s = %v", got)
	}
	if got := byDay(res.Records)["teams 2020-04-05"].Fields["audio_s"]; got != int64(4*3600+10*60) {
		t.Errorf("hh:mm:ss notation: audio_s = %v", got)
	}
}

func TestTeamsActivityCountsBetaColumnsAnyOrder(t *testing.T) {
	res := decodeFile(t, FormatTeamsActivityCounts, "teams-activity-counts-beta.csv")
	r := byDay(res.Records)["teams 2019-11-12"]
	if r.Fields["meetings"] != int64(3) || r.Fields["calls"] != int64(1) || r.Fields["team_chat_messages"] != int64(40) {
		t.Fatalf("fields = %v", r.Fields)
	}
	if _, ok := r.Fields["audio_s"]; ok {
		t.Errorf("audio_s present although the beta export has no such column")
	}
}

func TestOverlappingExportsCountEachDayOnce(t *testing.T) {
	a := decodeFile(t, FormatTeamsActivityCounts, "teams-overlap-a.csv")
	b := decodeFile(t, FormatTeamsActivityCounts, "teams-overlap-b.csv")
	var want int64 // days 1..15 of March, meetings = 100+day
	for d := int64(1); d <= 15; d++ {
		want += 100 + d
	}
	for _, order := range [][][]Record{{a.Records, b.Records}, {b.Records, a.Records}, {a.Records, b.Records, a.Records, b.Records}} {
		merged := Merge(order...)
		var total int64
		for _, r := range merged {
			total += r.Fields["meetings"].(int64)
		}
		if len(merged) != 15 || total != want {
			t.Errorf("merged %d days, %d meetings; want 15 days, %d meetings", len(merged), total, want)
		}
	}
}

func TestMergeNewerRefreshWins(t *testing.T) {
	old := Record{Measurement: "meetings", Tags: map[string]string{"platform": "teams"}, Day: day("2020-03-01"),
		Fields: map[string]any{"meetings": int64(10), "calls": int64(1)}, Refreshed: day("2020-03-05")}
	newer := Record{Measurement: "meetings", Tags: map[string]string{"platform": "teams"}, Day: day("2020-03-01"),
		Fields: map[string]any{"meetings": int64(12)}, Refreshed: day("2020-06-01")}
	for _, m := range [][]Record{Merge([]Record{old}, []Record{newer}), Merge([]Record{newer}, []Record{old})} {
		if len(m) != 1 || m[0].Fields["meetings"] != int64(12) || m[0].Fields["calls"] != int64(1) {
			t.Errorf("merge = %+v, want meetings 12 from the newer export and calls 1 kept", m)
		}
	}
}

func TestSkypeReportsMergeIntoOnePoint(t *testing.T) {
	org := decodeFile(t, FormatSkypeOrganizer, "skype-organizer.csv")
	part := decodeFile(t, FormatSkypeParticipant, "skype-participant.csv")
	p2p := decodeFile(t, FormatSkypePeerToPeer, "skype-p2p.csv")
	m := Merge(org.Records, part.Records, p2p.Records)
	if len(m) != 2 {
		t.Fatalf("%d records, want 2 (one per day)", len(m))
	}
	r := byDay(m)["skype 2019-06-03"]
	want := map[string]any{"meetings": int64(61), "meetings_organized": int64(61), "conf_im": int64(40),
		"conf_dial_in_out_microsoft": int64(4), "meetings_attended": int64(240), "part_web": int64(33),
		"calls": int64(150), "p2p_file_transfer": int64(7), "source": "skype-organizer-activity-counts"}
	for k, v := range want {
		if r.Fields[k] != v {
			t.Errorf("%s = %v, want %v", k, r.Fields[k], v)
		}
	}
	if _, ok := part.Records[0].Fields["source"]; ok {
		t.Errorf("participant counts set source, but they do not set meetings")
	}
}

func TestZoomDaily(t *testing.T) {
	res := decodeFile(t, FormatZoomDaily, "zoom-daily.csv")
	r := byDay(res.Records)["zoom 2020-03-17"]
	if r.Fields["meetings"] != int64(51) || r.Fields["participants"] != int64(365) || r.Fields["minutes"] != int64(11020) || r.Fields["new_users"] != int64(4) {
		t.Fatalf("fields = %v", r.Fields)
	}
	if len(res.Records) != 3 {
		t.Fatalf("%d records, want 3 (US and ISO dates)", len(res.Records))
	}
}

func TestMeetingsDaily(t *testing.T) {
	res := decodeFile(t, FormatMeetingsDaily, "meetings-daily.csv")
	m := byDay(res.Records)
	if m["webex 2020-03-17"].Fields["meetings"] != int64(14) || m["webex 2020-03-16"].Fields["minutes"] != int64(540) {
		t.Errorf("webex = %v / %v", m["webex 2020-03-17"].Fields, m["webex 2020-03-16"].Fields)
	}
	vr := m["video-rooms 2020-03-16"]
	if vr.Fields["meetings"] != int64(3) {
		t.Errorf("video rooms = %v", vr.Fields)
	}
	if _, ok := vr.Fields["minutes"]; ok {
		t.Errorf("empty minutes became a value: %v", vr.Fields)
	}
	res = decodeFile(t, FormatMeetingsDaily, "meetings-daily-noheader.csv")
	if len(res.Records) != 2 || res.Records[0].Fields["meetings"] != int64(20) {
		t.Errorf("file without header: %+v", res.Records)
	}
}

func TestTeamsDeviceUsage(t *testing.T) {
	res := decodeFile(t, FormatTeamsDeviceUsage, "teams-device-usage.csv")
	r := res.Records[1]
	if r.Measurement != "teams_clients" || !r.Day.Equal(day("2020-04-07")) {
		t.Fatalf("record = %+v", r)
	}
	want := map[string]int64{"web": 310, "windows_phone": 0, "android_phone": 120, "ios": 410, "mac": 35, "windows": 3900, "chrome_os": 12, "linux": 3}
	for k, v := range want {
		if r.Fields[k] != v {
			t.Errorf("%s = %v, want %d", k, r.Fields[k], v)
		}
	}
	if _, ok := r.Fields["report_period"]; ok {
		t.Errorf("report period stored as a client: %v", r.Fields)
	}
}

func TestTeamsUserDetailAggregatesWithoutIdentities(t *testing.T) {
	res := decodeFile(t, FormatTeamsUserDetail, "teams-user-detail.csv")
	if len(res.Records) != 1 {
		t.Fatalf("%d records, want 1 per refresh date", len(res.Records))
	}
	r := res.Records[0]
	want := map[string]any{"users": int64(3), "users_with_meetings": int64(2), "licensed_users": int64(2), "deleted_users": int64(1),
		"meetings": int64(7), "meetings_organized": int64(3), "meetings_attended": int64(4),
		"adhoc_organized": int64(1), "scheduled_onetime_organized": int64(1), "scheduled_recurring_organized": int64(1),
		"unclassified_organized": int64(0), "audio_s": int64(10800), "video_s": int64(3600), "screenshare_s": int64(600), "calls": int64(2)}
	for k, v := range want {
		if r.Fields[k] != v {
			t.Errorf("%s = %v, want %v", k, r.Fields[k], v)
		}
	}
	if r.Measurement != "teams_meeting_types" || r.Tags["report_period"] != "7" || !r.Day.Equal(day("2020-04-08")) {
		t.Errorf("record = %s %v %v", r.Measurement, r.Tags, r.Day)
	}
	b, err := r.Point().AppendLine(nil)
	if err != nil {
		t.Fatal(err)
	}
	line := string(b)
	for _, secret := range []string{"@", "anna", "7c3a1f0e", "Exempelkommunen", "Microsoft 365"} {
		if strings.Contains(line, secret) {
			t.Errorf("point %q contains %q", line, secret)
		}
	}
}

// A report pulled with Graph's date= parameter lists that day's activity;
// its Report Refresh Date says when the data was last updated and may be a
// later day. The rows count for the requested day.
func TestTeamsUserDetailRequestedDayWins(t *testing.T) {
	const csv = "Report Refresh Date,User Principal Name,Meeting Count,Report Period\n" +
		"2020-04-10,a@b,2,1\n2020-04-10,c@d,3,1\n"
	res, err := Decode(context.Background(), FormatTeamsUserDetail, strings.NewReader(csv),
		Options{File: "getTeamsUserActivityUserDetail(date=2020-04-07)", Now: testNow, Day: day("2020-04-07")})
	if err != nil || res.Err() != nil {
		t.Fatal(err, res.Err())
	}
	if len(res.Records) != 1 {
		t.Fatalf("%d records, want 1", len(res.Records))
	}
	r := res.Records[0]
	if !r.Day.Equal(day("2020-04-07")) || r.Fields["meetings"] != int64(5) || r.Tags["report_period"] != "1" {
		t.Errorf("record %v %v %v, want 5 meetings on 2020-04-07 (the requested day)", r.Day, r.Tags, r.Fields)
	}
	if !r.Refreshed.Equal(day("2020-04-10")) {
		t.Errorf("refreshed %v, want the CSV's 2020-04-10", r.Refreshed)
	}
	// Without a requested day (a file exported by hand) the refresh date
	// is all there is.
	res, _ = decodeString(t, FormatTeamsUserDetail, csv)
	if len(res.Records) != 1 || !res.Records[0].Day.Equal(day("2020-04-10")) {
		t.Errorf("without Options.Day: %+v", res.Records)
	}
}

func TestBadRows(t *testing.T) {
	const ta = "Report Refresh Date,Report Date,Meetings,Calls,Audio Duration,Report Period\n"
	cases := []struct {
		name, format, csv string
		line, col         int
		msg               string
	}{
		{"not a number", "teams-activity-counts", ta + "2020-04-08,2020-04-07,12x,1,PT1H,7\n", 2, 3, `column "Meetings": value "12x": is not a whole number`},
		{"negative", "teams-activity-counts", ta + "2020-04-08,2020-04-07,-3,1,PT1H,7\n", 2, 3, "is negative"},
		{"empty meetings", "teams-activity-counts", ta + "2020-04-08,2020-04-07,,1,PT1H,7\n", 2, 3, "is empty"},
		{"bad date", "teams-activity-counts", ta + "2020-04-08,2020-13-07,1,1,PT1H,7\n", 2, 2, "is not a date (expected YYYY-MM-DD)"},
		{"future date", "teams-activity-counts", ta + "2030-04-08,2030-04-07,1,1,PT1H,7\n", 2, 2, "is in the future"},
		{"ancient date", "teams-activity-counts", ta + "1999-04-08,1999-04-07,1,1,PT1H,7\n", 2, 2, "is before 2000-01-01"},
		{"refresh before day", "teams-activity-counts", ta + "2020-04-01,2020-04-07,1,1,PT1H,7\n", 2, 1, "is before the Report Date"},
		{"bad duration", "teams-activity-counts", ta + "2020-04-08,2020-04-07,1,1,1h30m,7\n", 2, 5, "is not a duration"},
		{"bad iso duration", "teams-activity-counts", ta + "2020-04-08,2020-04-07,1,1,PT1X,7\n", 2, 5, "is not an ISO 8601 duration"},
		{"bad clock", "teams-activity-counts", ta + "2020-04-08,2020-04-07,1,1,01:75:00,7\n", 2, 5, "expected hh:mm:ss"},
		{"too few fields", "teams-activity-counts", ta + "2020-04-08,2020-04-07,1\n", 2, 0, "has 3 fields, the header has 6"},
		{"bad quoting", "teams-activity-counts", ta + "2020-04-08,2020-04-07,\"1\"2,1,PT1H,7\n", 2, 0, "not valid CSV"},
		{"duplicate day", "teams-activity-counts", ta + "2020-04-08,2020-04-07,1,1,PT1H,7\n2020-04-08,2020-04-07,2,1,PT1H,7\n", 3, 2, "2020-04-07 is already on line 2"},
		{"bad platform", "meetings-daily", "date,platform,meetings\n2020-01-01,web/ex,3\n", 2, 2, "is not a platform name"},
		{"empty platform", "meetings-daily", "date,platform,meetings\n2020-01-01,,3\n", 2, 2, "is empty"},
		{"duplicate platform day", "meetings-daily", "date,platform,meetings\n2020-01-01,webex,3\n2020-01-01,Webex,4\n", 3, 1, "2020-01-01 webex is already on line 2"},
		{"zoom day-first date", "zoom-daily", "Date,Meetings\n31/12/2020,4\n", 2, 1, "expected YYYY-MM-DD or MM/DD/YYYY"},
		{"user detail bad licensed", "teams-user-detail", "Report Refresh Date,User Principal Name,Meeting Count,Is Licensed,Report Period\n2020-04-08,a@b,1,Maybe,7\n", 2, 4, "is not Yes/No"},
		{"user detail bad count", "teams-user-detail", "Report Refresh Date,User Principal Name,Meeting Count,Report Period\n2020-04-08,a@b,many,7\n", 2, 3, "is not a whole number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := decodeString(t, Format(c.format), c.csv)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if res.BadRows != 1 || len(res.Errors) != 1 {
				t.Fatalf("bad rows = %d, errors = %v; want exactly 1", res.BadRows, res.Errors)
			}
			e := res.Errors[0]
			if e.File != "in.csv" || e.Line != c.line || e.Column != c.col || !strings.Contains(e.Error(), c.msg) {
				t.Errorf("error = %q (line %d col %d); want line %d col %d containing %q", e.Error(), e.Line, e.Column, c.line, c.col, c.msg)
			}
			if !strings.HasPrefix(e.Error(), "in.csv:") {
				t.Errorf("error %q does not start with the file name", e.Error())
			}
			// The bad row adds nothing.
			for _, r := range res.Records {
				if r.Line == c.line {
					t.Errorf("bad line %d produced a record %+v", c.line, r)
				}
			}
		})
	}
}

func TestGoodRowsSurviveABadOne(t *testing.T) {
	res, err := decodeString(t, FormatMeetingsDaily, "date,platform,meetings\n2020-01-01,webex,3\n2020-01-02,webex,x\n2020-01-03,webex,5\n")
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 3 || res.BadRows != 1 || len(res.Records) != 2 {
		t.Fatalf("rows=%d bad=%d records=%d", res.Rows, res.BadRows, len(res.Records))
	}
	if res.Err() == nil || !strings.Contains(res.Err().Error(), "in.csv:3:3") {
		t.Errorf("Err() = %v", res.Err())
	}
}

func TestFileLevelErrors(t *testing.T) {
	cases := []struct{ name, format, csv, msg string }{
		{"empty", "teams-activity-counts", "", "in.csv:1: the file is empty"},
		{"bom only", "teams-activity-counts", "\ufeff", "in.csv:1: the file is empty"},
		{"missing column", "teams-activity-counts", "Report Date,Calls\n2020-01-01,3\n", `in.csv:1: missing column "Meetings"`},
		{"missing date", "zoom-daily", "Meetings\n3\n", `missing column "Date"`},
		{"unknown format", "teams", "a\n", `unknown format "teams"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeString(t, Format(c.format), c.csv)
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("err = %v, want %q", err, c.msg)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	cases := map[string]int64{
		"PT1H2M3S": 3723, "pt45m": 2700, "PT0S": 0, "P1DT2H": 93600, "PT1.6S": 2, "PT1,5S": 2,
		"01:02:03": 3723, "1:02:03": 3723, "100:00:00": 360000, "00:00:01.5": 2, "1.02:00:00": 93600,
		"3723": 3723, "3723.4": 3723, "0": 0,
	}
	for in, want := range cases {
		got, ok, err := parseDuration(in)
		if err != nil || !ok || got != want {
			t.Errorf("parseDuration(%q) = %d, %v, %v; want %d", in, got, ok, err, want)
		}
	}
	for _, bad := range []string{"P", "PT", "P1Y", "PT1H1H", "1:2", "01:60:00", "01:00:60", "-5", "abc", "PTH", "NaN", "Inf"} {
		if _, _, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) accepted", bad)
		}
	}
}

func TestRollupPointsFollowSchema(t *testing.T) {
	growth := 12950.0
	points := RollupPoints([]Total{
		{Platform: "teams", Year: 2020, Meetings: 39150, Days: 366, GrowthPct: &growth},
		{Platform: "teams", Year: 2020, Month: 4, Meetings: 4000, Days: 30, GrowthPct: &growth, YoYPct: &growth},
	})
	if len(points) != 2 || points[0].Measurement != schema.MeetingsYearly || points[1].Measurement != schema.MeetingsMonthly {
		t.Fatalf("points %+v", points)
	}
	for _, p := range points {
		if err := schema.Check(p.Measurement, p.Tags, p.Fields); err != nil {
			t.Error(err)
		}
	}
}
