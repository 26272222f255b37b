// Package safetext makes text from outside (agent reports, imported files,
// InfluxDB) safe to show: on a terminal (no control sequences), in
// Markdown (no HTML, no markup), and anywhere a URL may carry a credential
// (user:password, a token in the query).
package safetext

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/kretslopp/kretslopp/internal/schema"
)

// Terminal returns s with every character schema.Forbidden refuses (control
// characters such as ESC, bidirectional overrides) and every invalid UTF-8
// byte replaced by a visible escape (\x1b, \u202e, \xff), so that printing
// it cannot move the cursor, retitle the window or reorder the line.
func Terminal(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case schema.Forbidden(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case schema.Forbidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func clean(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if schema.Forbidden(r) {
			return false
		}
	}
	return true
}

// markdownEscapes turns the characters that start HTML or Markdown markup
// inside a line into text: HTML's three as entities, Markdown's punctuation
// with a backslash (CommonMark allows one before any ASCII punctuation).
var markdownEscapes = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`,
)

// Markdown returns s as text for one Markdown table cell or paragraph: no
// control characters (Terminal), no raw HTML, no emphasis, links, code or
// cell breaks. A leading #, +, - or digit cannot start a block because
// the text never begins a line in the report's templates.
func Markdown(s string) string {
	return markdownEscapes.Replace(Terminal(s))
}

// secretParams are query parameters that carry credentials.
var secretParams = []string{"token", "access_token", "password", "passwd", "secret", "client_secret", "key", "api_key", "apikey", "sig", "signature", "code"}

const redacted = "xxxxx"

// RedactURL returns raw with the password of its user information and the
// values of credential-carrying query parameters replaced by "xxxxx". A
// string that is not a URL comes back unchanged.
func RedactURL(raw string) string {
	if !strings.Contains(raw, "://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Unparsable, but it may still hold user:password@: cut it out.
		return userinfo.ReplaceAllString(raw, "${1}"+redacted+"@")
	}
	changed := false
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), redacted)
		changed = true
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			for _, p := range secretParams {
				if strings.EqualFold(k, p) {
					q[k] = []string{redacted}
					changed = true
				}
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return raw
	}
	return u.String()
}

var (
	urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)
	userinfo  = regexp.MustCompile(`(://[^/@:\s]*:)[^/@\s]*@`)
)

// RedactText applies RedactURL to every URL in a free text such as an
// error message or a log line.
func RedactText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText.ReplaceAllStringFunc(s, RedactURL)
}
