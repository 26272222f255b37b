package graphsim

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// CallRecord is the JSON shape of one microsoft.graph.callRecords.callRecord
// as the list endpoint returns it
// (api-reference/v1.0/api/callrecords-cloudcommunications-list-callrecords.md,
// example 1): no participants_v2 and no sessions ("the listed call records
// don't include expandable relationships such as sessions and
// participants_v2"), organizer_v2 expanded ("expanded by default",
// api-reference/v1.0/resources/callrecords-callrecord.md), and none of the
// deprecated organizer and participants properties, which stopped
// returning data on 30 June 2026.
type CallRecord struct {
	ID                   string       `json:"id"`
	Version              int          `json:"version"`
	Type                 string       `json:"type"`
	Modalities           []string     `json:"modalities"`
	LastModifiedDateTime string       `json:"lastModifiedDateTime"`
	StartDateTime        string       `json:"startDateTime"`
	EndDateTime          string       `json:"endDateTime"`
	JoinWebURL           *string      `json:"joinWebUrl"`
	OrganizerV2Context   string       `json:"organizer_v2@odata.context,omitempty"`
	OrganizerV2          *Participant `json:"organizer_v2,omitempty"`
	// Participants is how many participants_v2 entries the record has; the
	// entries are served by Get callRecord with $expand=participants_v2.
	Participants int `json:"-"`
}

// Participant is a microsoft.graph.callRecords.participant
// (api-reference/v1.0/resources/callrecords-participant.md: id, identity).
type Participant struct {
	ID       string                    `json:"id"`
	Identity communicationsIdentitySet `json:"identity"`
}

type identity struct {
	ID          string  `json:"id"`
	DisplayName *string `json:"displayName"`
	TenantID    *string `json:"tenantId"`
}

// communicationsIdentitySet as in the list example (user, or phone for a
// call from a phone number).
type communicationsIdentitySet struct {
	User  *identity `json:"user"`
	Phone *identity `json:"phone,omitempty"`
}

// Shares of the call types (callType: api-reference/v1.0/resources/callrecords-callrecord.md,
// "unknown, groupCall, peerToPeer, unknownFutureValue"). Microsoft's list
// example shows two unknown-type records: 3- and 4-second audio calls with
// a phone number as organizer.
const (
	shareUnknown            = 0.04
	shareUnknownFutureValue = 0.005
	shareGroup              = 0.53
	// One group meeting in 150 is a large one, beyond the 130 participants
	// of one page (api-reference/v1.0/api/callrecords-callrecord-get.md:
	// "Maximum page size: 130 entries for participants").
	shareLargeMeeting = 1.0 / 150
)

// callRecord builds record i of the day. Records are generated, not stored:
// the same (seed, day, i) always gives the same record.
func (s Story) callRecord(day time.Time, i int, tenant string) (CallRecord, time.Time) {
	u := func(k string) float64 { return s.unit(day, k, uint64(i)) }
	kind := u("type")
	typ := "peerToPeer"
	switch {
	case kind < shareUnknown:
		typ = "unknown"
	case kind < shareUnknown+shareUnknownFutureValue:
		typ = "unknownFutureValue"
	case kind < shareUnknown+shareUnknownFutureValue+shareGroup:
		typ = "groupCall"
	}
	// Meetings start between 07:00 and 17:00, to the second. Every 40th
	// record starts in the same second as the one before it (two meetings
	// booked at 09:00:00 are common).
	j := i
	if i%40 == 1 {
		j = i - 1
	}
	startOff := time.Duration(7*3600+int(s.unit(day, "start", uint64(j))*10*3600)) * time.Second
	start := day.Add(startOff)
	var dur time.Duration
	var parts int
	mods := []string{"audio"}
	switch typ {
	case "groupCall":
		dur = time.Duration(15+u("dur")*60) * time.Minute
		parts = 2 + int(u("parts")*11)
		if u("large") < shareLargeMeeting {
			parts = 131 + int(u("largesize")*270)
		}
		if u("video") < 0.6 {
			mods = append(mods, "video")
		}
		if u("screen") < 0.35 {
			mods = append(mods, "screenSharing")
		}
	case "peerToPeer":
		dur = time.Duration(1+u("dur")*20) * time.Minute
		parts = 2
		if u("video") < 0.3 {
			mods = append(mods, "video")
		}
	default:
		dur = time.Duration(3+u("dur")*180) * time.Second
		parts = 1 + int(u("parts")*2)
	}
	if typ == "groupCall" || typ == "peerToPeer" {
		dur += time.Duration(u("sec")*60) * time.Second
	}
	end := start.Add(dur)
	rec := CallRecord{
		ID:                   s.recordID(day, i),
		Version:              1,
		Type:                 typ,
		Modalities:           mods,
		LastModifiedDateTime: end.Add(7 * time.Minute).Format(time.RFC3339),
		StartDateTime:        start.Format(time.RFC3339),
		EndDateTime:          end.Format(time.RFC3339),
		Participants:         parts,
	}
	if typ == "groupCall" {
		url := "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + rec.ID[:13] + "%40thread.v2/0"
		rec.JoinWebURL = &url
	}
	org := s.participant(day, i, 0, typ, tenant)
	rec.OrganizerV2 = &org
	return rec, start
}

