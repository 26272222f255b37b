package graphsim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CallRecordRetention is how long Graph keeps call records.
const CallRecordRetention = 30 * 24 * time.Hour

var filterTerm = regexp.MustCompile(`startDateTime\s+(ge|gt|le|lt)\s+'?([0-9T:.+\-Z]+)'?`)

type cursor struct {
	from, to time.Time // [from, to)
	day      time.Time
	idx      int
}

func (c cursor) token() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "v1|%d|%d|%d|%d", c.from.Unix(), c.to.Unix(), c.day.Unix(), c.idx))
}

func parseCursor(tok string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return cursor{}, err
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 5 || parts[0] != "v1" {
		return cursor{}, fmt.Errorf("bad skiptoken")
	}
	var n [4]int64
	for i := range n {
		if n[i], err = strconv.ParseInt(parts[i+1], 10, 64); err != nil {
			return cursor{}, err
		}
	}
	return cursor{from: time.Unix(n[0], 0).UTC(), to: time.Unix(n[1], 0).UTC(), day: time.Unix(n[2], 0).UTC(), idx: int(n[3])}, nil
}

// CallRecordsBetween lists (without HTTP) the records the simulator would
// return for [from, to), for tests that check aggregates.
func (s *Server) CallRecordsBetween(from, to time.Time) []CallRecord {
	var out []CallRecord
	now := s.opts.Now()
	for day := truncDay(from); day.Before(to); day = day.AddDate(0, 0, 1) {
		for i, n := 0, s.opts.Story.CallRecordCount(day); i < n; i++ {
			rec, start := s.opts.Story.callRecord(day, i, s.opts.TenantID)
			if s.visible(rec, start, from, to, now) {
				out = append(out, rec)
			}
		}
	}
	return out
}

func (s *Server) visible(rec CallRecord, start, from, to, now time.Time) bool {
	if start.Before(from) || !start.Before(to) {
		return false
	}
	end, _ := time.Parse(time.RFC3339, rec.EndDateTime)
	// A record appears some minutes after the call ended.
	return !end.Add(15 * time.Minute).After(now)
}

func (s *Server) serveCallRecords(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now().UTC()
	q := r.URL.Query()
	var c cursor
	if tok := q.Get("$skiptoken"); tok != "" {
		var err error
		if c, err = parseCursor(tok); err != nil {
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid $skiptoken.")
			return
		}
	} else {
		c.from, c.to = now.Add(-CallRecordRetention), now
		for _, m := range filterTerm.FindAllStringSubmatch(q.Get("$filter"), -1) {
			t, err := time.Parse(time.RFC3339Nano, m[2])
			if err != nil {
				graphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter value "+m[2])
				return
			}
			switch m[1] {
			case "ge":
				c.from = maxTime(c.from, t)
			case "gt":
				c.from = maxTime(c.from, t.Add(time.Second))
			case "lt":
				c.to = minTime(c.to, t)
			case "le":
				c.to = minTime(c.to, t.Add(time.Second))
			}
		}
		if f := q.Get("$filter"); f != "" && !filterTerm.MatchString(f) {
			graphError(w, http.StatusBadRequest, "BadRequest", "Only startDateTime filters are supported by the simulator.")
			return
		}
		c.from = maxTime(c.from, now.Add(-CallRecordRetention))
		c.day = truncDay(c.from)
	}
	size := s.opts.PageSize
	if p := r.Header.Get("Prefer"); strings.Contains(p, "odata.maxpagesize=") {
		v := p[strings.Index(p, "odata.maxpagesize=")+len("odata.maxpagesize="):]
		if i := strings.IndexAny(v, ",; "); i >= 0 {
			v = v[:i]
		}
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			size = min(n, 1000)
			w.Header().Set("Preference-Applied", "odata.maxpagesize="+strconv.Itoa(size))
		}
	}
	page := make([]CallRecord, 0, size)
	if s.opts.DuplicateAcrossPages && q.Get("$skiptoken") != "" && c.idx > 0 {
		c.idx-- // repeat the last record of the previous page
	}
	story := s.opts.Story
	more := false
scan:
	for ; c.day.Before(c.to); c.day, c.idx = c.day.AddDate(0, 0, 1), 0 {
		n := story.CallRecordCount(c.day)
		for ; c.idx < n; c.idx++ {
			if len(page) == size {
				more = true
				break scan
			}
			rec, start := story.callRecord(c.day, c.idx, s.opts.TenantID)
			if s.visible(rec, start, c.from, c.to, now) {
				page = append(page, rec)
			}
		}
	}
	body := map[string]any{
		"@odata.context": s.BaseURL() + "/$metadata#communications/callRecords",
		"value":          page,
	}
	if more {
		body["@odata.nextLink"] = s.BaseURL() + "/communications/callRecords?$skiptoken=" + c.token()
	}
	writeJSON(w, http.StatusOK, body)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// verifyAssertion checks a client assertion (a JWT signed with the client
// certificate's key, as azidentity's ClientCertificateCredential sends).
func (s *Server) verifyAssertion(assertion, clientID string) error {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return errBadAssertion
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
	}
	for i, v := range []any{&hdr, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return errBadAssertion
		}
		if err := json.Unmarshal(b, v); err != nil {
			return errBadAssertion
		}
	}
	if claims.Iss != clientID || claims.Sub != clientID {
		return fmt.Errorf("iss/sub %q does not match client_id", claims.Iss)
	}
	if claims.Exp != 0 && time.Unix(claims.Exp, 0).Before(time.Now().Add(-5*time.Minute)) {
		return fmt.Errorf("assertion expired")
	}
	cert := s.opts.ClientCertificate
	if cert == nil {
		return nil
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return errBadAssertion
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		switch hdr.Alg {
		case "RS256":
			return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
		case "PS256":
			return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		}
	case *ecdsa.PublicKey:
		if hdr.Alg == "ES256" && len(sig) == 64 {
			r, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
			if ecdsa.Verify(pub, digest[:], r, ss) {
				return nil
			}
			return fmt.Errorf("bad signature")
		}
	}
	return fmt.Errorf("unsupported alg %q", hdr.Alg)
}
