package paper

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecode feeds arbitrary bytes to each of the three readers (sel picks
// one; the seed corpus is every file in testdata under every format).
// Whatever the input, Decode must not panic, every rejected row must name
// the file and a line, and what it accepts must be a writable point: a
// day at 00:00 UTC, a known measurement, valid UTF-8 tags, non-negative
// counts, no more points than good rows.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for i, name := range files {
		if strings.HasSuffix(name, ".md") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for sel := range 3 {
			f.Add(uint8(i*3+sel), b)
		}
	}
	f.Add(uint8(1), []byte("2021-03-04\t7:58:02 AM\ts\tp\tu\ta\tc\td\t1\t0\t\"x\n2021-03-04\t1:00:00 PM\ts\tp\tu\ta\tc\td\t2\t1\n"))
	f.Add(uint8(2), []byte("date,system,letters_digital,letters_paper\n2021-03,A,1,1\n2021-03-02,A,1,1\n"))
	sites, err := ReadSiteMap(context.Background(), strings.NewReader("printer,site\np,Site A\n"), "sites.csv")
	if err != nil {
		f.Fatal(err)
	}
	formats := Formats()
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		format := formats[int(sel)%len(formats)]
		opts := Options{File: "fuzz.in", Now: testNow}
		if sel%2 == 1 {
			opts.Sites = sites
		}
		res, err := Decode(context.Background(), format, strings.NewReader(string(data)), opts)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.in:") {
				t.Fatalf("file error does not name the file: %v", err)
			}
			return
		}
		if res.BadRows > res.Rows || len(res.Errors) > res.BadRows {
			t.Fatalf("rows %d, bad %d, errors %d", res.Rows, res.BadRows, len(res.Errors))
		}
		for _, e := range res.Errors {
			if e.Line < 1 || !strings.HasPrefix(e.Error(), "fuzz.in:") {
				t.Fatalf("row error without position: %#v", e)
			}
		}
		if len(res.Records) > res.Rows-res.BadRows {
			t.Fatalf("%d records from %d good rows", len(res.Records), res.Rows-res.BadRows)
		}
		for _, r := range res.Records {
			if r.Day.Location() != time.UTC || !r.Day.Equal(r.Day.Truncate(24*time.Hour)) || r.Day.Year() < 2000 {
				t.Fatalf("day %v", r.Day)
			}
			switch r.Measurement {
			case MeasurementPrinting, MeasurementMail:
			default:
				t.Fatalf("measurement %q", r.Measurement)
			}
			for k, v := range r.Tags {
				if v == "" || !utf8.ValidString(v) || strings.TrimSpace(v) != v {
					t.Fatalf("tag %s=%q", k, v)
				}
			}
			for k, v := range r.Fields {
				switch x := v.(type) {
				case int64:
					if x < 0 {
						t.Fatalf("field %s = %d", k, x)
					}
				case string:
					if k != FieldSource {
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

// FuzzSiteMap checks that any site map is either refused with a
// positioned error or gives non-empty printer and site names.
func FuzzSiteMap(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "sites.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("skrivare;enhet\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadSiteMap(context.Background(), strings.NewReader(string(data)), "sites.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "sites.csv:") {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		for p, s := range m.sites {
			if p == "" || s == "" {
				t.Fatalf("empty name in %v", m.sites)
			}
		}
	})
}
