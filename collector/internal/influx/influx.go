// Package influx writes Kretslopp's points to InfluxDB and reads them back
// with InfluxQL. It works against InfluxDB 1.8 (bucket "db/rp", token
// "user:password" or empty), 2.x and 3.x through the /api/v2/write and
// /query endpoints they share.
//
// Writes go through influxdb-client-go's blocking write API so that a
// rejected write is an error the caller sees; nothing is buffered here.
package influx

import (
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
	"slices"
	"strings"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"
	"github.com/influxdata/influxdb-client-go/v2/api"
	"github.com/influxdata/line-protocol/v2/lineprotocol"

	"github.com/kretslopp/kretslopp/collector/internal/safetext"
)

// MaxLinesPerWrite bounds one write request, as InfluxDB's guidance for
// batch size suggests.
const MaxLinesPerWrite = 5000

// MaxBytesPerWrite bounds one write request's line protocol too, so that
// long lines (many labels, long names) do not make a 5,000-line batch
// tens of megabytes in the collector's memory (it is copied to gzip it).
const MaxBytesPerWrite = 4 << 20

// Config says where InfluxDB is and how to authenticate.
type Config struct {
	// URL is the server base URL, for example http://localhost:8086.
	URL string `yaml:"url"`
	// Token is an API token (2.x/3.x) or "user:password" (1.8); may be empty
	// for a 1.8 server without auth.
	Token string `yaml:"token"`
	// TokenFile is read at start-up when Token is empty.
	TokenFile string `yaml:"token_file"`
	// Org is the organisation (2.x); ignored by 1.8.
	Org string `yaml:"org"`
	// Bucket is the bucket (2.x) or "database/retention-policy" (1.8).
	Bucket string `yaml:"bucket"`
	// CAFile adds a private CA for an https URL (SSL_CERT_FILE works too).
	CAFile string `yaml:"ca_file"`
	// Timeout bounds one HTTP request.
	Timeout time.Duration `yaml:"timeout"`
	// NoGzip sends writes uncompressed: worth it only when InfluxDB runs
	// on the same host, where compressing costs CPU on both sides and
	// saves no network.
	NoGzip bool `yaml:"no_gzip"`
}

// Validate lists every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("influx url is empty (KRETSLOPP_INFLUX_URL)"))
	} else if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("influx url %q is not an http(s) URL (KRETSLOPP_INFLUX_URL)", safetext.RedactURL(c.URL)))
	}
	if c.Bucket == "" {
		errs = append(errs, errors.New("influx bucket is empty (KRETSLOPP_INFLUX_BUCKET; for 1.8 use db/rp)"))
	}
	if c.CAFile != "" {
		if _, err := os.Stat(c.CAFile); err != nil {
			errs = append(errs, fmt.Errorf("influx ca_file: %w", err))
		}
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("influx timeout %s is negative", c.Timeout))
	}
	return errors.Join(errs...)
}

// Point is one InfluxDB point. Field values are int64 (or int), float64,
// string or bool.
type Point struct {
	Measurement string
	Tags        map[string]string
	Fields      map[string]any
	Time        time.Time
}

// AppendLine appends the point in line protocol (nanosecond precision,
// newline-terminated) to dst. Empty tag values are left out, as line
// protocol has no empty tags. It fails on a point InfluxDB would refuse:
// no fields, a NaN or infinite float, invalid UTF-8, an unsupported type.
func (p Point) AppendLine(dst []byte) ([]byte, error) {
	var enc lineprotocol.Encoder
	enc.SetBuffer(dst)
	enc.SetPrecision(lineprotocol.Nanosecond)
	enc.StartLine(p.Measurement)
	keys := make([]string, 0, len(p.Tags))
	for k, v := range p.Tags {
		if v != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		enc.AddTag(k, p.Tags[k])
	}
	if len(p.Fields) == 0 {
		return dst, fmt.Errorf("point %s at %s has no fields", p.Measurement, p.Time.Format(time.RFC3339))
	}
	fieldKeys := make([]string, 0, len(p.Fields))
	for k := range p.Fields {
		fieldKeys = append(fieldKeys, k)
	}
	slices.Sort(fieldKeys)
	for _, k := range fieldKeys {
		v := p.Fields[k]
		if i, ok := v.(int); ok {
			v = int64(i)
		}
		value, ok := lineprotocol.NewValue(v)
		if !ok {
			return dst, fmt.Errorf("point %s field %s: value %v (%T) cannot be stored", p.Measurement, k, v, v)
		}
		enc.AddField(k, value)
	}
	enc.EndLine(p.Time)
	if err := enc.Err(); err != nil {
		return dst, fmt.Errorf("point %s: %w", p.Measurement, err)
	}
	return enc.Bytes(), nil
}

