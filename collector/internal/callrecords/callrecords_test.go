package callrecords

import (
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/schema"
)

func TestAggregateSameSecondAndDuplicates(t *testing.T) {
	day := time.Date(2020, 6, 10, 0, 0, 0, 0, time.UTC)
	a := New(day, day.AddDate(0, 0, 2))
	at := day.Add(9 * time.Hour)
	recs := []Record{
		{ID: "a", Type: "groupCall", Start: at, End: at.Add(30 * time.Minute), Modalities: []string{"audio", "video"}},
		{ID: "b", Type: "groupCall", Start: at, End: at.Add(60 * time.Minute), Modalities: []string{"audio", "screenSharing"}},
		{ID: "c", Type: "groupCall", Start: at.Add(time.Hour), End: at.Add(90 * time.Minute), Modalities: []string{"audio"}},
		{ID: "d", Type: "peerToPeer", Start: at, End: at.Add(5 * time.Minute), Modalities: []string{"audio"}},
		{ID: "a", Type: "groupCall", Start: at, End: at.Add(30 * time.Minute), Modalities: []string{"audio", "video"}}, // pulled twice
		{ID: "e", Type: "groupCall", Start: day.AddDate(0, 0, 5), End: day.AddDate(0, 0, 5).Add(time.Hour)},            // outside
		// Microsoft's list example: a 3-second call of type unknown.
		{ID: "f", Type: "unknown", Start: at, End: at.Add(3 * time.Second), Modalities: []string{"audio"}},
		{ID: "g", Type: "unknownFutureValue", Start: at, End: at.Add(time.Minute), Modalities: []string{"audio", "video"}},
	}
	added := 0
	for _, r := range recs {
		if a.Add(r) {
			added++
		}
	}
	if added != 6 {
		t.Errorf("%d records added, want 6 (a duplicate and one outside refused)", added)
	}
	a.AddParticipants(at, 4)
	a.AddParticipants(at, 3)
	days := a.Days()
	if len(days) != 2 {
		t.Fatalf("%d days, want 2 (the empty day too)", len(days))
	}
	d := days[0]
	if d.GroupMeetings != 3 || d.PeerToPeer != 1 || d.Unknown != 2 || d.Records != 6 || d.Duplicates != 1 || d.GroupMinutes != 120 || d.WithVideoOrScreen != 2 {
		t.Fatalf("aggregate %+v", d)
	}
	if d.Participants != 7 || d.ParticipantsMeetings != 2 {
		t.Errorf("participants %d in %d meetings, want 7 in 2", d.Participants, d.ParticipantsMeetings)
	}
	if a.Outside() != 1 {
		t.Errorf("outside %d", a.Outside())
	}
	p := d.Point("graph")
	if p.Fields[FieldShareVideoOrScreen].(float64) < 0.66 || p.Time != day || p.Fields[FieldUnknown] != int64(2) {
		t.Errorf("point %+v", p)
	}
	if p.Fields[FieldParticipants] != int64(7) || p.Fields[FieldParticipantsMeetings] != int64(2) {
		t.Errorf("participants fields %v %v", p.Fields[FieldParticipants], p.Fields[FieldParticipantsMeetings])
	}
	for k, v := range p.Fields {
		if s, ok := v.(string); ok && (s == "a" || s == "b") {
			t.Errorf("field %s stores a record id", k)
		}
	}
	empty := days[1].Point("graph")
	if days[1].Records != 0 || empty.Fields[FieldGroupMeetings].(int64) != 0 {
		t.Errorf("empty day %+v", days[1])
	}
	// Unknown participants are absent, never 0.
	if _, ok := empty.Fields[FieldParticipants]; ok {
		t.Error("a day whose participants were not read has a participants field")
	}
	if _, ok := empty.Fields[FieldListedAt]; ok {
		t.Error("listed_at without SetListedAt")
	}
	listed := day.AddDate(0, 0, 3).Add(7 * time.Hour)
	a.SetListedAt(listed)
	for _, d := range a.Days() {
		p := d.Point("graph")
		if got := p.Fields[FieldListedAt]; got != listed.Unix() {
			t.Errorf("%s listed_at %v", d.Day, got)
		}
		if err := schema.Check(p.Measurement, p.Tags, p.Fields); err != nil {
			t.Errorf("%s: %v", d.Day, err)
		}
	}
}
