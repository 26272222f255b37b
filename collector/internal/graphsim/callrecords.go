package graphsim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CallRecordRetention is how long Graph keeps call records: "A call record
// is created after a call or meeting ends and remains available for 30
// days" (api-reference/v1.0/api/callrecords-cloudcommunications-list-callrecords.md).
const CallRecordRetention = 30 * 24 * time.Hour

// recordDelay is how long after a call ends its record appears ("created
// after a call or meeting ends"; the delay itself is not documented).
const recordDelay = 15 * time.Minute

// participantsPageSize is the maximum participants page: "Maximum page size:
// 130 entries for participants" (api-reference/v1.0/api/callrecords-callrecord-get.md).
const participantsPageSize = 130

var filterTerm = regexp.MustCompile(`startDateTime\s+(ge|gt|le|lt)\s+'?([0-9T:.+\-Z]+)'?`)

type cursor struct {
	from, to time.Time // [from, to)
	day      time.Time
	idx      int
}

func (c cursor) token() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "v1|%d|%d|%d|%d", c.from.Unix(), c.to.Unix(), c.day.Unix(), c.idx))
}

func parseCursor(tok string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return cursor{}, err
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 5 || parts[0] != "v1" {
		return cursor{}, fmt.Errorf("bad skiptoken")
	}
	var n [4]int64
	for i := range n {
		if n[i], err = strconv.ParseInt(parts[i+1], 10, 64); err != nil {
			return cursor{}, err
		}
	}
	return cursor{from: time.Unix(n[0], 0).UTC(), to: time.Unix(n[1], 0).UTC(), day: time.Unix(n[2], 0).UTC(), idx: int(n[3])}, nil
}

// CallRecordsBetween lists (without HTTP) the records the simulator would
// return for [from, to), for tests that check aggregates.
func (s *Server) CallRecordsBetween(from, to time.Time) []CallRecord {
	var out []CallRecord
	now := s.opts.Now()
	for day := truncDay(from); day.Before(to); day = day.AddDate(0, 0, 1) {
		for i, n := 0, s.opts.Story.CallRecordCount(day); i < n; i++ {
			rec, start := s.opts.Story.callRecord(day, i, s.opts.TenantID)
			if s.visible(rec, start, from, to, now) {
				out = append(out, rec)
			}
		}
	}
	return out
}

// CallTotals are the sums of what the simulator serves for a span of days.
type CallTotals struct {
	Records, GroupCalls, PeerToPeer, Unknown, Participants int64
}

// CallRecordTotals sums the records the simulator serves for [from, to)
// without keeping them (the bench checks 174,000 records this way).
func (s *Server) CallRecordTotals(from, to time.Time) CallTotals {
	var t CallTotals
	now := s.opts.Now()
	for day := truncDay(from); day.Before(to); day = day.AddDate(0, 0, 1) {
		for i, n := 0, s.opts.Story.CallRecordCount(day); i < n; i++ {
			rec, start := s.opts.Story.callRecord(day, i, s.opts.TenantID)
			if !s.visible(rec, start, from, to, now) {
				continue
			}
			t.Records++
			switch rec.Type {
			case "groupCall":
				t.GroupCalls++
				t.Participants += int64(rec.Participants)
			case "peerToPeer":
				t.PeerToPeer++
			default:
				t.Unknown++
			}
		}
	}
	return t
}

func (s *Server) visible(rec CallRecord, start, from, to, now time.Time) bool {
	if start.Before(from) || !start.Before(to) {
		return false
	}
	end, _ := time.Parse(time.RFC3339, rec.EndDateTime)
	return !end.Add(recordDelay).After(now)
}

// pageSize reads "Prefer: odata.maxpagesize={x}" ("must be equal to or less
// than the maximum allowable page size"), within [1, max].
func pageSize(w http.ResponseWriter, r *http.Request, def, maxSize int) int {
	size := def
	if p := r.Header.Get("Prefer"); strings.Contains(p, "odata.maxpagesize=") {
		v := p[strings.Index(p, "odata.maxpagesize=")+len("odata.maxpagesize="):]
		if i := strings.IndexAny(v, ",; "); i >= 0 {
			v = v[:i]
		}
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			size = min(n, maxSize)
			w.Header().Set("Preference-Applied", "odata.maxpagesize="+strconv.Itoa(size))
		}
	}
	return size
}