// participant returns entry p of a record's participants_v2.
func (s Story) participant(day time.Time, i, p int, typ, tenant string) Participant {
	if typ == "unknown" || typ == "unknownFutureValue" {
		if p == 0 {
			// As in the list example: a phone number as organizer.
			num := fmt.Sprintf("+4687%07d", s.hash(day, "phone", uint64(i))%10000000)
			return Participant{ID: num, Identity: communicationsIdentitySet{Phone: &identity{ID: num}}}
		}
	}
	k := int(s.hash(day, "who", uint64(i*512+p)) % uint64(s.users()))
	who := s.person(k, tenant)
	return Participant{ID: who.ID, Identity: communicationsIdentitySet{User: who}}
}

func (s Story) person(k int, tenant string) *identity {
	name := fmt.Sprintf("Anställd %05d", k)
	id := &identity{ID: s.uuid(time.Time{}, "user", uint64(k)), DisplayName: &name}
	if tenant != "" {
		id.TenantID = &tenant
	}
	return id
}

func (s Story) uuid(day time.Time, key string, i uint64) string {
	a, b := s.hash(day, key, i), s.hash(day, key+"/2", i)
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

// recordID is a UUID whose last group holds the day and the index, so that
// Get callRecord finds the record again without storing it.
func (s Story) recordID(day time.Time, i int) string {
	a, b := s.hash(day, "rec", uint64(i)), s.hash(day, "rec/2", uint64(i))
	n := uint64(day.Unix()/86400)<<24 | uint64(i)&0xffffff
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, 0x8000|(b>>48)&0x3fff, n&0xffffffffffff)
}

// parseRecordID returns the day and index of a recordID.
func parseRecordID(id string) (time.Time, int, bool) {
	if len(id) != 36 {
		return time.Time{}, 0, false
	}
	n, err := strconv.ParseUint(id[24:], 16, 64)
	if err != nil {
		return time.Time{}, 0, false
	}
	return time.Unix(int64(n>>24)*86400, 0).UTC(), int(n & 0xffffff), true
}

// Report names the simulator serves, as they appear in the Graph URL.
const (
	ReportTeamsUserActivityCounts     = "getTeamsUserActivityCounts"
	ReportTeamsUserActivityUserDetail = "getTeamsUserActivityUserDetail"
	ReportTeamsDeviceUsageUserCounts  = "getTeamsDeviceUsageUserCounts"
	ReportSkypeOrganizerActivity      = "getSkypeForBusinessOrganizerActivityCounts"
	ReportSkypeParticipantActivity    = "getSkypeForBusinessParticipantActivityCounts"
	ReportSkypePeerToPeerActivity     = "getSkypeForBusinessPeerToPeerActivityCounts"
)

