package safetext

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kretslopp/kretslopp/internal/schema"
)

func TestTerminal(t *testing.T) {
	for in, want := range map[string]string{
		"skola-lap-0042":          "skola-lap-0042",
		"Åsa’s läptop ™":          "Åsa’s läptop ™",
		"evil\x1b]0;pwned\x07end": `evil\x1b]0;pwned\x07end`,
		"EVIL\u0001SERIAL":        `EVIL\x01SERIAL`,
		"line\nbreak\r":           `line\x0abreak\x0d`,
		"c1\u009bcsi":             `c1\x9bcsi`,
		"gnp\u202eexe.":           `gnp\u202eexe.`,
		"bad\xffutf8":             `bad\xffutf8`,
	} {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"ThinkPad T14 Gen 2i":           "ThinkPad T14 Gen 2i",
		"<img src=x onerror=alert(1)>":  "&lt;img src=x onerror=alert(1)&gt;",
		"<script>alert(1)</script>":     "&lt;script&gt;alert(1)&lt;/script&gt;",
		"[click](javascript:alert(1))":  `\[click\](javascript:alert(1))`,
		"a|b":                           `a\|b`,
		"**bold** _it_ `code` ~~s~~ \\": `\*\*bold\*\* \_it\_ \` + "`" + `code\` + "`" + ` \~\~s\~\~ \\`,
		"Tom & Jerry":                   "Tom &amp; Jerry",
		"two\nlines":                    `two\\x0alines`,
	} {
		if got := Markdown(in); got != want {
			t.Errorf("Markdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://admin:s3cret@influx:8086": "http://admin:xxxxx@influx:8086",
		"https://influx.kommun.se:8086/":  "https://influx.kommun.se:8086/",
		"http://user@host/":               "http://user@host/",
		"https://graph/x?token=abc&x=1":   "https://graph/x?token=xxxxx&x=1",
		"https://h/p?Client_Secret=abc":   "https://h/p?Client_Secret=xxxxx",
		"not a url":                       "not a url",
		"http://u:p%zz@bad host":          "http://u:xxxxx@bad host",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	msg := `influx write: Post "http://admin:s3cret@10.0.0.5:8086/api/v2/write?org=x": dial tcp: refused`
	if got := RedactText(msg); strings.Contains(got, "s3cret") || !strings.Contains(got, "admin:xxxxx@10.0.0.5") {
		t.Errorf("RedactText: %s", got)
	}
}

// FuzzTerminal: the output has no forbidden character and is valid UTF-8;
// text that was already clean comes back unchanged.
func FuzzTerminal(f *testing.F) {
	for _, s := range []string{"", "ok", "\x1b[2J", "a\xffb", "\u202e", "\u2028", "\\x1b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Terminal(s)
		if !utf8.ValidString(out) || strings.ContainsFunc(out, schema.Forbidden) {
			t.Fatalf("Terminal(%q) = %q still holds a control character or invalid UTF-8", s, out)
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, schema.Forbidden) && out != s {
			t.Fatalf("Terminal changed clean text %q to %q", s, out)
		}
		md := Markdown(s)
		if strings.ContainsAny(md, "<>") || strings.ContainsFunc(md, schema.Forbidden) {
			t.Fatalf("Markdown(%q) = %q holds HTML or a control character", s, md)
		}
	})
}

var validScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`) // RFC 3986, 3.1

// FuzzRedactURL: a password in a URL's user information never survives.
func FuzzRedactURL(f *testing.F) {
	f.Add("http", "admin", "s3cret", "influx:8086", "/x?y=1")
	f.Add("https", "u", "p@ss:w/rd", "h", "")
	f.Fuzz(func(t *testing.T, scheme, user, pass, host, rest string) {
		if len(pass) < 4 || !strings.ContainsFunc(pass, func(r rune) bool { return r >= 'a' && r <= 'z' }) || !validScheme.MatchString(scheme) {
			return
		}
		raw := scheme + "://" + url.UserPassword(user, pass).String() + "@" + host + rest
		if _, err := url.Parse(raw); err != nil {
			return
		}
		out := RedactText("error: " + raw + " failed")
		if strings.Contains(out, url.UserPassword(user, pass).String()+"@") {
			t.Fatalf("RedactText kept the credential: %q -> %q", raw, out)
		}
	})
}
