// Package auth checks the bearer tokens of the collector's HTTP API: the
// agent tokens of ingest (KRETSLOPP_AGENT_TOKENS_FILE) and the read tokens
// of the read API (KRETSLOPP_READ_TOKENS_FILE), each a file with one token
// a line that is re-read when it changes, at most every ReloadInterval,
// when a request comes. No file, a missing file or an empty one accepts
// nothing: auth is never off.
//
// A line is the token alone (plain or "sha256:<hex>"), or "NAME SITE
// TOKEN": the token's name, which the collector writes with every point
// the token sends and to which it binds the devices it reports, and the
// site it stands for ("-" for none; a site may contain spaces). Lines may
// share a name (rotation). A token without a name is named "sha256:" and
// the first 12 hex digits of its SHA-256, which is also how its hashed
// line in the file begins; for binding devices all such tokens are one
// group (Identity.Group).
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
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kretslopp/kretslopp/internal/schema"
)

// ReloadInterval bounds how often a tokens file is checked for a change:
// a removed line stops working within this time, without a restart.
const ReloadInterval = 5 * time.Second

// Tokens holds the accepted bearer tokens as SHA-256 digests, loaded from a
// file with one token a line: the plain token, or "sha256:<hex>" so that
// the file need not hold the secret itself, optionally after a name and a
// site. Blank lines and lines starting with # are skipped.
type Tokens struct {
	path, what string
	log        *slog.Logger
	interval   time.Duration
	nextCheck  atomic.Int64 // unix ns after which a request checks the file

	mu      sync.RWMutex
	entries []entry
	modTime time.Time
	size    int64
}

// Identity is who a valid token stands for.
type Identity struct {
	// Name is the token's name from the file, or "sha256:" and the first
	// 12 hex digits of its digest for a line without a name.
	Name string
	// Site is the token's site, "" when the line gives none.
	Site string
	// Named says the line gave the name.
	Named bool
}

// UnnamedGroup is the group of every token without a name.
const UnnamedGroup = "-"

// Group is what the collector binds devices to: a named token's name,
// which every line of that name shares (a token and its successor while
// it is rotated), or UnnamedGroup, which all tokens without a name share,
// as every token did before tokens had names.
func (id Identity) Group() string {
	if id.Named {
		return id.Name
	}
	return UnnamedGroup
}

type entry struct {
	digest [sha256.Size]byte
	Identity
}

// MaxFileSize bounds a tokens file; a larger one (or a device, a FIFO) is
// refused rather than read.
const MaxFileSize = 16 << 20

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
		had := len(t.entries) > 0
		t.entries, t.modTime, t.size = nil, time.Time{}, 0
		t.mu.Unlock()
		if had {
			t.log.Warn(t.what+" file is gone; every request that needs one is refused", "path", t.path)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s file: %w", t.what, err)
	}
	if !st.Mode().IsRegular() || st.Size() > MaxFileSize {
		return fmt.Errorf("%s file %s: not a regular file of at most %d bytes", t.what, t.path, MaxFileSize)
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
	entries, err := parseTokens(data, t.path)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.entries, t.modTime, t.size = entries, st.ModTime(), st.Size()
	t.mu.Unlock()
	t.log.Info(t.what+" loaded", "path", t.path, "tokens", len(entries))
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

var tokenName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func parseTokens(data []byte, path string) ([]entry, error) {
	var entries []entry
	lineOf := map[[sha256.Size]byte]int{}
	nameOf := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) == 2 {
			return nil, fmt.Errorf(`%s:%d: a line is TOKEN or "NAME SITE TOKEN" (SITE - for none)`, path, line)
		}
		var e entry
		token := fields[len(fields)-1]
		if hexDigest, ok := strings.CutPrefix(token, "sha256:"); ok {
			raw, err := hex.DecodeString(hexDigest)
			if err != nil || len(raw) != sha256.Size {
				return nil, fmt.Errorf("%s:%d: sha256: needs 64 hex digits", path, line)
			}
			e.digest = [sha256.Size]byte(raw)
		} else {
			if len(token) < 16 {
				return nil, fmt.Errorf("%s:%d: token is shorter than 16 characters", path, line)
			}
			e.digest = sha256.Sum256([]byte(token))
		}
		if prev, dup := lineOf[e.digest]; dup {
			return nil, fmt.Errorf("%s:%d: the same token as on line %d", path, line, prev)
		}
		lineOf[e.digest] = line
		e.Name = "sha256:" + hex.EncodeToString(e.digest[:6])
		if len(fields) >= 3 {
			e.Name, e.Named = fields[0], true
			if !tokenName.MatchString(e.Name) {
				return nil, fmt.Errorf("%s:%d: name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64", path, line, e.Name)
			}
			if site := strings.Join(fields[1:len(fields)-1], " "); site != "-" {
				if err := schema.CheckText(site, schema.MaxTextLen); err != nil {
					return nil, fmt.Errorf("%s:%d: site: %w", path, line, err)
				}
				e.Site = site
			}
			// Two lines may share a name (a token and its successor), but
			// then they stand for the same site.
			if prev, dup := nameOf[e.Name]; dup && entries[prev].Site != e.Site {
				return nil, fmt.Errorf("%s:%d: name %q is on line %d with another site", path, line, e.Name, lineOf[entries[prev].digest])
			}
			nameOf[e.Name] = len(entries)
		}
		entries = append(entries, e)
	}
	return entries, sc.Err()
}

// Valid reports whether token is one of the accepted tokens.
func (t *Tokens) Valid(token string) bool {
	_, ok := t.Identify(token)
	return ok
}

// Identify returns who token stands for, if it is one of the accepted
// tokens. Comparing digests in constant time over every entry, and
// choosing the match without a branch, leaks neither which token matched
// nor how much of it.
func (t *Tokens) Identify(token string) (Identity, bool) {
	t.reloadIfDue()
	if token == "" {
		return Identity{}, false
	}
	presented := sha256.Sum256([]byte(token))
	t.mu.RLock()
	defer t.mu.RUnlock()
	match, at := 0, 0
	for i := range t.entries {
		eq := subtle.ConstantTimeCompare(presented[:], t.entries[i].digest[:])
		match |= eq
		at = subtle.ConstantTimeSelect(eq, i, at)
	}
	if match != 1 {
		return Identity{}, false
	}
	return t.entries[at].Identity, true
}

// Groups lists the groups devices can be bound to, in the file's order.
func (t *Tokens) Groups() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []string
	for _, e := range t.entries {
		if g := e.Group(); !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// Lookup returns the identity of the token called name (or the unnamed
// group, for UnnamedGroup).
func (t *Tokens) Lookup(name string) (Identity, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, e := range t.entries {
		if e.Name == name && e.Named || name == UnnamedGroup && !e.Named {
			return e.Identity, true
		}
	}
	return Identity{}, false
}

// Count returns how many tokens are loaded.
func (t *Tokens) Count() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.entries)
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

// Check returns who the request's bearer token stands for and whether it
// is valid. When it is not, Check has set WWW-Authenticate for realm, and
// the caller answers 401 in its own format (Bearer tells a missing token
// from a wrong one).
func (t *Tokens) Check(w http.ResponseWriter, r *http.Request, realm string) (Identity, bool) {
	if id, ok := t.Identify(Bearer(r)); ok {
		return id, true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
	return Identity{}, false
}
