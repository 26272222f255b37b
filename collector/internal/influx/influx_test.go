package influx

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestAppendLine(t *testing.T) {
	ts := time.Unix(1600000000, 5)
	line, err := Point{
		Measurement: "device",
		Tags:        map[string]string{"site": "Rinkeby skola", "device_id": "a,b=c", "empty": ""},
		Fields:      map[string]any{"uptime_s": 1.5, "boot_time": int64(7), "n": 3, "hostname": `lap "01"`, "ok": true},
		Time:        ts,
	}.AppendLine(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `device,device_id=a\,b\=c,site=Rinkeby\ skola boot_time=7i,hostname="lap \"01\"",n=3i,ok=true,uptime_s=1.5 1600000000000000005` + "\n"
	if string(line) != want {
		t.Errorf("got  %q\nwant %q", line, want)
	}
}

func TestAppendLineRefusesWhatInfluxDBWould(t *testing.T) {
	for name, p := range map[string]Point{
		"no fields": {Measurement: "m", Time: time.Unix(1, 0)},
		"NaN":       {Measurement: "m", Fields: map[string]any{"v": math.NaN()}, Time: time.Unix(1, 0)},
		"bad utf8":  {Measurement: "m", Fields: map[string]any{"v": "\xff"}, Time: time.Unix(1, 0)},
		"odd type":  {Measurement: "m", Fields: map[string]any{"v": []int{1}}, Time: time.Unix(1, 0)},
	} {
		if _, err := p.AppendLine(nil); err == nil {
			t.Errorf("%s: want an error", name)
		} else if !strings.Contains(err.Error(), "m") {
			t.Errorf("%s: error %v should name the measurement", name, err)
		}
	}
}

func TestValidateListsProblems(t *testing.T) {
	err := Config{URL: "ftp://admin:s3cret@x", CAFile: "/missing.pem", Timeout: -1}.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"not an http(s) URL", "bucket is empty", "ca_file", "negative"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the URL's password: %v", err)
	}
}

func TestLiteralsAndRows(t *testing.T) {
	if got := StringLiteral(`it's a \ test`); got != `'it\'s a \\ test'` {
		t.Errorf("StringLiteral = %s", got)
	}
	s := Series{Columns: []string{"time", "n", "s"}, Values: [][]any{{"2020-03-16T00:00:00Z", 2.6, "x"}, {"bad", nil, 7.0}}}
	rows := s.Rows()
	if len(rows) != 2 || rows[0].Str("s") != "x" || *rows[0].IntPtr("n") != 3 || rows[1].NumPtr("n") != nil || rows[1].Str("s") != "" {
		t.Errorf("rows = %+v", rows)
	}
	if ts, err := rows[0].Time(); err != nil || ts.Year() != 2020 {
		t.Errorf("time = %v %v", ts, err)
	}
	if _, err := rows[1].Time(); err == nil {
		t.Error("a bad time should be an error")
	}
}
