package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestTokensPlainAndHashed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	hashed := sha256.Sum256([]byte("second-token-abcdefgh"))
	writeFile(t, path, "# comment\n\nfirst-token-abcdefgh\nsha256:"+hex.EncodeToString(hashed[:])+"\n")
	tokens, err := Load(path, "agent tokens", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]bool{
		"first-token-abcdefgh": true, "second-token-abcdefgh": true,
		"": false, "first-token": false, "# comment": false,
		"sha256:" + hex.EncodeToString(hashed[:]): false,
	} {
		if got := tokens.Valid(token); got != want {
			t.Errorf("Valid(%q) = %v, want %v", token, got, want)
		}
	}
}

func TestTokensFileErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	for content, want := range map[string]string{
		"good-token-abcdefgh\nshort\n":                        ":2: token is shorter than 16 characters",
		"sha256:abc\n":                                        ":1: sha256: needs 64 hex digits",
		"rinkeby good-token-abcdefgh\n":                       `:1: a line is TOKEN or "NAME SITE TOKEN"`,
		"a x good-token-abcdefgh\na y other-token-abcdefgh\n": `:2: name "a" is on line 1 with another site`,
		"a - good-token-abcdefgh\nb - good-token-abcdefgh\n":  ":2: the same token as on line 1",
		"bad/name - good-token-abcdefgh\n":                    `:1: name "bad/name"`,
		"a Rinkeby\u202eskola good-token-abcdefgh\n":          ":1: site: control character U+202E",
		"x - good-token-abcdefgh\n# c\n\ny - short\n":         ":4: token is shorter",
	} {
		path := filepath.Join(dir, "tokens")
		writeFile(t, path, content)
		_, err := Load(path, "agent tokens", slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to contain %q", content, err, want)
		}
	}
}

// The named form: NAME SITE TOKEN, the site may hold spaces, "-" is none;
// the old form, one token a line, still works and gets a name from the
// digest that matches the start of its hashed line.
func TestTokensNamesAndSites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	hashed := sha256.Sum256([]byte("vallingby-token-0123456789"))
	plain := sha256.Sum256([]byte("old-style-token-abcdef"))
	writeFile(t, path, "# sites\n"+
		"rinkeby   Rinkeby skola   rinkeby-token-0123456789\n"+
		"rinkeby   Rinkeby skola   rinkeby-successor-0123456789\n"+
		"vallingby vallingby-skola sha256:"+hex.EncodeToString(hashed[:])+"\n"+
		"office - office-token-0123456789\n"+
		"old-style-token-abcdef\n")
	tokens, err := Load(path, "agent tokens", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]Identity{
		"rinkeby-token-0123456789":     {Name: "rinkeby", Site: "Rinkeby skola", Named: true},
		"rinkeby-successor-0123456789": {Name: "rinkeby", Site: "Rinkeby skola", Named: true},
		"vallingby-token-0123456789":   {Name: "vallingby", Site: "vallingby-skola", Named: true},
		"office-token-0123456789":      {Name: "office", Named: true},
		"old-style-token-abcdef":       {Name: "sha256:" + hex.EncodeToString(plain[:6])},
	} {
		if got, ok := tokens.Identify(token); !ok || got != want {
			t.Errorf("Identify(%q) = %+v, %v; want %+v", token, got, ok, want)
		}
	}
	if id, _ := tokens.Identify("old-style-token-abcdef"); id.Group() != UnnamedGroup {
		t.Errorf("an unnamed token's group is %q", id.Group())
	}
	if _, ok := tokens.Identify("Rinkeby"); ok {
		t.Error("a name is not a token")
	}
	if id, ok := tokens.Lookup("vallingby"); !ok || id.Site != "vallingby-skola" {
		t.Errorf("Lookup(vallingby) = %+v, %v", id, ok)
	}
	if got := tokens.Groups(); len(got) != 4 || got[0] != "rinkeby" || got[3] != UnnamedGroup {
		t.Errorf("Groups() = %v", got)
	}
}

// A tokens file that is not a regular file (a FIFO would block the reload,
// /dev/zero would never end) is refused.
func TestTokensFileMustBeRegular(t *testing.T) {
	if _, err := Load("/dev/zero", "agent tokens", slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Load(/dev/zero) = %v", err)
	}
}

func TestTokensReloadAndRemoval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, path, "old-token-abcdefghij\n")
	tokens, err := Load(path, "agent tokens", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "new-token-abcdefghij\n")
	later := time.Now().Add(time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if err := tokens.Reload(); err != nil {
		t.Fatal(err)
	}
	if tokens.Valid("old-token-abcdefghij") || !tokens.Valid("new-token-abcdefghij") {
		t.Error("reload did not replace the tokens")
	}
	writeFile(t, path, "broken\n")
	_ = os.Chtimes(path, later.Add(time.Second), later.Add(time.Second))
	if err := tokens.Reload(); err == nil {
		t.Error("a malformed file should be reported")
	}
	if !tokens.Valid("new-token-abcdefghij") {
		t.Error("a malformed file must leave the previous tokens in force")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := tokens.Reload(); err != nil {
		t.Fatal(err)
	}
	if tokens.Valid("new-token-abcdefghij") {
		t.Error("with the file gone every token must be refused")
	}
}

func TestNoTokenFileRefusesAll(t *testing.T) {
	for _, path := range []string{"", filepath.Join(t.TempDir(), "missing")} {
		tokens, err := Load(path, "agent tokens", slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if tokens.Valid("anything-at-all-1234") {
			t.Errorf("path %q: a token was accepted with no tokens configured", path)
		}
	}
}

// A changed file takes effect at the first request after ReloadInterval,
// with no goroutine and no restart.
func TestValidReloadsWhenDue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, path, "old-token-abcdefghij\n")
	tokens, err := Load(path, "read tokens", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "new-token-abcdefghij\n")
	later := time.Now().Add(time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if tokens.Valid("new-token-abcdefghij") || !tokens.Valid("old-token-abcdefghij") {
		t.Error("the file was read again before ReloadInterval passed")
	}
	tokens.nextCheck.Store(time.Now().UnixNano()) // ReloadInterval has passed
	if !tokens.Valid("new-token-abcdefghij") || tokens.Valid("old-token-abcdefghij") {
		t.Error("the changed file did not take effect once due")
	}
}

func TestBearerAndCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, path, "good-token-abcdefgh\n")
	tokens, err := Load(path, "agent tokens", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("good-token-abcdefgh"))
	name := "sha256:" + hex.EncodeToString(sum[:6])
	for header, want := range map[string]struct {
		token, name string
		ok          bool
	}{
		"Bearer good-token-abcdefgh":     {"good-token-abcdefgh", name, true},
		"bearer   good-token-abcdefgh  ": {"good-token-abcdefgh", name, true},
		"Bearer wrong-token-abcdefgh":    {"wrong-token-abcdefgh", "", false},
		"Basic good-token-abcdefgh":      {"", "", false},
		"good-token-abcdefgh":            {"", "", false},
		"":                               {"", "", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		id, ok := tokens.Check(w, r, "kretslopp")
		if Bearer(r) != want.token || id.Name != want.name || ok != want.ok {
			t.Errorf("%q: Check = %+v, %v (bearer %q); want %q, %v", header, id, ok, Bearer(r), want.name, want.ok)
		}
		if got := w.Header().Get("WWW-Authenticate"); ok == (got != "") || !ok && got != `Bearer realm="kretslopp"` {
			t.Errorf("%q: WWW-Authenticate %q", header, got)
		}
	}
}
