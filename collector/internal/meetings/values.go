package meetings

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// errEmpty marks an empty cell where a value is required.
var errEmpty = errors.New("is empty")

// parseCount reads a non-negative whole number. Empty cells give ok=false.
func parseCount(s string) (n int64, ok bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	n, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Some exports write counts as "12.0"; accept a whole-valued decimal.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1<<53 {
			return 0, false, errors.New("is not a whole number")
		}
		n = int64(f)
	}
	if n < 0 {
		return 0, false, errors.New("is negative")
	}
	return n, true, nil
}

// parseDuration reads a duration and returns whole seconds (rounded).
// Accepted forms, as Microsoft 365 reports write them:
//
//	ISO 8601   PT1H2M3S, PT45M, PT0S, P1DT2H, PT1.5S
//	clock      hh:mm:ss, h:mm:ss, hh:mm:ss.fff, d.hh:mm:ss (.NET TimeSpan)
//	seconds    3723, 3723.4
//
// Empty cells give ok=false.
func parseDuration(s string) (sec int64, ok bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	var f float64
	switch {
	case s[0] == 'P' || s[0] == 'p':
		f, err = parseISODuration(s)
	case strings.Contains(s, ":"):
		f, err = parseClock(s)
	default:
		f, err = strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			err = errors.New("is not a duration (expected PT1H2M3S, hh:mm:ss or seconds)")
		}
	}
	if err != nil {
		return 0, false, err
	}
	if f < 0 {
		return 0, false, errors.New("is a negative duration")
	}
	if f > 1e15 {
		return 0, false, errors.New("is not a plausible duration")
	}
	return int64(math.Round(f)), true, nil
}

var errISO = errors.New("is not an ISO 8601 duration (expected for example PT1H2M3S)")

func parseISODuration(s string) (float64, error) {
	s = strings.ToUpper(s)
	if len(s) < 3 || s[0] != 'P' {
		return 0, errISO
	}
	s = s[1:]
	var total float64
	inTime := false
	seen := false
	var units uint8 // bit per unit already seen
	for len(s) > 0 {
		if s[0] == 'T' {
			if inTime {
				return 0, errISO
			}
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == ',') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, errISO
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(s[:i], ",", "."), 64)
		if err != nil {
			return 0, errISO
		}
		var mult float64
		var idx uint
		switch unit := s[i]; {
		case !inTime && unit == 'D':
			mult, idx = 86400, 0
		case !inTime && unit == 'W':
			mult, idx = 7*86400, 1
		case inTime && unit == 'H':
			mult, idx = 3600, 2
		case inTime && unit == 'M':
			mult, idx = 60, 3
		case inTime && unit == 'S':
			mult, idx = 1, 4
		default:
			// years and months have no fixed length; reports never use them
			return 0, errISO
		}
		if units&(1<<idx) != 0 {
			return 0, errISO
		}
		units |= 1 << idx
		total += v * mult
		seen = true
		s = s[i+1:]
	}
	if !seen {
		return 0, errISO
	}
	return total, nil
}

var errClock = errors.New("is not a duration (expected hh:mm:ss)")

func parseClock(s string) (float64, error) {
	var days float64
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, errClock
	}
	// .NET TimeSpan writes days as "d.hh:mm:ss"
	if d, h, found := strings.Cut(parts[0], "."); found {
		v, err := strconv.ParseUint(d, 10, 32)
		if err != nil {
			return 0, errClock
		}
		days = float64(v)
		parts[0] = h
	}
	h, err1 := strconv.ParseUint(parts[0], 10, 32)
	m, err2 := strconv.ParseUint(parts[1], 10, 8)
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil || len(parts[1]) != 2 || m > 59 || sec < 0 || sec >= 60 || parts[2] == "" || parts[2][0] < '0' || parts[2][0] > '9' {
		return 0, errClock
	}
	return days*86400 + float64(h)*3600 + float64(m)*60 + sec, nil
}

// earliest is the first day a report may describe; anything before is a typo.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// parseDay reads a calendar date and returns 00:00 UTC of that day.
// YYYY-MM-DD is always accepted (a time of day after it, as in
// 2020-03-01T00:00:00Z or "2020-03-01 00:00:00", is ignored);
// with usDates also MM/DD/YYYY, the form of Zoom's exports.
func parseDay(s string, usDates bool, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, errEmpty
	}
	var d time.Time
	var err error
	switch {
	case len(s) >= 10 && s[4] == '-':
		rest := s[10:]
		if rest != "" && rest[0] != 'T' && rest[0] != ' ' {
			return time.Time{}, errors.New("is not a date (expected YYYY-MM-DD)")
		}
		d, err = time.Parse("2006-01-02", s[:10])
	case usDates && strings.Count(s, "/") == 2:
		d, err = time.Parse("1/2/2006", strings.Fields(s)[0])
	default:
		err = errors.New("x")
	}
	if err != nil {
		if usDates {
			return time.Time{}, errors.New("is not a date (expected YYYY-MM-DD or MM/DD/YYYY)")
		}
		return time.Time{}, errors.New("is not a date (expected YYYY-MM-DD)")
	}
	if d.Before(earliest) {
		return time.Time{}, errors.New("is before 2000-01-01")
	}
	if d.After(now.Add(48 * time.Hour)) {
		return time.Time{}, errors.New("is in the future")
	}
	return d, nil
}
