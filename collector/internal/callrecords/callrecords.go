// Package callrecords turns Microsoft Graph call records into one aggregate
// point per UTC day (measurement call_records_daily). It keeps no identity:
// a record id is reduced to a keyed 64-bit hash, used only in memory to count
// a record pulled twice once, and participants are counted as entries.
package callrecords

import (
	"hash/maphash"
	"sort"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// Field names of call_records_daily as this package writes them
// (internal/schema declares them with their types; docs/schema.md is
// generated from there).
const (
	Measurement = schema.CallRecordsDaily

	FieldRecords              = "records"
	FieldGroupMeetings        = "group_meetings"
	FieldGroupMinutes         = "group_meeting_minutes"
	FieldParticipants         = "participants"
	FieldParticipantsMeetings = "participants_meetings"
	FieldGroupVideo           = "group_meetings_video"
	FieldGroupScreenShare     = "group_meetings_screenshare"
	FieldShareVideoOrScreen   = "share_video_or_screenshare"
	FieldPeerToPeer           = "peer_to_peer_calls"
	FieldPeerToPeerMinutes    = "peer_to_peer_minutes"
	FieldUnknown              = "unknown_calls"
	FieldUnknownMinutes       = "unknown_minutes"
	FieldListedAt             = "listed_at"
	FieldSource               = "source"
)

// Call types (callType: api-reference/v1.0/resources/callrecords-callrecord.md,
// "Possible values are: unknown, groupCall, peerToPeer, unknownFutureValue").
const (
	TypeGroupCall  = "groupCall"
	TypePeerToPeer = "peerToPeer"
)

// Retention is how long Graph keeps a call record
// (api-reference/v1.0/api/callrecords-cloudcommunications-list-callrecords.md).
const Retention = 30 * 24 * time.Hour

// Record is the part of a callRecord that is aggregated.
type Record struct {
	ID         string // used only for de-duplication, never stored
	Type       string // "groupCall", "peerToPeer", "unknown", "unknownFutureValue"
	Start, End time.Time
	Modalities []string // "audio", "video", "videoBasedScreenSharing", "screenSharing", "data"
}

// Day is one day's aggregate.
type Day struct {
	Day               time.Time
	Records           int64
	GroupMeetings     int64
	GroupMinutes      float64
	WithVideo         int64 // group meetings with video
	WithScreenShare   int64 // group meetings with screen sharing
	WithVideoOrScreen int64
	PeerToPeer        int64
	PeerToPeerMinutes float64
	// Unknown counts records of type unknown or unknownFutureValue (or any
	// type Graph adds later): in no meeting or call figure.
	Unknown        int64
	UnknownMinutes float64
	// Participants is the sum of participants_v2 entries over the
	// ParticipantsMeetings group meetings whose list was read; zero
	// meetings means unknown and neither field is written.
	Participants, ParticipantsMeetings int64
	Duplicates                         int64 // records seen more than once (not counted)
	// ListedAt is when the listing that produced the day started (the
	// pull's checkpoint; zero: not written).
	ListedAt time.Time
	seen     map[uint64]struct{}
}

// Aggregator collects records for the days [From, To).
type Aggregator struct {
	From, To time.Time
	seed     maphash.Seed
	days     map[int64]*Day
	outside  int64
}

// New returns an aggregator for whole UTC days from `from` up to (not
// including) `to`; both are truncated to 00:00 UTC.
func New(from, to time.Time) *Aggregator {
	return &Aggregator{From: Truncate(from), To: Truncate(to), seed: maphash.MakeSeed(), days: map[int64]*Day{}}
}

// Truncate returns 00:00 UTC of t's UTC day.
func Truncate(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func (a *Aggregator) day(t time.Time) *Day {
	day := Truncate(t)
	if day.Before(a.From) || !day.Before(a.To) {
		return nil
	}
	d := a.days[day.Unix()]
	if d == nil {
		d = &Day{Day: day, seen: map[uint64]struct{}{}}
		a.days[day.Unix()] = d
	}
	return d
}

// Add counts one record into the day it started on. It reports false for a
// record outside [From, To) or already counted (same id).
func (a *Aggregator) Add(r Record) bool {
	d := a.day(r.Start)
	if d == nil {
		a.outside++
		return false
	}
	h := maphash.String(a.seed, r.ID)
	if _, dup := d.seen[h]; dup {
		d.Duplicates++
		return false
	}
	d.seen[h] = struct{}{}
	d.Records++
	minutes := 0.0
	if r.End.After(r.Start) {
		minutes = r.End.Sub(r.Start).Minutes()
	}
	switch r.Type {
	case TypePeerToPeer:
		d.PeerToPeer++
		d.PeerToPeerMinutes += minutes
	case TypeGroupCall:
		d.GroupMeetings++
		d.GroupMinutes += minutes
		video, screen := false, false
		for _, m := range r.Modalities {
			switch m {
			case "video":
				video = true
			case "screenSharing", "videoBasedScreenSharing":
				screen = true
			}
		}
		if video {
			d.WithVideo++
		}
		if screen {
			d.WithScreenShare++
		}
		if video || screen {
			d.WithVideoOrScreen++
		}
	default:
		// unknown, unknownFutureValue: Microsoft's own list example is a
		// 3-second unknown-type phone call, not a meeting.
		d.Unknown++
		d.UnknownMinutes += minutes
	}
	return true
}

// AddParticipants counts the participant entries of one group meeting that
// started at start.
func (a *Aggregator) AddParticipants(start time.Time, n int) {
	if d := a.day(start); d != nil {
		d.Participants += int64(n)
		d.ParticipantsMeetings++
	}
}

// SetListedAt records when the listing of the days started.
func (a *Aggregator) SetListedAt(t time.Time) {
	for d := a.From; d.Before(a.To); d = d.AddDate(0, 0, 1) {
		x := a.days[d.Unix()]
		if x == nil {
			x = &Day{Day: d, seen: map[uint64]struct{}{}}
			a.days[d.Unix()] = x
		}
		x.ListedAt = t
	}
}

// Outside is the number of records that fell outside [From, To).
func (a *Aggregator) Outside() int64 { return a.outside }

// Days returns every day in [From, To), including days without records
// (a zero is a real figure: nobody met), oldest first.
func (a *Aggregator) Days() []Day {
	var out []Day
	for d := a.From; d.Before(a.To); d = d.AddDate(0, 0, 1) {
		if x := a.days[d.Unix()]; x != nil {
			c := *x
			c.seen = nil
			out = append(out, c)
		} else {
			out = append(out, Day{Day: d})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out
}

// Point is the InfluxDB point for a day (tag platform=teams; the day's
// point is overwritten by the next pull of the same day).
func (d Day) Point(source string) influx.Point {
	share := 0.0
	if d.GroupMeetings > 0 {
		share = float64(d.WithVideoOrScreen) / float64(d.GroupMeetings)
	}
	f := map[string]any{
		FieldRecords:            d.Records,
		FieldGroupMeetings:      d.GroupMeetings,
		FieldGroupMinutes:       d.GroupMinutes,
		FieldGroupVideo:         d.WithVideo,
		FieldGroupScreenShare:   d.WithScreenShare,
		FieldShareVideoOrScreen: share,
		FieldPeerToPeer:         d.PeerToPeer,
		FieldPeerToPeerMinutes:  d.PeerToPeerMinutes,
		FieldUnknown:            d.Unknown,
		FieldUnknownMinutes:     d.UnknownMinutes,
		FieldSource:             source,
	}
	if d.ParticipantsMeetings > 0 {
		f[FieldParticipants] = d.Participants
		f[FieldParticipantsMeetings] = d.ParticipantsMeetings
	}
	if !d.ListedAt.IsZero() {
		f[FieldListedAt] = d.ListedAt.Unix()
	}
	return influx.Point{Measurement: Measurement, Tags: map[string]string{"platform": "teams"}, Time: d.Day, Fields: f}
}

// Points returns the points for every day in [From, To).
func (a *Aggregator) Points(source string) []influx.Point {
	days := a.Days()
	out := make([]influx.Point, 0, len(days))
	for _, d := range days {
		out = append(out, d.Point(source))
	}
	return out
}
