package meetings

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/schema"
)

// FuzzDecode feeds arbitrary bytes to every reader. The seed corpus (every
// file in testdata, under every format) runs in plain `go test`. Whatever
// the input, Decode must not panic, and what it accepts must be a valid
// point: a day at 00:00 UTC, known measurement, non-negative int64 counts,
// no row both rejected and counted.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for i, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
	f.Add(uint8(0), []byte("\ufeffReport Date,Meetings\n\"2020-01-01\",\"1\"\n"))
	f.Add(uint8(7), []byte("2020-01-01,webex,1\n"))
	f.Add(uint8(1), []byte("Report Refresh Date,Meeting Count,Audio Duration\n2020-01-01,1,P1DT1H\n"))
	formats := Formats()
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		format := formats[int(sel)%len(formats)]
		res, err := Decode(context.Background(), format, strings.NewReader(string(data)), Options{File: "fuzz.csv", Now: testNow})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv:") {
				t.Fatalf("file error does not name the file: %v", err)
			}
			return
		}
		if res.BadRows > res.Rows || len(res.Errors) > res.BadRows {
			t.Fatalf("rows %d, bad %d, errors %d", res.Rows, res.BadRows, len(res.Errors))
		}
		for _, e := range res.Errors {
			if e.Line < 1 || !strings.HasPrefix(e.Error(), "fuzz.csv:") {
				t.Fatalf("row error without position: %#v", e)
			}
		}
		if format != FormatTeamsUserDetail && len(res.Records) > res.Rows-res.BadRows {
			t.Fatalf("%d records from %d good rows", len(res.Records), res.Rows-res.BadRows)
		}
		for _, r := range res.Records {
			if r.Day.Location() != time.UTC || r.Day.Hour() != 0 || r.Day.Minute() != 0 || r.Day.Second() != 0 || r.Day.Nanosecond() != 0 {
				t.Fatalf("day %v is not 00:00 UTC", r.Day)
			}
			switch r.Measurement {
			case schema.Meetings, schema.TeamsClients, schema.TeamsMeetingTypes:
			default:
				t.Fatalf("measurement %q", r.Measurement)
			}
			if err := schema.Check(r.Measurement, r.Tags, r.Fields); err != nil {
				t.Fatal(err)
			}
			for k, v := range r.Fields {
				switch x := v.(type) {
				case int64:
					if x < 0 {
						t.Fatalf("field %s = %d", k, x)
					}
				case string:
					if k != "source" {
						t.Fatalf("string field %s", k)
					}
				default:
					t.Fatalf("field %s has type %T", k, v)
				}
			}
			if _, err := r.Point().AppendLine(nil); err != nil {
				t.Fatalf("record cannot be written: %v", err)
			}
		}
	})
}

// FuzzParseDuration checks that every accepted duration is non-negative.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"PT1H2M3S", "01:02:03", "3723", "1.02:03:04", "PT1.5S", "P1W"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok, err := parseDuration(s)
		if err == nil && ok && v < 0 {
			t.Fatalf("parseDuration(%q) = %d", s, v)
		}
		if err != nil && ok {
			t.Fatalf("error and ok")
		}
	})
}
