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
)

// Measurement is the InfluxDB measurement written for call records.
const Measurement = "call_records_daily"

// Record is the part of a callRecord that is aggregated.
type Record struct {
	ID           string // used only for de-duplication, never stored
	Type         string // "groupCall", "peerToPeer", "unknown"
	Start, End   time.Time
	Modalities   []string // "audio", "video", "videoBasedScreenSharing", "screenSharing", "data"
	Participants int      // number of participant entries in the record
}

// Day is one day's aggregate.
type Day struct {
	Day               time.Time
	Records           int64
	GroupMeetings     int64
	GroupMinutes      float64
	Participants      int64 // participant entries in group meetings
	WithVideo         int64 // group meetings with video
	WithScreenShare   int64 // group meetings with screen sharing
	WithVideoOrScreen int64
	PeerToPeer        int64
	PeerToPeerMinutes float64
	Duplicates        int64 // records seen more than once (not counted)
	seen              map[uint64]struct{}
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

// Add counts one record into the day it started on. It reports false for a
// record outside [From, To) or already counted (same id).
func (a *Aggregator) Add(r Record) bool {
	day := Truncate(r.Start)
	if day.Before(a.From) || !day.Before(a.To) {
		a.outside++
		return false
	}
	d := a.days[day.Unix()]
	if d == nil {
		d = &Day{Day: day, seen: map[uint64]struct{}{}}
		a.days[day.Unix()] = d
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
	case "peerToPeer":
		d.PeerToPeer++
		d.PeerToPeerMinutes += minutes
	default: // groupCall and unknown (Graph reports some meetings as unknown)
		d.GroupMeetings++
		d.GroupMinutes += minutes
		d.Participants += int64(r.Participants)
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
	}
	return true
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
	return influx.Point{
		Measurement: Measurement,
		Tags:        map[string]string{"platform": "teams"},
		Time:        d.Day,
		Fields: map[string]any{
			"records":                    d.Records,
			"group_meetings":             d.GroupMeetings,
			"group_meeting_minutes":      d.GroupMinutes,
			"participants":               d.Participants,
			"group_meetings_video":       d.WithVideo,
			"group_meetings_screenshare": d.WithScreenShare,
			"share_video_or_screenshare": share,
			"peer_to_peer_calls":         d.PeerToPeer,
			"peer_to_peer_minutes":       d.PeerToPeerMinutes,
			"source":                     source,
		},
	}
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
