// Package sender posts spooled OTLP batches to the collector (or any
// OTLP/HTTP receiver): protobuf, gzip, bearer token, TLS with an optional
// private CA. Deliver drains the spool oldest first and deletes a batch only
// after a 2xx; Backoff spaces out the retries.
package sender

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kretslopp/kretslopp/agent/internal/spool"
	"github.com/kretslopp/kretslopp/internal/retry"
)

// MetricsPath is the OTLP/HTTP metrics path.
const MetricsPath = "/v1/metrics"

// Options configure a Sender.
type Options struct {
	// URL is the receiver base URL or the full /v1/metrics URL.
	URL       string
	Token     string
	CAFile    string
	UserAgent string
	Timeout   time.Duration
	// Client overrides the HTTP client (tests).
	Client *http.Client
}

// Sender posts batches.
type Sender struct {
	url    string
	token  string
	ua     string
	client *http.Client
}

// MetricsURL returns the full metrics URL for a base or full URL.
func MetricsURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("collector url %q: want http(s)://host[:port][/v1/metrics]", raw)
	}
	if !strings.HasSuffix(u.Path, MetricsPath) {
		u.Path = strings.TrimRight(u.Path, "/") + MetricsPath
	}
	return u.String(), nil
}

// New returns a Sender.
func New(opts Options) (*Sender, error) {
	u, err := MetricsURL(opts.URL)
	if err != nil {
		return nil, err
	}
	client := opts.Client
	if client == nil {
		tlsConf, err := TLSConfig(opts.CAFile)
		if err != nil {
			return nil, err
		}
		timeout := opts.Timeout
		if timeout == 0 {
			timeout = 30 * time.Second
		}
		client = &http.Client{
			Timeout: timeout,
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				TLSClientConfig:     tlsConf,
				TLSHandshakeTimeout: 10 * time.Second,
				MaxIdleConns:        1,
				IdleConnTimeout:     90 * time.Second,
				ForceAttemptHTTP2:   true,
			},
		}
	}
	return &Sender{url: u, token: opts.Token, ua: opts.UserAgent, client: client}, nil
}

