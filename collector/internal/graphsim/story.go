package graphsim

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"time"
)

// Story is the deterministic municipal meeting history the simulator serves:
// 2019 is mostly Skype for Business with a small Teams pilot, Teams grows by
// about +13,000 % in 2020 (the pandemic moves almost all meetings online from
// mid-March), and 2021 levels off while Skype for Business is retired
// (31 July 2021). Every figure is a pure function of the seed and the day, so
// a report for the same day is the same on every request and in every test.
type Story struct {
	Seed int64
	// CallRecordScale multiplies the number of call records per day (the
	// group meetings plus peer-to-peer calls). 1 gives a few thousand a
	// workday in 2020; tests use a small scale. Zero means 1.
	CallRecordScale float64
	// CallRecordsPerDay, when positive, replaces the story's volume with a
	// fixed number of call records every day (used by the benchmark).
	CallRecordsPerDay int
	// Users is the number of Teams-licensed employees; zero means 6000.
	Users int
	// MeetingScale multiplies the daily Teams meetings and Skype
	// conferences (the demo matches them to its historical exports). Zero
	// means 1.
	MeetingScale float64
}

func (s Story) meetingScale() float64 {
	if s.MeetingScale <= 0 {
		return 1
	}
	return s.MeetingScale
}

func (s Story) users() int {
	if s.Users <= 0 {
		return 6000
	}
	return s.Users
}

// noise returns a deterministic factor in [1-amp, 1+amp] for the day and key.
func (s Story) noise(day time.Time, key string, amp float64) float64 {
	return 1 + amp*(2*s.unit(day, key, 0)-1)
}

// unit returns a deterministic number in [0,1) for (seed, day, key, i).
func (s Story) unit(day time.Time, key string, i uint64) float64 {
	return float64(s.hash(day, key, i)>>11) / float64(1<<53)
}

func (s Story) hash(day time.Time, key string, i uint64) uint64 {
	h := fnv.New64a()
	var b [24]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(s.Seed))
	binary.LittleEndian.PutUint64(b[8:], uint64(day.Unix()))
	binary.LittleEndian.PutUint64(b[16:], i)
	_, _ = h.Write(b[:])
	_, _ = h.Write([]byte(key))
	// fnv has weak avalanche in the low bits; finish with splitmix64.
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func weekdayFactor(day time.Time) float64 {
	switch day.Weekday() {
	case time.Saturday, time.Sunday:
		return 0.04
	}
	// Summer holiday (July) and Christmas weeks are quiet in a municipality.
	if day.Month() == time.July {
		return 0.35
	}
	if day.Month() == time.December && day.Day() >= 23 {
		return 0.3
	}
	return 1
}

var (
	pandemic      = time.Date(2020, 3, 16, 0, 0, 0, 0, time.UTC)
	skypeRetired  = time.Date(2021, 8, 1, 0, 0, 0, 0, time.UTC)
	teamsPilot    = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	levelOffStart = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
)

// teamsLevel is the number of Teams meetings on an ordinary workday.
func teamsLevel(day time.Time) float64 {
	switch {
	case day.Before(teamsPilot):
		return 8
	case day.Year() == 2019:
		// A pilot in IT and a few schools: 12 → 32 meetings a workday.
		return 12 + 20*float64(day.YearDay())/365
	case day.Before(pandemic):
		return 40 + 30*float64(day.YearDay())/75
	case day.Before(pandemic.AddDate(0, 0, 14)):
		// Two weeks of rapid roll-out.
		f := float64(day.Sub(pandemic)/(24*time.Hour)) / 14
		return 70 + f*(3770-70)
	case day.Before(levelOffStart):
		return 3770
	default:
		// Levelling off: some meetings move back to rooms, then slow growth.
		f := math.Min(1, float64(day.Sub(levelOffStart)/(24*time.Hour))/365)
		return 3250 + 300*f
	}
}

// skypeLevel is the number of Skype for Business conferences organised on an
// ordinary workday.
func skypeLevel(day time.Time) float64 {
	switch {
	case day.Before(pandemic):
		return 520
	case day.Before(levelOffStart):
		return 160
	case day.Before(skypeRetired):
		return 40
	default:
		return 0
	}
}

// TeamsMeetings is the Teams "Meetings" figure for the day (the meetings
// field of getTeamsUserActivityCounts).
func (s Story) TeamsMeetings(day time.Time) int64 {
	day = truncDay(day)
	return int64(math.Round(s.meetingScale() * teamsLevel(day) * weekdayFactor(day) * s.noise(day, "teams", 0.08)))
}

// SkypeConferences is the number of Skype for Business conferences organised
// that day, by type (the organizer activity counts).
func (s Story) SkypeConferences(day time.Time) SkypeOrganizer {
	day = truncDay(day)
	n := s.meetingScale() * skypeLevel(day) * weekdayFactor(day) * s.noise(day, "skype", 0.08)
	return SkypeOrganizer{
		IM:                 int64(math.Round(n * 0.45)),
		AudioVideo:         int64(math.Round(n * 0.55)),
		AppSharing:         int64(math.Round(n * 0.30)),
		Web:                int64(math.Round(n * 0.10)),
		DialInOut3rdParty:  int64(math.Round(n * 0.02)),
		DialInOutMicrosoft: int64(math.Round(n * 0.05)),
	}
}

// SkypeOrganizer holds one day of getSkypeForBusinessOrganizerActivityCounts.
type SkypeOrganizer struct {
	IM, AudioVideo, AppSharing, Web, DialInOut3rdParty, DialInOutMicrosoft int64
}

// Total is the number of conferences of any type.
func (o SkypeOrganizer) Total() int64 {
	return o.IM + o.AudioVideo + o.AppSharing + o.Web + o.DialInOut3rdParty + o.DialInOutMicrosoft
}

// YearTotals sums TeamsMeetings and SkypeConferences over a calendar year.
func (s Story) YearTotals(year int) (teams, skype int64) {
	for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
		teams += s.TeamsMeetings(d)
		skype += s.SkypeConferences(d).Total()
	}
	return teams, skype
}

// CallRecordCount is the number of call records (group meetings and
// peer-to-peer calls) that started on the day.
func (s Story) CallRecordCount(day time.Time) int {
	day = truncDay(day)
	if s.CallRecordsPerDay > 0 {
		return s.CallRecordsPerDay
	}
	scale := s.CallRecordScale
	if scale == 0 {
		scale = 1
	}
	// Group meetings plus about as many peer-to-peer calls.
	return int(math.Round(float64(s.TeamsMeetings(day)) * 1.8 * scale))
}

func truncDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