// Series is one result series of an InfluxQL query. Numbers are float64,
// times RFC 3339 strings.
type Series struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags,omitempty"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

// Client writes and queries one bucket.
type Client struct {
	cfg      Config
	client   influxdb2.Client
	writeAPI api.WriteAPIBlocking
	http     *http.Client
	token    string
	db, rp   string
	log      *slog.Logger
}

// New builds a client; it does not contact the server.
func New(cfg Config, logger *slog.Logger) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	token := cfg.Token
	if token == "" && cfg.TokenFile != "" {
		b, err := os.ReadFile(cfg.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("influx token_file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	if cfg.CAFile != "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("influx ca_file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("influx ca_file %s: no PEM certificate found", cfg.CAFile)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	hc := &http.Client{Timeout: timeout, Transport: transport}
	opts := influxdb2.DefaultOptions().
		SetHTTPClient(hc).
		SetUseGZip(!cfg.NoGzip).
		SetPrecision(time.Nanosecond).
		SetBatchSize(MaxLinesPerWrite).
		SetMaxRetries(0)
	client := influxdb2.NewClientWithOptions(strings.TrimRight(cfg.URL, "/"), token, opts)
	db, rp, _ := strings.Cut(cfg.Bucket, "/")
	return &Client{
		cfg:      cfg,
		client:   client,
		writeAPI: client.WriteAPIBlocking(cfg.Org, cfg.Bucket),
		http:     hc,
		token:    token,
		db:       db,
		rp:       rp,
		log:      logger,
	}, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.client.Close() }

// Write writes points in requests of at most MaxLinesPerWrite lines (and
// MaxBytesPerWrite bytes). A point line protocol cannot carry, or that
// InfluxDB refuses as bad data, is left out and the others are written
// (SplitWrite): the result is then a *PartialError naming what was left
// out. Another error (InfluxDB down, one of its limits) stops the write;
// points before it may have landed, which is harmless because a rewrite
// of the same point overwrites it.
func (c *Client) Write(ctx context.Context, points []Point) error {
	var body []byte
	var refused []Refused
	written, lines := 0, 0
	flush := func() error {
		r, err := SplitWrite(ctx, c.WriteBody, body, lines, MaxSplitWrites)
		if err != nil {
			return err
		}
		written += lines - len(r)
		refused = append(refused, r...)
		body, lines = body[:0], 0
		return nil
	}
	for _, p := range points {
		next, err := p.AppendLine(body)
		if err != nil {
			refused = append(refused, Refused{Line: p.Measurement, Reason: err.Error()})
			continue
		}
		body = next
		lines++
		if lines == MaxLinesPerWrite || len(body) >= MaxBytesPerWrite {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if len(refused) > 0 {
		return &PartialError{Written: written, Refused: refused}
	}
	return nil
}

// WriteBody writes newline-separated line protocol in one request (callers
// keep to MaxLinesPerWrite lines). It returns only after InfluxDB accepted
// or refused them; lines says how many for the error message.
func (c *Client) WriteBody(ctx context.Context, body []byte, lines int) error {
	if len(body) == 0 {
		return nil
	}
	if err := c.writeAPI.WriteRecord(ctx, string(body)); err != nil {
		return fmt.Errorf("influx write of %d lines: %w", lines, err)
	}
	return nil
}

// Ping reports whether the server answers.
func (c *Client) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.cfg.URL, "/")+"/ping", nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("influx ping: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("influx ping: %s", resp.Status)
	}
	return nil
}

// Query runs InfluxQL against the configured database and returns the
// series of all statements. A statement error is returned as an error.
func (c *Client) Query(ctx context.Context, influxql string) ([]Series, error) {
	form := url.Values{"q": {influxql}, "db": {c.db}}
	if c.rp != "" {
		form.Set("rp", c.rp)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.cfg.URL, "/")+"/query", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Token "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("influx query: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		Results []struct {
			Series []Series `json:"series"`
			Error  string   `json:"error"`
		} `json:"results"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("influx query: %s: decode response: %w", resp.Status, err)
	}
	if body.Error != "" {
		return nil, fmt.Errorf("influx query %q: %s", influxql, body.Error)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("influx query %q: %s", influxql, resp.Status)
	}
	var out []Series
	for _, r := range body.Results {
		if r.Error != "" {
			return nil, fmt.Errorf("influx query %q: %s", influxql, r.Error)
		}
		out = append(out, r.Series...)
	}
	return out, nil
}