// serveCallRecords is List callRecords: $filter on startDateTime (lt, le,
// gt, ge), 60 records a page by default, @odata.nextLink to the next page
// (api-reference/v1.0/api/callrecords-cloudcommunications-list-callrecords.md).
func (s *Server) serveCallRecords(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now().UTC()
	q := r.URL.Query()
	var c cursor
	first := q.Get("$skiptoken") == ""
	kind, lim := "list", limitListFirst
	if !first {
		lim = limitListNext
	}
	if wait, ok := s.throttle.admit(s.callRecordChecks(r, check{key: "list/" + strconv.FormatBool(first), limit: lim, kind: kind})...); !ok {
		s.tooMany(w, wait)
		return
	}
	if !first {
		var err error
		if c, err = parseCursor(q.Get("$skiptoken")); err != nil {
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid $skiptoken.")
			return
		}
	} else {
		c.from, c.to = now.Add(-CallRecordRetention), now
		for _, m := range filterTerm.FindAllStringSubmatch(q.Get("$filter"), -1) {
			t, err := time.Parse(time.RFC3339Nano, m[2])
			if err != nil {
				graphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter value "+m[2])
				return
			}
			switch m[1] {
			case "ge":
				c.from = maxTime(c.from, t)
			case "gt":
				c.from = maxTime(c.from, t.Add(time.Second))
			case "lt":
				c.to = minTime(c.to, t)
			case "le":
				c.to = minTime(c.to, t.Add(time.Second))
			}
		}
		if f := q.Get("$filter"); f != "" && !filterTerm.MatchString(f) {
			graphError(w, http.StatusBadRequest, "BadRequest", "Only startDateTime filters are supported by the simulator.")
			return
		}
		c.from = maxTime(c.from, now.Add(-CallRecordRetention))
		c.day = truncDay(c.from)
	}
	size := pageSize(w, r, s.opts.PageSize, 1000)
	page := make([]CallRecord, 0, size)
	if s.opts.DuplicateAcrossPages && !first && c.idx > 0 {
		c.idx-- // repeat the last record of the previous page
	}
	story := s.opts.Story
	more := false
scan:
	for ; c.day.Before(c.to); c.day, c.idx = c.day.AddDate(0, 0, 1), 0 {
		n := story.CallRecordCount(c.day)
		for ; c.idx < n; c.idx++ {
			if len(page) == size {
				more = true
				break scan
			}
			rec, start := story.callRecord(c.day, c.idx, s.opts.TenantID)
			if s.visible(rec, start, c.from, c.to, now) {
				rec.OrganizerV2Context = s.BaseURL() + "/$metadata#communications/callRecords('" + rec.ID + "')/organizer_v2/$entity"
				page = append(page, rec)
			}
		}
	}
	body := map[string]any{
		"@odata.context": s.BaseURL() + "/$metadata#communications/callRecords",
		"value":          page,
	}
	if more {
		body["@odata.nextLink"] = s.BaseURL() + "/communications/callRecords?$skiptoken=" + c.token()
	}
	writeJSON(w, http.StatusOK, body)
}

// callRecordChecks are the tenant and app limits every callRecord request
// counts against, plus the extra ones of the request.
func (s *Server) callRecordChecks(r *http.Request, extra ...check) []check {
	app := s.clientOf(r)
	return append([]check{
		{key: "callRecords/tenant", limit: limitCallRecordsTenant, kind: "callRecords"},
		{key: "callRecords/app/" + app, limit: limitCallRecordsApp, kind: "callRecords"},
	}, extra...)
}

var recordPath = regexp.MustCompile(`^/v1\.0/communications/callRecords(?:/([0-9a-fA-F-]{36})|\('([0-9a-fA-F-]{36})'\))(/participants_v2)?$`)

