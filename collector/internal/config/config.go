// Package config loads the collector's configuration: a YAML file, then the
// KRETSLOPP_* environment variables of the contract on top (environment
// wins), checked once at start-up by Validate, which lists every problem.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/safetext"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// DefaultListen is the OTLP/HTTP port that OpenTelemetry exporters use.
const DefaultListen = ":4318"

// Config is the whole collector configuration. Graph settings live in
// graph.go beside this file, carbon settings in carbon.go.
type Config struct {
	// Listen is host:port for serve (KRETSLOPP_LISTEN).
	Listen string `yaml:"listen"`
	// TLS serves HTTPS when both files are set.
	TLS TLSConfig `yaml:"tls"`
	// AgentTokensFile lists the bearer tokens agents may use, one a line,
	// plain or "sha256:<hex>", optionally as "NAME SITE TOKEN"
	// (KRETSLOPP_AGENT_TOKENS_FILE). Empty or missing means every ingest
	// request is refused.
	AgentTokensFile string `yaml:"agent_tokens_file"`
	// ReadTokensFile lists tokens for the read API (helpdesk tools), in the
	// same format (KRETSLOPP_READ_TOKENS_FILE).
	ReadTokensFile string `yaml:"read_tokens_file"`
	// Influx is the database (KRETSLOPP_INFLUX_*).
	Influx influx.Config `yaml:"influx"`
	// Ingest tunes the OTLP receiver.
	Ingest IngestConfig `yaml:"ingest"`
	// Graph is the Microsoft Graph pull (KRETSLOPP_GRAPH_*).
	Graph GraphConfig `yaml:"graph"`
	// Carbon sets the embodied-emissions figures and the optional travel
	// estimate (carbon.go beside this file).
	Carbon CarbonConfig `yaml:"carbon"`
	// LifecycleInterval recomputes the derived hardware lifecycle (and
	// carbon) measurements inside serve this often (0: off; use
	// `kretslopp-collector lifecycle --update` from a timer instead).
	LifecycleInterval time.Duration `yaml:"lifecycle_interval"`
	// DebugListen serves Go's pprof profiles on this host:port when set
	// (KRETSLOPP_DEBUG_LISTEN); keep it on loopback.
	DebugListen string `yaml:"debug_listen"`
	// Log sets the log level: debug, info, warn, error.
	LogLevel string `yaml:"log_level"`
}

// TLSConfig names a certificate and key in PEM files.
type TLSConfig struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// IngestConfig tunes the OTLP receiver and its writes.
type IngestConfig struct {
	// MaxBodyBytes bounds a request body after decompression.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// BatchLines bounds one InfluxDB write (group commit).
	BatchLines int `yaml:"batch_lines"`
	// BatchLinger is how long a write waits for more requests to join it
	// while another write is in flight (an idle InfluxDB is written at once).
	BatchLinger time.Duration `yaml:"batch_linger"`
	// WriteConcurrency is how many InfluxDB writes run at once.
	WriteConcurrency int `yaml:"write_concurrency"`
	// WriteTimeout bounds how long a request waits for InfluxDB.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// RetryAfter is what a 503 tells agents to wait.
	RetryAfter time.Duration `yaml:"retry_after"`
	// TokenRate bounds requests per second per agent token (0: no limit);
	// TokenBurst is how many may come at once. Size them for the number
	// of agents that share a token.
	TokenRate  float64 `yaml:"token_rate"`
	TokenBurst int     `yaml:"token_burst"`
	// MaxInflightBytes bounds the request bytes (after decompression) all
	// requests hold at once; beyond it a request is answered 503 with
	// Retry-After before its body is read. It bounds the collector's
	// memory: serve sets Go's soft memory limit from it (see README).
	MaxInflightBytes int64 `yaml:"max_inflight_bytes"`
	// MaxResources bounds the devices (OTLP resources) of one request;
	// the rest are refused (partial success naming the budget).
	MaxResources int `yaml:"max_resources"`
	// MaxLabels bounds the labels (tags) of one device; the rest are left
	// out (partial success naming the budget).
	MaxLabels int `yaml:"max_labels"`
	// NewDevicesPerHour bounds the device IDs never seen before that one
	// agent token may report per hour (at most this many at once, then
	// this many an hour); beyond it such a report is answered 429 and the
	// agent keeps it.
	NewDevicesPerHour int `yaml:"new_devices_per_hour"`
	// MaxDevices bounds the collector's device table (about 100 bytes a
	// device); beyond it new devices are answered 429.
	MaxDevices int `yaml:"max_devices"`
	// MaxAge refuses data points older than this (partial success naming
	// the time); 0 turns the check off (to replay history, as the demo
	// does). The default is the agent's spool age plus a week.
	MaxAge time.Duration `yaml:"max_age"`
}

