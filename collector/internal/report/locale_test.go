package report

import "testing"

func TestNumberFormatting(t *testing.T) {
	p := func(v float64) *float64 { return &v }
	cases := []struct {
		lang Lang
		got  string
		want string
	}{
		{Swedish, Swedish.Pct(p(13050.5), false), "13\u00a0050,5\u00a0%"},
		{English, English.Pct(p(13050.5), false), "13,050.5%"},
		{Swedish, Swedish.Pct(p(12950), true), "+12\u00a0950,0\u00a0%"},
		{Swedish, Swedish.Pct(p(-87.36), true), "\u221287,4\u00a0%"},
		{English, English.Pct(p(-0.04), true), "0.0%"},
		{Swedish, Swedish.Pct(nil, true), "–"},
		{Swedish, Swedish.Int(39150), "39\u00a0150"},
		{Swedish, Swedish.Int(1234567), "1\u00a0234\u00a0567"},
		{English, English.Int(1234567), "1,234,567"},
		{Swedish, Swedish.Int(999), "999"},
		{Swedish, Swedish.Int(0), "0"},
		{English, English.Int(-1000), "-1,000"},
		{Swedish, Swedish.Number(2.26, 1), "2,3"},
		{English, English.Number(1000.5, 2), "1,000.50"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("%d (%s): got %q, want %q", i, c.lang, c.got, c.want)
		}
	}
	if _, err := ParseLang("de"); err == nil {
		t.Error("de accepted")
	}
	if Swedish.T("h.fleet") == English.T("h.fleet") {
		t.Error("no Swedish text")
	}
	for k, m := range messages {
		if m[0] == "" || m[1] == "" {
			t.Errorf("message %q lacks a language", k)
		}
	}
}
