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
		"good-token-abcdefgh\nshort\n": ":2: token is shorter than 16 characters",
		"sha256:abc\n":                 ":1: sha256: needs 64 hex digits",
	} {
		path := filepath.Join(dir, "tokens")
		writeFile(t, path, content)
		_, err := Load(path, "agent tokens", slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to contain %q", content, err, want)
		}
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
	for header, want := range map[string]struct {
		token string
		ok    bool
	}{
		"Bearer good-token-abcdefgh":     {"good-token-abcdefgh", true},
		"bearer   good-token-abcdefgh  ": {"good-token-abcdefgh", true},
		"Bearer wrong-token-abcdefgh":    {"wrong-token-abcdefgh", false},
		"Basic good-token-abcdefgh":      {"", false},
		"good-token-abcdefgh":            {"", false},
		"":                               {"", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		token, ok := tokens.Check(w, r, "kretslopp")
		if token != want.token || ok != want.ok {
			t.Errorf("%q: Check = %q, %v; want %q, %v", header, token, ok, want.token, want.ok)
		}
		if got := w.Header().Get("WWW-Authenticate"); ok == (got != "") || !ok && got != `Bearer realm="kretslopp"` {
			t.Errorf("%q: WWW-Authenticate %q", header, got)
		}
	}
}