// Defaults returns the configuration used where nothing else is set.
func Defaults() Config {
	return Config{
		Listen: DefaultListen,
		Ingest: IngestConfig{
			MaxBodyBytes:      8 << 20,
			BatchLines:        influx.MaxLinesPerWrite,
			BatchLinger:       5 * time.Millisecond,
			WriteConcurrency:  2,
			WriteTimeout:      10 * time.Second,
			RetryAfter:        30 * time.Second,
			TokenRate:         20,
			TokenBurst:        200,
			MaxInflightBytes:  64 << 20,
			MaxResources:      100,
			MaxLabels:         16,
			NewDevicesPerHour: 2000,
			MaxDevices:        200000,
			MaxAge:            schema.AgentSpoolMaxAge + 7*24*time.Hour,
		},
		Influx:            influx.Config{Timeout: 10 * time.Second},
		Graph:             graphDefaults(),
		Carbon:            carbonDefaults(),
		LifecycleInterval: 6 * time.Hour,
		LogLevel:          "info",
	}
}

// Load reads path (if not empty; else KRETSLOPP_CONFIG if set) over the
// defaults and applies the environment. It does not validate.
func Load(path string, env func(string) string) (Config, error) {
	if env == nil {
		env = os.Getenv
	}
	cfg := Defaults()
	if path == "" {
		path = env("KRETSLOPP_CONFIG")
	}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}
	applyEnv(&cfg, env)
	return cfg, nil
}

func applyEnv(cfg *Config, env func(string) string) {
	set := func(dst *string, name string) {
		if v := env(name); v != "" {
			*dst = v
		}
	}
	set(&cfg.Listen, "KRETSLOPP_LISTEN")
	set(&cfg.TLS.CertFile, "KRETSLOPP_TLS_CERT_FILE")
	set(&cfg.TLS.KeyFile, "KRETSLOPP_TLS_KEY_FILE")
	set(&cfg.AgentTokensFile, "KRETSLOPP_AGENT_TOKENS_FILE")
	set(&cfg.ReadTokensFile, "KRETSLOPP_READ_TOKENS_FILE")
	set(&cfg.Influx.URL, "KRETSLOPP_INFLUX_URL")
	set(&cfg.Influx.Token, "KRETSLOPP_INFLUX_TOKEN")
	set(&cfg.Influx.TokenFile, "KRETSLOPP_INFLUX_TOKEN_FILE")
	set(&cfg.Influx.Org, "KRETSLOPP_INFLUX_ORG")
	set(&cfg.Influx.Bucket, "KRETSLOPP_INFLUX_BUCKET")
	set(&cfg.Influx.CAFile, "KRETSLOPP_INFLUX_CA_FILE")
	set(&cfg.LogLevel, "KRETSLOPP_LOG_LEVEL")
	set(&cfg.DebugListen, "KRETSLOPP_DEBUG_LISTEN")
	applyGraphEnv(&cfg.Graph, set, env)
}

