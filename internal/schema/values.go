package schema

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Value rules of the contract: what a string or number must be before it
// becomes a tag or a field. The collector's ingest refuses what breaks
// them at the door (partial success naming the attribute), and the
// lifecycle, which reads serials back, skips what an older collector
// stored without these checks.
const (
	// MaxTextLen bounds every string that becomes a tag or a field
	// (names, versions, models, label values), in characters.
	MaxTextLen = 256
	// MaxSerialLen bounds a hardware or battery serial, in characters.
	MaxSerialLen = 64
)

// serialAttributes are the attributes held to MaxSerialLen.
var serialAttributes = map[string]bool{AttrHardwareSerial: true, AttrBatterySerial: true}

// MaxLen is the most characters the value of the OTLP attribute may have.
func MaxLen(attribute string) int {
	if serialAttributes[attribute] {
		return MaxSerialLen
	}
	return MaxTextLen
}

// CheckAttribute checks the value of an OTLP attribute that becomes a tag
// or a field; the error names the attribute and shows the value quoted.
func CheckAttribute(attribute, value string) error {
	if err := CheckText(value, MaxLen(attribute)); err != nil {
		return fmt.Errorf("%s %s: %w", attribute, quoteShort(value), err)
	}
	return nil
}

// CheckSerial checks a hardware serial as CheckAttribute does for
// kretslopp.hardware.serial.
func CheckSerial(serial string) error {
	if err := CheckText(serial, MaxSerialLen); err != nil {
		return fmt.Errorf("serial %s: %w", quoteShort(serial), err)
	}
	return nil
}

// CheckText reports why s cannot be stored: it is not valid UTF-8, holds a
// character Forbidden refuses, is longer than maxLen characters, or ends
// with a backslash (which line protocol cannot carry in a tag).
func CheckText(s string, maxLen int) error {
	n := 0
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
		}
		if Forbidden(r) {
			return fmt.Errorf("control character %U at byte %d", r, i)
		}
		n++
		if n > maxLen {
			return fmt.Errorf("longer than %d characters", maxLen)
		}
	}
	if strings.HasSuffix(s, `\`) {
		return fmt.Errorf("ends with a backslash")
	}
	return nil
}

// Forbidden reports whether r may not appear in a stored string: control
// characters (C0, DEL, C1: a terminal takes them as commands), line and
// paragraph separators, and the bidirectional formatting characters that
// can make a text display as another (U+202A–U+202E, U+2066–U+2069).
func Forbidden(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// quoteShort quotes s for an error message, cut to 64 bytes so that a
// megabyte of serial does not become a megabyte of log.
func quoteShort(s string) string {
	if len(s) <= 64 {
		return fmt.Sprintf("%q", s)
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
}

// Integer range of an InfluxDB integer field, as float64: 2^63 is exactly
// representable, so a value v fits when -2^63 <= v < 2^63.
const twoTo63 = float64(1 << 63)

// IntegerValue rounds v to the integer InfluxDB stores, or reports that it
// is not finite or outside the int64 range (where a conversion would
// wrap to -9223372036854775808).
func IntegerValue(v float64) (int64, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("value %v is not a finite number", v)
	}
	r := math.Round(v)
	if r < -twoTo63 || r >= twoTo63 {
		return 0, fmt.Errorf("value %g is outside the integer range of InfluxDB (int64)", v)
	}
	return int64(r), nil
}

// CheckTime reports why a data point's time t cannot be stored, given the
// collector's clock now: no time, further than maxFuture ahead, or older
// than maxAge (0: no lower bound).
func CheckTime(t, now time.Time, maxAge, maxFuture time.Duration) error {
	switch {
	case t.UnixNano() <= 0:
		return fmt.Errorf("no time_unix_nano (or before 1970)")
	case t.After(now.Add(maxFuture)):
		return fmt.Errorf("timestamp %s is in the future", t.UTC().Format(time.RFC3339))
	case maxAge > 0 && t.Before(now.Add(-maxAge)):
		return fmt.Errorf("timestamp %s is older than %s (ingest.max_age)", t.UTC().Format(time.RFC3339), maxAge)
	}
	return nil
}

// AgentSpoolMaxAge is how long an agent keeps an undelivered report by
// default (the agent's spool_max_age; a test of the agent's configuration
// checks that the two agree). The collector's ingest.max_age defaults to
// it plus a week, so that nothing a default agent may still deliver is
// refused as too old.
const AgentSpoolMaxAge = 90 * 24 * time.Hour
