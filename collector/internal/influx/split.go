package influx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	influxhttp "github.com/influxdata/influxdb-client-go/v2/api/http"
)

// Refused is one line that was not written: InfluxDB refused it (a field
// type conflict, a point beyond the retention policy, a key too long) or
// line protocol cannot carry the point.
type Refused struct {
	// Line is the line protocol, cut to 200 bytes (or the point's
	// measurement when it could not be encoded).
	Line string
	// Reason is InfluxDB's message or the encoder's error.
	Reason string
}

func (r Refused) String() string { return r.Reason + ": " + r.Line }

// PartialError says that a write stored some points and not others: the
// refused ones are named, the rest landed. Nothing is retried: a refused
// line is refused again.
type PartialError struct {
	Written int
	Refused []Refused
}

func (e *PartialError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d points not written (%d written)", len(e.Refused), e.Written)
	for i, r := range e.Refused {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Refused)-i)
			break
		}
		b.WriteString("; ")
		b.WriteString(r.String())
	}
	return b.String()
}

// AsPartial returns the PartialError in err's chain.
func AsPartial(err error) (*PartialError, bool) {
	var pe *PartialError
	ok := errors.As(err, &pe)
	return pe, ok
}

// IsRejected reports whether err means InfluxDB refused the data itself
// (400 or 422: a field type conflict, a malformed line, a limit), which no
// retry of the same lines will mend, as opposed to InfluxDB being
// unreachable or overloaded. InfluxDB 1.8 answers 400 "partial write: …"
// and stores the other lines; 2.x answers 400 for a malformed line and 422
// for rejected points (docs.influxdata.com/influxdb/v2/write-data/troubleshoot/).
func IsRejected(err error) bool {
	var herr *influxhttp.Error
	if errors.As(err, &herr) {
		return herr.StatusCode == http.StatusBadRequest || herr.StatusCode == http.StatusUnprocessableEntity
	}
	return false
}

// limitMessages are how InfluxDB says that a write broke one of its own
// limits rather than being bad data: 1.8's max-values-per-tag and
// max-series-per-database (tsdb/index/inmem/inmem.go, as "partial write:
// max-values-per-tag limit exceeded (100000/100000): …"), and the service
// limits of 2.x Cloud and 3.x ("service limit reached", "cardinality").
var limitMessages = []string{"max-values-per-tag", "max-series-per-database", "limit exceeded", "limit reached", "cardinality"}

// IsLimit reports whether InfluxDB refused a write because of one of its
// own limits (series or tag values). The data is fine and would land once
// an operator raises the limit or deletes junk, so callers must keep it
// (the agent: 503) instead of dropping it.
func IsLimit(err error) bool {
	if !IsRejected(err) {
		return false
	}
	msg := strings.ToLower(err.Error() + " " + reason(err))
	for _, m := range limitMessages {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// WriteFunc writes newline-terminated lines in one request.
type WriteFunc func(ctx context.Context, body []byte, lines int) error

// MaxSplitWrites bounds the writes SplitWrite makes for one body: finding
// k bad lines among n takes about 2·k·log2(n) writes.
const MaxSplitWrites = 64

// SplitWrite writes body with write. When InfluxDB refuses it as bad data
// (IsRejected, not IsLimit), it writes each half on its own, down to single
// lines, so that the good lines land and the bad ones come back named.
// After maxWrites writes, lines not yet isolated are refused as a group.
// Any other error (InfluxDB down, a limit) ends it and is returned; lines
// written before it stay written, which is harmless because writing the
// same point again overwrites it.
func SplitWrite(ctx context.Context, write WriteFunc, body []byte, lines, maxWrites int) ([]Refused, error) {
	budget := maxWrites
	return splitWrite(ctx, write, body, lines, &budget)
}

func splitWrite(ctx context.Context, write WriteFunc, body []byte, lines int, budget *int) ([]Refused, error) {
	if lines <= 0 || len(body) == 0 {
		return nil, nil
	}
	if *budget <= 0 {
		return refuseAll(body, "not written: InfluxDB refused the batch and too many of its lines to find the bad ones"), nil
	}
	*budget--
	err := write(ctx, body, lines)
	switch {
	case err == nil:
		return nil, nil
	case !IsRejected(err) || IsLimit(err):
		return nil, err
	case lines == 1:
		return []Refused{{Line: cut(string(bytes.TrimRight(body, "\n"))), Reason: reason(err)}}, nil
	}
	half := lines / 2
	at := 0
	for range half {
		at += bytes.IndexByte(body[at:], '\n') + 1
	}
	first, err := splitWrite(ctx, write, body[:at], half, budget)
	if err != nil {
		return first, err
	}
	second, err := splitWrite(ctx, write, body[at:], lines-half, budget)
	return append(first, second...), err
}

func refuseAll(body []byte, why string) []Refused {
	var out []Refused
	for line := range bytes.Lines(body) {
		out = append(out, Refused{Line: cut(string(bytes.TrimRight(line, "\n"))), Reason: why})
	}
	return out
}

// reason is InfluxDB's message without the client's prefixes.
func reason(err error) string {
	var herr *influxhttp.Error
	if errors.As(err, &herr) && herr.Message != "" {
		return herr.Message
	}
	return err.Error()
}

func cut(s string) string {
	if len(s) <= 200 {
		return s
	}
	n := 200
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