// Validate checks everything serve needs and lists every problem at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen %q is not host:port (KRETSLOPP_LISTEN): %w", c.Listen, err))
	}
	if c.DebugListen != "" {
		if _, _, err := net.SplitHostPort(c.DebugListen); err != nil {
			errs = append(errs, fmt.Errorf("debug_listen %q is not host:port (KRETSLOPP_DEBUG_LISTEN): %w", c.DebugListen, err))
		}
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, errors.New("tls: cert_file and key_file go together"))
	}
	for name, path := range map[string]string{"tls.cert_file": c.TLS.CertFile, "tls.key_file": c.TLS.KeyFile} {
		if path != "" {
			if _, err := os.Stat(path); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	if c.AgentTokensFile != "" {
		if _, err := os.Stat(c.AgentTokensFile); err != nil {
			// A missing file refuses every request by design, but at
			// start-up it is most likely a typo, so say so.
			errs = append(errs, fmt.Errorf("agent_tokens_file (KRETSLOPP_AGENT_TOKENS_FILE): %w", err))
		}
	}
	if c.Ingest.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("ingest.max_body_bytes %d is below 1024", c.Ingest.MaxBodyBytes))
	}
	if c.Ingest.BatchLines < 1 || c.Ingest.BatchLines > influx.MaxLinesPerWrite {
		errs = append(errs, fmt.Errorf("ingest.batch_lines %d is outside 1..%d", c.Ingest.BatchLines, influx.MaxLinesPerWrite))
	}
	if c.Ingest.BatchLinger < 0 || c.Ingest.BatchLinger > time.Second {
		errs = append(errs, fmt.Errorf("ingest.batch_linger %s is outside 0..1s", c.Ingest.BatchLinger))
	}
	if c.Ingest.WriteConcurrency < 1 || c.Ingest.WriteConcurrency > 64 {
		errs = append(errs, fmt.Errorf("ingest.write_concurrency %d is outside 1..64", c.Ingest.WriteConcurrency))
	}
	if c.Ingest.WriteTimeout <= 0 {
		errs = append(errs, fmt.Errorf("ingest.write_timeout %s must be positive", c.Ingest.WriteTimeout))
	}
	if c.Ingest.RetryAfter < time.Second {
		errs = append(errs, fmt.Errorf("ingest.retry_after %s must be at least 1s", c.Ingest.RetryAfter))
	}
	if c.Ingest.TokenRate < 0 {
		errs = append(errs, fmt.Errorf("ingest.token_rate %v is negative (0 turns the limit off)", c.Ingest.TokenRate))
	}
	if c.Ingest.TokenRate > 0 && c.Ingest.TokenBurst < 1 {
		errs = append(errs, fmt.Errorf("ingest.token_burst %d must be at least 1", c.Ingest.TokenBurst))
	}
	if c.Ingest.MaxInflightBytes < c.Ingest.MaxBodyBytes {
		errs = append(errs, fmt.Errorf("ingest.max_inflight_bytes %d is below ingest.max_body_bytes %d: a request of the largest size could never be read", c.Ingest.MaxInflightBytes, c.Ingest.MaxBodyBytes))
	}
	if c.Ingest.MaxResources < 1 || c.Ingest.MaxResources > 10000 {
		errs = append(errs, fmt.Errorf("ingest.max_resources %d is outside 1..10000 (devices per request; an agent sends 1)", c.Ingest.MaxResources))
	}
	if c.Ingest.MaxLabels < 1 || c.Ingest.MaxLabels > 256 {
		errs = append(errs, fmt.Errorf("ingest.max_labels %d is outside 1..256 (labels per device)", c.Ingest.MaxLabels))
	}
	if c.Ingest.NewDevicesPerHour < 1 {
		errs = append(errs, fmt.Errorf("ingest.new_devices_per_hour %d must be at least 1", c.Ingest.NewDevicesPerHour))
	}
	if c.Ingest.MaxDevices < 1 {
		errs = append(errs, fmt.Errorf("ingest.max_devices %d must be at least 1", c.Ingest.MaxDevices))
	}
	if c.Ingest.MaxAge < 0 || (c.Ingest.MaxAge > 0 && c.Ingest.MaxAge < 24*time.Hour) {
		errs = append(errs, fmt.Errorf("ingest.max_age %s must be 0 (off) or at least 24h (the agents' spool keeps reports for %s by default)", c.Ingest.MaxAge, schema.AgentSpoolMaxAge))
	}
	if c.LifecycleInterval < 0 || (c.LifecycleInterval > 0 && c.LifecycleInterval < time.Minute) {
		errs = append(errs, fmt.Errorf("lifecycle_interval %s must be 0 (off) or at least 1m", c.LifecycleInterval))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q is not one of debug, info, warn, error", c.LogLevel))
	}
	if err := c.Influx.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Graph.validateIfSet(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Carbon.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Redacted returns a copy safe to print: secrets replaced by "<redacted>",
// and a password or token in a URL by "xxxxx".
func (c Config) Redacted() Config {
	r := c
	r.Influx.URL = safetext.RedactURL(r.Influx.URL)
	r.Graph.BaseURL = safetext.RedactURL(r.Graph.BaseURL)
	r.Graph.AuthorityHost = safetext.RedactURL(r.Graph.AuthorityHost)
	if r.Influx.Token != "" {
		r.Influx.Token = redacted
	}
	if r.Graph.ClientSecret != "" {
		r.Graph.ClientSecret = redacted
	}
	if r.Graph.ClientCertPassword != "" {
		r.Graph.ClientCertPassword = redacted
	}
	return r
}

const redacted = "<redacted>"

// YAML renders the configuration as YAML (use Redacted first to print it).
func (c Config) YAML() string {
	b, err := yaml.Marshal(c)
	if err != nil {
		return fmt.Sprintf("# cannot render configuration: %v\n", err)
	}
	return string(b)
}
