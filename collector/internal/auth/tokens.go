// Package auth checks the bearer tokens of the collector's HTTP API: the
// agent tokens of ingest (KRETSLOPP_AGENT_TOKENS_FILE) and the read tokens
// of the read API (KRETSLOPP_READ_TOKENS_FILE), each a file with one token
// a line that is re-read when it changes, at most every ReloadInterval,
// when a request comes. No file, a missing file or an empty one accepts
// nothing: auth is never off.
package auth

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ReloadInterval bounds how often a tokens file is checked for a change:
// a removed line stops working within this time, without a restart.
const ReloadInterval = 5 * time.Second

// Tokens holds the accepted bearer tokens as SHA-256 digests, loaded from a
// file with one token a line: the plain token, or "sha256:<hex>" so that
// the file need not hold the secret itself. Blank lines and lines starting
// with # are skipped.
type Tokens struct {
	path, what string
	log        *slog.Logger
	interval   time.Duration
	nextCheck  atomic.Int64 // unix ns after which a request checks the file

	mu      sync.RWMutex
	digests [][sha256.Size]byte
	modTime time.Time
	size    int64
}

// Load reads the tokens file at path; what names it in messages ("agent
// tokens", "read tokens"). A missing file is not an error (it refuses
// all) but is logged; a malformed line is an error naming the line.
func Load(path, what string, logger *slog.Logger) (*Tokens, error) {
	t := &Tokens{path: path, what: what, log: logger, interval: ReloadInterval}
	if err := t.Reload(); err != nil {
		return nil, err
	}
	t.nextCheck.Store(time.Now().Add(t.interval).UnixNano())
	return t, nil
}

// Reload reads the file again if it changed. On a malformed file the old
// tokens stay in force and the error is returned.
func (t *Tokens) Reload() error {
	if t.path == "" {
		return nil
	}
	st, err := os.Stat(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		t.mu.Lock()
		had := len(t.digests) > 0
		t.digests, t.modTime, t.size = nil, time.Time{}, 0
		t.mu.Unlock()
		if had {
			t.log.Warn(t.what+" file is gone; every request that needs one is refused", "path", t.path)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s file: %w", t.what, err)
	}
	t.mu.RLock()
	unchanged := st.ModTime().Equal(t.modTime) && st.Size() == t.size
	t.mu.RUnlock()
	if unchanged {
		return nil
	}
	data, err := os.ReadFile(t.path)
	if err != nil {
		return fmt.Errorf("%s file: %w", t.what, err)
	}
	digests, err := parseTokens(data, t.path)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.digests, t.modTime, t.size = digests, st.ModTime(), st.Size()
	t.mu.Unlock()
	t.log.Info(t.what+" loaded", "path", t.path, "tokens", len(digests))
	return nil
}

// reloadIfDue re-reads the file when ReloadInterval has passed since the
// last check; one request of many does it.
func (t *Tokens) reloadIfDue() {
	now := time.Now().UnixNano()
	next := t.nextCheck.Load()
	if now < next || !t.nextCheck.CompareAndSwap(next, now+int64(t.interval)) {
		return
	}
	if err := t.Reload(); err != nil {
		t.log.Error(t.what+" file not reloaded; the previous tokens stay in force", "err", err)
	}
}

func parseTokens(data []byte, path string) ([][sha256.Size]byte, error) {
	var digests [][sha256.Size]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if hexDigest, ok := strings.CutPrefix(text, "sha256:"); ok {
			raw, err := hex.DecodeString(hexDigest)
			if err != nil || len(raw) != sha256.Size {
				return nil, fmt.Errorf("%s:%d: sha256: needs 64 hex digits", path, line)
			}
			digests = append(digests, [sha256.Size]byte(raw))
			continue
		}
		if len(text) < 16 {
			return nil, fmt.Errorf("%s:%d: token is shorter than 16 characters", path, line)
		}
		digests = append(digests, sha256.Sum256([]byte(text)))
	}
	return digests, sc.Err()
}

// Valid reports whether token is one of the accepted tokens. Comparing
// digests in constant time over every entry leaks neither which token
// matched nor how much of it.
func (t *Tokens) Valid(token string) bool {
	t.reloadIfDue()
	if token == "" {
		return false
	}
	presented := sha256.Sum256([]byte(token))
	t.mu.RLock()
	defer t.mu.RUnlock()
	match := 0
	for i := range t.digests {
		match |= subtle.ConstantTimeCompare(presented[:], t.digests[i][:])
	}
	return match == 1
}

// Count returns how many tokens are loaded.
func (t *Tokens) Count() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.digests)
}

// Bearer is the token of the request's "Authorization: Bearer …" header,
// or "" when it has none (another scheme counts as none).
func Bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// Check returns the request's bearer token and whether it is valid. When
// it is not, Check has set WWW-Authenticate for realm, and the caller
// answers 401 in its own format.
func (t *Tokens) Check(w http.ResponseWriter, r *http.Request, realm string) (token string, ok bool) {
	token = Bearer(r)
	if t.Valid(token) {
		return token, true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
	return token, false
}
