package callrecords

import (
	"testing"
	"time"
)

func TestAggregateSameSecondAndDuplicates(t *testing.T) {
	day := time.Date(2020, 6, 10, 0, 0, 0, 0, time.UTC)
	a := New(day, day.AddDate(0, 0, 2))
	at := day.Add(9 * time.Hour)
	recs := []Record{
		{ID: "a", Type: "groupCall", Start: at, End: at.Add(30 * time.Minute), Modalities: []string{"audio", "video"}, Participants: 4},
		{ID: "b", Type: "groupCall", Start: at, End: at.Add(60 * time.Minute), Modalities: []string{"audio", "screenSharing"}, Participants: 3},
		{ID: "c", Type: "groupCall", Start: at.Add(time.Hour), End: at.Add(90 * time.Minute), Modalities: []string{"audio"}, Participants: 2},
		{ID: "d", Type: "peerToPeer", Start: at, End: at.Add(5 * time.Minute), Modalities: []string{"audio"}, Participants: 2},
		{ID: "a", Type: "groupCall", Start: at, End: at.Add(30 * time.Minute), Modalities: []string{"audio", "video"}, Participants: 4}, // pulled twice
		{ID: "e", Type: "groupCall", Start: day.AddDate(0, 0, 5), End: day.AddDate(0, 0, 5).Add(time.Hour)},                             // outside
	}
	for _, r := range recs {
		a.Add(r)
	}
	days := a.Days()
	if len(days) != 2 {
		t.Fatalf("%d days, want 2 (the empty day too)", len(days))
	}
	d := days[0]
	if d.GroupMeetings != 3 || d.PeerToPeer != 1 || d.Duplicates != 1 || d.Participants != 9 || d.GroupMinutes != 120 || d.WithVideoOrScreen != 2 {
		t.Fatalf("aggregate %+v", d)
	}
	if a.Outside() != 1 {
		t.Errorf("outside %d", a.Outside())
	}
	p := d.Point("graph")
	if p.Fields["share_video_or_screenshare"].(float64) < 0.66 || p.Time != day {
		t.Errorf("point %+v", p)
	}
	for k, v := range p.Fields {
		if s, ok := v.(string); ok && (s == "a" || s == "b") {
			t.Errorf("field %s stores a record id", k)
		}
	}
	if days[1].Records != 0 || days[1].Point("graph").Fields["group_meetings"].(int64) != 0 {
		t.Errorf("empty day %+v", days[1])
	}
}