// TLSConfig trusts the system roots plus SSL_CERT_FILE (honoured on every
// OS, not only where Go reads it) and caFile.
//
// Without either, RootCAs stays nil: crypto/tls then uses the host's roots,
// loaded at the first TLS handshake, so that an agent that never makes one
// (an http:// collector) does not hold the parsed system pool (about
// 260 KB of heap).
func TLSConfig(caFile string) (*tls.Config, error) {
	if os.Getenv("SSL_CERT_FILE") == "" && caFile == "" {
		return &tls.Config{MinVersion: tls.VersionTLS12}, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, f := range []string{os.Getenv("SSL_CERT_FILE"), caFile} {
		if f == "" {
			continue
		}
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificate", f)
		}
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// StatusError is a non-2xx answer.
type StatusError struct {
	Code       int
	RetryAfter time.Duration
	Body       string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("collector answered %d", e.Code)
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// Permanent reports whether the batch itself was refused (400, 413), so
// that resending it can never succeed.
func (e *StatusError) Permanent() bool {
	return e.Code == http.StatusBadRequest || e.Code == http.StatusRequestEntityTooLarge
}

// PartialSuccess is the part of an accepted request that an OTLP receiver
// says it refused (ExportMetricsServiceResponse.partial_success): the
// request is not to be sent again, but the refusal must not pass unseen.
type PartialSuccess struct {
	Rejected int64
	Message  string
}

// Send posts one gzip-compressed protobuf body. A 2xx whose answer reports
// a partial success returns it with a nil error.
func (s *Sender) Send(ctx context.Context, gzBody []byte) (PartialSuccess, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(gzBody))
	if err != nil {
		return PartialSuccess{}, fmt.Errorf("new request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "gzip")
	if s.ua != "" {
		req.Header.Set("User-Agent", s.ua)
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return PartialSuccess{}, fmt.Errorf("post %s: %w", s.url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return ParsePartialSuccess(ct, body), nil
	}
	ra, _ := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	se := &StatusError{Code: resp.StatusCode, RetryAfter: ra}
	switch {
	case strings.HasPrefix(ct, "application/x-protobuf"), strings.HasPrefix(ct, "application/protobuf"):
		se.Body = statusMessage(body)
	case strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json"):
		se.Body = strings.TrimSpace(string(body))
	}
	if len(se.Body) > 200 {
		se.Body = se.Body[:200]
	}
	return PartialSuccess{}, se
}

// ParsePartialSuccess reads the partial_success of an OTLP/HTTP
// ExportMetricsServiceResponse, protobuf (field 1: a message of
// rejected_data_points, field 1, and error_message, field 2) or JSON
// (partialSuccess: rejectedDataPoints as a string or number, errorMessage),
// per opentelemetry-proto's metrics_service.proto and the OTLP/HTTP JSON
// mapping. An empty or unreadable answer is a full success.
func ParsePartialSuccess(contentType string, body []byte) PartialSuccess {
	var ps PartialSuccess
	if strings.Contains(contentType, "json") {
		var r struct {
			PartialSuccess struct {
				Rejected json.Number `json:"rejectedDataPoints"`
				Message  string      `json:"errorMessage"`
			} `json:"partialSuccess"`
		}
		if json.Unmarshal(body, &r) == nil {
			ps.Rejected, _ = strconv.ParseInt(r.PartialSuccess.Rejected.String(), 10, 64)
			ps.Message = r.PartialSuccess.Message
		}
		return ps
	}
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		if n < 0 {
			return ps
		}
		body = body[n:]
		if num == 1 && typ == protowire.BytesType {
			msg, n := protowire.ConsumeBytes(body)
			if n < 0 {
				return ps
			}
			body = body[n:]
			for len(msg) > 0 {
				f, t, m := protowire.ConsumeTag(msg)
				if m < 0 {
					return ps
				}
				msg = msg[m:]
				switch {
				case f == 1 && t == protowire.VarintType:
					v, m := protowire.ConsumeVarint(msg)
					if m < 0 {
						return ps
					}
					ps.Rejected, msg = int64(v), msg[m:]
				case f == 2 && t == protowire.BytesType:
					v, m := protowire.ConsumeBytes(msg)
					if m < 0 {
						return ps
					}
					ps.Message, msg = string(v), msg[m:]
				default:
					m := protowire.ConsumeFieldValue(f, t, msg)
					if m < 0 {
						return ps
					}
					msg = msg[m:]
				}
			}
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, body)
		if m < 0 {
			return ps
		}
		body = body[m:]
	}
	return ps
}

// statusMessage reads the message (field 2) of a protobuf google.rpc.Status,
// the body of an OTLP/HTTP error answer.
func statusMessage(body []byte) string {
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		if n < 0 {
			return ""
		}
		body = body[n:]
		if num == 2 && typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(body)
			return strings.TrimSpace(string(v))
		}
		m := protowire.ConsumeFieldValue(num, typ, body)
		if m < 0 {
			return ""
		}
		body = body[m:]
	}
	return ""
}

// gz is one compressor kept for the life of the process: a new one
// allocates about 700 KB, and a sync.Pool would drop it at every GC, so
// that a small agent would allocate it again each cycle. BestSpeed does
// not clear (or even touch) the 640 KB of hash tables on Reset, which
// keeps a cycle cheap and those pages out of RSS; on a 2 KB report it
// compresses within a few per cent of the default level.
var gz struct {
	sync.Mutex
	w *gzip.Writer
}

// Gzip compresses an encoded request for the spool and the wire.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/2 + 64)
	gz.Lock()
	defer gz.Unlock()
	if gz.w == nil {
		gz.w, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	} else {
		gz.w.Reset(&buf)
	}
	gz.w.Write(b)
	gz.w.Close()
	gz.w.Reset(io.Discard)
	return buf.Bytes()
}

// Queue is what Deliver needs from the spool.
type Queue interface {
	Oldest() (spool.Item, bool, error)
	Ack(seq uint64, at time.Time) error
	Reject(seq uint64, at time.Time) error
	RecordError(at time.Time, msg string) error
}

// Deliver sends queued batches oldest first until the queue is empty or a
// send fails. A 2xx deletes the batch; 400 and 413 drop it as undeliverable
// (counted as dropped); anything else keeps it and returns the error.
func Deliver(ctx context.Context, s *Sender, q Queue, log *slog.Logger) (sent int, err error) {
	for {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		it, ok, err := q.Oldest()
		if err != nil {
			return sent, err
		}
		if !ok {
			return sent, nil
		}
		ps, err := s.Send(ctx, it.Payload)
		now := time.Now()
		var se *StatusError
		switch {
		case err == nil:
			if ps.Rejected > 0 || ps.Message != "" {
				// Resending cannot help (OTLP: do not retry a partial
				// success); say what the collector refused.
				log.WarnContext(ctx, "collector refused part of a batch", "rejected_points", ps.Rejected, "reason", ps.Message, "batch_time", it.Created)
			}
			if err := q.Ack(it.Seq, now); err != nil {
				return sent, err
			}
			sent++
		case errors.As(err, &se) && se.Permanent():
			log.WarnContext(ctx, "collector refused a batch; dropping it", "status", se.Code, "batch_time", it.Created)
			_ = q.RecordError(now, err.Error())
			if err := q.Reject(it.Seq, now); err != nil {
				return sent, err
			}
		default:
			if ctx.Err() == nil {
				_ = q.RecordError(now, err.Error())
			}
			return sent, err
		}
	}
}

// Backoff spaces out delivery retries (retry.Backoff), stretched to the
// collector's Retry-After up to an hour.
type Backoff struct{ retry.Backoff }

// NewBackoff caps retries at the report interval (at least 1 s, at most
// 5 min), so that at small intervals a collector back after a short outage
// is reached within a minute.
func NewBackoff(interval time.Duration) *Backoff {
	return &Backoff{retry.Backoff{Base: time.Second, Max: min(max(interval, time.Second), 5*time.Minute), MaxRetryAfter: time.Hour}}
}

// Next returns the delay before the next try after err.
func (b *Backoff) Next(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return b.Backoff.Next(se.RetryAfter)
	}
	return b.Backoff.Next(0)
}
