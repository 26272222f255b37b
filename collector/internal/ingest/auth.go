package ingest

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
	"os"
	"strings"
	"sync"
	"time"
)

// Tokens holds the accepted bearer tokens as SHA-256 digests, loaded from a
// file with one token a line: the plain token, or "sha256:<hex>" so that
// the file need not hold the secret itself. Blank lines and lines starting
// with # are skipped. No file, a missing file or an empty one accepts
// nothing: auth is never off.
type Tokens struct {
	path string
	log  *slog.Logger

	mu      sync.RWMutex
	digests [][sha256.Size]byte
	modTime time.Time
	size    int64
}

// NewTokens loads path; a missing file is not an error (it refuses all)
// but is logged, a malformed line is an error naming the line.
func NewTokens(path string, logger *slog.Logger) (*Tokens, error) {
	t := &Tokens{path: path, log: logger}
	if err := t.Reload(); err != nil {
		return nil, err
	}
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
			t.log.Warn("agent tokens file is gone; every ingest request is refused", "path", t.path)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("agent tokens file: %w", err)
	}
	t.mu.RLock()
	unchanged := st.ModTime().Equal(t.modTime) && st.Size() == t.size
	t.mu.RUnlock()
	if unchanged {
		return nil
	}
	data, err := os.ReadFile(t.path)
	if err != nil {
		return fmt.Errorf("agent tokens file: %w", err)
	}
	digests, err := parseTokens(data, t.path)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.digests, t.modTime, t.size = digests, st.ModTime(), st.Size()
	t.mu.Unlock()
	t.log.Info("agent tokens loaded", "path", t.path, "tokens", len(digests))
	return nil
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

// bearer extracts the token of an "Authorization: Bearer …" header.
func bearer(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