// lookupRecord finds a record by id; ok is false when it does not exist or
// is older than 30 days ("Requests for call records older than 30 days will
// receive a 404 Not Found response", api-reference/v1.0/api/callrecords-callrecord-get.md).
func (s *Server) lookupRecord(id string) (CallRecord, bool) {
	day, i, ok := parseRecordID(id)
	if !ok || i >= s.opts.Story.CallRecordCount(day) {
		return CallRecord{}, false
	}
	rec, start := s.opts.Story.callRecord(day, i, s.opts.TenantID)
	now := s.opts.Now().UTC()
	if rec.ID != id || !s.visible(rec, start, now.Add(-CallRecordRetention), now, now) {
		return CallRecord{}, false
	}
	return rec, true
}

// serveCallRecord is Get callRecord (with $expand=participants_v2) and
// List participants_v2 (api-reference/v1.0/api/callrecords-callrecord-list-participants_v2.md),
// both paged by 130 participants.
func (s *Server) serveCallRecord(w http.ResponseWriter, r *http.Request, m []string) {
	id := m[1] + m[2]
	list := m[3] != ""
	q := r.URL.Query()
	first := q.Get("$skiptoken") == ""
	rl := check{key: "record/" + id + "/first", limit: limitRecordFirst, kind: "record"}
	if !first {
		rl = check{key: "record/" + id + "/next", limit: limitRecordNext, kind: "record"}
	}
	if wait, ok := s.throttle.admit(s.callRecordChecks(r, rl)...); !ok {
		s.tooMany(w, wait)
		return
	}
	rec, ok := s.lookupRecord(id)
	if !ok {
		graphError(w, http.StatusNotFound, "NotFound", "The requested call record was not found.")
		return
	}
	from := 0
	if !first {
		n, err := strconv.Atoi(q.Get("$skiptoken"))
		if err != nil || n < 0 {
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid $skiptoken.")
			return
		}
		from = n
	}
	size := pageSize(w, r, participantsPageSize, participantsPageSize)
	day, i, _ := parseRecordID(id)
	var parts []Participant
	for p := from; p < rec.Participants && len(parts) < size; p++ {
		parts = append(parts, s.opts.Story.participant(day, i, p, rec.Type, s.opts.TenantID))
	}
	next := ""
	if from+len(parts) < rec.Participants {
		next = s.BaseURL() + "/communications/callRecords/" + id + "/participants_v2?$skiptoken=" + strconv.Itoa(from+len(parts))
	}
	if list {
		body := map[string]any{
			"@odata.context": s.BaseURL() + "/$metadata#communications/callRecords('" + id + "')/participants_v2",
			"value":          parts,
		}
		if next != "" {
			body["@odata.nextLink"] = next
		}
		writeJSON(w, http.StatusOK, body)
		return
	}
	body := map[string]any{
		"@odata.context":       s.BaseURL() + "/$metadata#communications/callRecords/$entity",
		"id":                   rec.ID,
		"version":              rec.Version,
		"type":                 rec.Type,
		"modalities":           rec.Modalities,
		"lastModifiedDateTime": rec.LastModifiedDateTime,
		"startDateTime":        rec.StartDateTime,
		"endDateTime":          rec.EndDateTime,
		"joinWebUrl":           rec.JoinWebURL,
		"organizer_v2":         rec.OrganizerV2,
	}
	if strings.Contains(q.Get("$expand"), "participants_v2") {
		body["@odata.context"] = s.BaseURL() + "/$metadata#communications/callRecords(participants_v2())/$entity"
		body["participants_v2@odata.context"] = s.BaseURL() + "/$metadata#communications/callRecords('" + id + "')/participants_v2/$entity"
		body["participants_v2"] = parts
		if next != "" {
			// The page's example shows a "$metadata#…" link, which no
			// client can follow; the simulator sends the List
			// participants_v2 URL that paging needs ("continue making
			// additional requests with the @odata.nextLink URL").
			body["participants_v2@odata.nextLink"] = next
		}
	}
	writeJSON(w, http.StatusOK, body)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
