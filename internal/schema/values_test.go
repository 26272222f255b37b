package schema

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
)

func TestCheckAttribute(t *testing.T) {
	for _, c := range []struct {
		attr, value, want string // want: "" for accepted, else part of the error
	}{
		{AttrHardwareSerial, "PF2ABCDE", ""},
		{AttrHardwareSerial, "To be filled by O.E.M.", ""},
		{AttrHardwareSerial, "EVIL\u0001SERIAL", `kretslopp.hardware.serial "EVIL\x01SERIAL": control character U+0001 at byte 4`},
		{AttrHardwareSerial, strings.Repeat("S", 64), ""},
		{AttrHardwareSerial, strings.Repeat("S", 65), "longer than 64 characters"},
		{AttrHardwareSerial, strings.Repeat("S", 1<<20), `… (1048576 bytes): longer than 64`},
		{AttrBatterySerial, strings.Repeat("9", 65), "hw.serial_number"},
		{AttrHostName, "skola-lap-0042", ""},
		{AttrHostName, "Åsa’s läptop ™", ""},
		{AttrHostName, strings.Repeat("å", 256), ""},
		{AttrHostName, strings.Repeat("å", 257), "longer than 256 characters"},
		{AttrHostName, "evil\x1b]0;pwned\x07", "control character U+001B"},
		{AttrDeviceModel, "model\u202egnp.exe", "control character U+202E"},
		{AttrOSDescription, "line\u2028break", "U+2028"},
		{AttrDeviceManufacturer, "bad\xffutf8", "invalid UTF-8 at byte 3"},
		{AttrDeviceManufacturer, "replacement \uFFFD is a character", ""},
		{AttrHostID, "", ""},
		{AttrHostID, `C:\`, "ends with a backslash"},
	} {
		err := CheckAttribute(c.attr, c.value)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %.40q: %v, want accepted", c.attr, c.value, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %.40q: %v, want an error with %q", c.attr, c.value, err, c.want)
		}
	}
	if err := CheckSerial("EVIL\u0001SERIAL"); err == nil || !strings.Contains(err.Error(), `serial "EVIL\x01SERIAL"`) {
		t.Errorf("CheckSerial: %v", err)
	}
}

func TestIntegerValue(t *testing.T) {
	for v, want := range map[float64]int64{0: 0, 1.4: 1, -1.6: -2, 1 << 62: 1 << 62, -(1 << 63): math.MinInt64, 9.2e18: 9200000000000000000} {
		if got, err := IntegerValue(v); err != nil || got != want {
			t.Errorf("IntegerValue(%g) = %d, %v; want %d", v, got, err, want)
		}
	}
	for _, v := range []float64{1 << 63, 1e19, -1e19, math.MaxFloat64, math.Inf(1), math.NaN()} {
		if got, err := IntegerValue(v); err == nil {
			t.Errorf("IntegerValue(%g) = %d, want an error", v, got)
		}
	}
}

func TestCheckTime(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	maxAge := AgentSpoolMaxAge + 7*24*time.Hour
	for ts, want := range map[time.Time]string{
		now.Add(-time.Minute):                       "",
		now.Add(-maxAge + time.Minute):              "",
		now.Add(30 * time.Minute):                   "",
		now.Add(-maxAge - time.Minute):              "older than 2328h0m0s (ingest.max_age)",
		time.Unix(0, 0):                             "no time_unix_nano",
		time.Date(1970, 1, 8, 0, 0, 0, 0, time.UTC): "1970-01-08T00:00:00Z is older",
		now.Add(2 * time.Hour):                      "in the future",
	} {
		err := CheckTime(ts, now, maxAge, time.Hour)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckTime(%s) = %v, want %q", ts, err, want)
		}
	}
	if err := CheckTime(time.Unix(1, 0), now, 0, time.Hour); err != nil {
		t.Errorf("max age 0 is no lower bound: %v", err)
	}
}

// FuzzCheckText: whatever CheckText accepts is valid UTF-8, short enough,
// free of every forbidden character, and a tag value and string field that
// line protocol can carry; whatever it refuses breaks one of those rules.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"", "PF2ABCDE", "EVIL\x01SERIAL", "a\xffb", "\u202e", "Rinkeby skola", "x\\y,z= \"q\"", "\r\n", `ends\`, strings.Repeat("é", 70)} {
		f.Add(s, 64)
	}
	f.Fuzz(func(t *testing.T, s string, maxLen int) {
		maxLen = max(1, min(maxLen, 512))
		err := CheckText(s, maxLen)
		bad := !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxLen || strings.ContainsFunc(s, Forbidden) || strings.HasSuffix(s, `\`)
		if (err != nil) != bad {
			t.Fatalf("CheckText(%q, %d) = %v; rules say bad=%v", s, maxLen, err, bad)
		}
		if err != nil || s == "" {
			return
		}
		var enc lineprotocol.Encoder
		enc.StartLine("device")
		enc.AddTag("serial", s)
		enc.AddField("hostname", lineprotocol.MustNewValue(s))
		enc.EndLine(time.Unix(1, 0))
		if enc.Err() != nil {
			t.Fatalf("accepted %q, but line protocol cannot carry it: %v", s, enc.Err())
		}
		var dec = lineprotocol.NewDecoderWithBytes(enc.Bytes())
		for dec.Next() {
			_, _ = dec.Measurement()
			key, val, err := dec.NextTag()
			if err != nil || string(key) != "serial" || string(val) != s {
				t.Fatalf("tag %q came back as %q=%q (%v)", s, key, val, err)
			}
		}
	})
}

// FuzzIntegerValue: an accepted value round-trips within rounding, a
// refused one is outside int64 or not finite.
func FuzzIntegerValue(f *testing.F) {
	for _, v := range []float64{0, 1e19, -1e19, 9.2e18, math.Inf(1), 1 << 63, -(1 << 63)} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		got, err := IntegerValue(v)
		inRange := !math.IsNaN(v) && math.Round(v) >= -(1<<63) && math.Round(v) < 1<<63
		if (err == nil) != inRange {
			t.Fatalf("IntegerValue(%g) = %d, %v; in range %v", v, got, err, inRange)
		}
		if err == nil && math.Abs(float64(got)-math.Round(v)) > math.Abs(v)*1e-15 {
			t.Fatalf("IntegerValue(%g) = %d", v, got)
		}
	})
}