// Headers are the exact CSV column headers Microsoft Graph documents for each
// report (microsoft-graph-docs, api-reference/v1.0/api/reportroot-*.md).
var Headers = map[string][]string{
	ReportTeamsUserActivityCounts:     {"Report Refresh Date", "Report Date", "Team Chat Messages", "Post Messages", "Reply Messages", "Private Chat Messages", "Calls", "Meetings", "Audio Duration", "Video Duration", "Screen Share Duration", "Meetings Organized", "Meetings Attended", "Report Period"},
	ReportTeamsUserActivityUserDetail: {"Report Refresh Date", "Tenant Display Name", "Shared Channel Tenant Display Names", "User Id", "User Principal Name", "Last Activity Date", "Is Deleted", "Deleted Date", "Assigned Products", "Team Chat Message Count", "Private Chat Message Count", "Call Count", "Meeting Count", "Post Messages", "Reply Messages", "Urgent Messages", "Meetings Organized Count", "Meetings Attended Count", "Ad Hoc Meetings Organized Count", "Ad Hoc Meetings Attended Count", "Scheduled One-time Meetings Organized Count", "Scheduled One-time Meetings Attended Count", "Scheduled Recurring Meetings Organized Count", "Scheduled Recurring Meetings Attended Count", "Audio Duration", "Video Duration", "Screen Share Duration", "Audio Duration In Seconds", "Video Duration In Seconds", "Screen Share Duration In Seconds", "Has Other Action", "Is Licensed", "Report Period"},
	ReportTeamsDeviceUsageUserCounts:  {"Report Refresh Date", "Web", "Windows Phone", "Android Phone", "iOS", "Mac", "Windows", "Chrome OS", "Linux", "Report Date", "Report Period"},
	ReportSkypeOrganizerActivity:      {"Report Refresh Date", "Report Date", "Report Period", "IM", "Audio/Video", "App Sharing", "Web", "Dial-in/out 3rd Party", "Dial-in/out Microsoft"},
	ReportSkypeParticipantActivity:    {"Report Refresh Date", "Report Date", "Report Period", "IM", "Audio/Video", "App Sharing", "Web", "Dial-in/out 3rd Party"},
	ReportSkypePeerToPeerActivity:     {"Report Refresh Date", "Report Date", "Report Period", "IM", "Audio", "Video", "App Sharing", "File Transfer"},
}

const dateFmt = "2006-01-02"

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func rnd(v float64) int64 { return int64(math.Round(v)) }

// TeamsCounts is one day of getTeamsUserActivityCounts.
type TeamsCounts struct {
	TeamChat, Posts, Replies, PrivateChat, Calls, Meetings int64
	AudioS, VideoS, ScreenShareS                           int64
	Organized, Attended                                    int64
}

// TeamsCounts returns the day's Teams activity counts.
func (s Story) TeamsCounts(day time.Time) TeamsCounts {
	day = truncDay(day)
	m := float64(s.TeamsMeetings(day))
	n := func(k string) float64 { return s.noise(day, k, 0.1) }
	att := m * 4.2 * n("att")
	return TeamsCounts{
		TeamChat: rnd(m * 3.1 * n("tc")), Posts: rnd(m * 0.4 * n("po")), Replies: rnd(m * 0.9 * n("re")),
		PrivateChat: rnd(m * 11 * n("pc")), Calls: rnd(m * 0.8 * n("ca")), Meetings: int64(m),
		AudioS: rnd(att * 38 * 60), VideoS: rnd(att * 21 * 60 * n("vi")), ScreenShareS: rnd(att * 9 * 60 * n("ss")),
		Organized: int64(m), Attended: rnd(att),
	}
}

// ActiveUsers is the number of distinct Teams users active that day.
func (s Story) ActiveUsers(day time.Time) int {
	m := float64(s.TeamsMeetings(day))
	a := int(math.Round(m * 1.6 * s.noise(truncDay(day), "active", 0.05)))
	return min(a, s.users())
}

func (s Story) reportRow(report string, day, refresh time.Time, period int) []string {
	head := func(rest ...string) []string {
		return append([]string{refresh.Format(dateFmt), day.Format(dateFmt)}, rest...)
	}
	p := strconv.Itoa(period)
	switch report {
	case ReportTeamsUserActivityCounts:
		c := s.TeamsCounts(day)
		return head(itoa(c.TeamChat), itoa(c.Posts), itoa(c.Replies), itoa(c.PrivateChat), itoa(c.Calls), itoa(c.Meetings),
			itoa(c.AudioS), itoa(c.VideoS), itoa(c.ScreenShareS), itoa(c.Organized), itoa(c.Attended), p)
	case ReportTeamsDeviceUsageUserCounts:
		a := float64(s.ActiveUsers(day))
		n := func(k string) string { return itoa(rnd(a * s.noise(day, k, 0.05) * deviceShare[k])) }
		return []string{refresh.Format(dateFmt), n("web"), "0", n("android"), n("ios"), n("mac"), n("windows"), n("chromeos"), n("linux"), day.Format(dateFmt), p}
	case ReportSkypeOrganizerActivity:
		o := s.SkypeConferences(day)
		return head(p, itoa(o.IM), itoa(o.AudioVideo), itoa(o.AppSharing), itoa(o.Web), itoa(o.DialInOut3rdParty), itoa(o.DialInOutMicrosoft))
	case ReportSkypeParticipantActivity:
		o := s.SkypeConferences(day)
		f := 4.1 * s.noise(day, "sfbpart", 0.05)
		return head(p, itoa(rnd(float64(o.IM)*f)), itoa(rnd(float64(o.AudioVideo)*f)), itoa(rnd(float64(o.AppSharing)*f)), itoa(rnd(float64(o.Web)*f)), itoa(rnd(float64(o.DialInOut3rdParty)*f)))
	case ReportSkypePeerToPeerActivity:
		b := skypeLevel(day) * weekdayFactor(day) * 2.5 * s.noise(day, "p2p", 0.1)
		return head(p, itoa(rnd(b*1.9)), itoa(rnd(b*0.6)), itoa(rnd(b*0.15)), itoa(rnd(b*0.2)), itoa(rnd(b*0.1)))
	}
	return nil
}

var deviceShare = map[string]float64{"web": 0.12, "android": 0.10, "ios": 0.15, "mac": 0.08, "windows": 0.62, "chromeos": 0.05, "linux": 0.005}

// writeReport writes the CSV (with a UTF-8 byte order mark, as Graph does)
// of a per-day report for the period ending at refresh, newest day first.
func (s Story) writeReport(w io.Writer, report string, refresh time.Time, period int) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(Headers[report]); err != nil {
		return err
	}
	for i := 0; i < period; i++ {
		day := refresh.AddDate(0, 0, -i)
		if err := cw.Write(s.reportRow(report, day, refresh, period)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// userDetail accumulates one user's activity for the user detail report.
type userDetail struct {
	organized, attended, adhocOrg, adhocAtt, oneOrg, oneAtt, recOrg, recAtt int64
	calls, chat, private                                                    int64
	audio, video, screen                                                    int64
	last                                                                    time.Time
}

// addUserDetail distributes the day's Teams figures over the day's active
// users, so that the aggregate of the user detail report for one date equals
// that day's activity counts (meetings organised and attended).
func (s Story) addUserDetail(day time.Time, into map[int]*userDetail) {
	c := s.TeamsCounts(day)
	a := int64(s.ActiveUsers(day))
	if a == 0 {
		return
	}
	users := s.users()
	offset := int(s.hash(day, "rot", 0) % uint64(users))
	share := func(total int64, k int64) int64 {
		v := total / a
		if k < total%a {
			v++
		}
		return v
	}
	for k := int64(0); k < a; k++ {
		idx := (offset + int(k)*7919) % users
		d := into[idx]
		if d == nil {
			d = &userDetail{}
			into[idx] = d
		}
		org, att := share(c.Organized, k), share(c.Attended, (k+3)%a)
		d.organized += org
		d.attended += att
		d.adhocOrg += org * 3 / 10
		d.oneOrg += org * 4 / 10
		d.recOrg += org - org*3/10 - org*4/10
		d.adhocAtt += att * 2 / 10
		d.oneAtt += att * 4 / 10
		d.recAtt += att - att*2/10 - att*4/10
		d.calls += share(c.Calls, (k+5)%a)
		d.chat += share(c.TeamChat, (k+7)%a)
		d.private += share(c.PrivateChat, (k+11)%a)
		d.audio += share(c.AudioS, k)
		d.video += share(c.VideoS, k)
		d.screen += share(c.ScreenShareS, k)
		d.last = day
	}
}

func hms(sec int64) string {
	return fmt.Sprintf("%02d:%02d:%02d", sec/3600, sec/60%60, sec%60)
}

// writeUserDetail writes getTeamsUserActivityUserDetail for the given days
// (one day for the date= variant, the period for period=).
func (s Story) writeUserDetail(w io.Writer, tenantName string, refresh, from time.Time, period int) error {
	users := map[int]*userDetail{}
	for d := from; !d.After(refresh) && d.Before(from.AddDate(0, 0, period)); d = d.AddDate(0, 0, 1) {
		s.addUserDetail(d, users)
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(Headers[ReportTeamsUserActivityUserDetail]); err != nil {
		return err
	}
	for idx := 0; idx < s.users(); idx++ {
		d := users[idx]
		if d == nil {
			continue
		}
		p := s.person(idx, "")
		row := []string{refresh.Format(dateFmt), tenantName, "", p.ID, fmt.Sprintf("anstalld%05d@kommun.example", idx), d.last.Format(dateFmt),
			"False", "", "MICROSOFT 365 E3", itoa(d.chat), itoa(d.private), itoa(d.calls), itoa(d.attended), "0", "0", "0",
			itoa(d.organized), itoa(d.attended), itoa(d.adhocOrg), itoa(d.adhocAtt), itoa(d.oneOrg), itoa(d.oneAtt), itoa(d.recOrg), itoa(d.recAtt),
			hms(d.audio), hms(d.video), hms(d.screen), itoa(d.audio), itoa(d.video), itoa(d.screen), "No", "Yes", strconv.Itoa(period)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
