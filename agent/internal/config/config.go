// Package config loads and validates the kretslopp-agent configuration: a
// YAML file at a per-OS path, overridden by KRETSLOPP_* environment variables.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kretslopp/kretslopp/internal/schema"
)

// Defaults used when neither the file nor the environment sets a value.
const (
	DefaultInterval      = 15 * time.Minute
	DefaultSpoolMaxBytes = 50 << 20
	DefaultSpoolMaxAge   = 90 * 24 * time.Hour
	DefaultSysfsRoot     = "/sys"
)

// Config is the agent configuration. The zero value is not useful; start from
// Default().
type Config struct {
	// CollectorURL is the OTLP/HTTP base URL ("https://collector:4318") or the
	// full metrics URL ending in /v1/metrics.
	CollectorURL string `yaml:"collector_url"`
	// Token is the bearer token. Never logged.
	Token string `yaml:"token"`
	// TokenFile holds the token (first line); used when Token is empty.
	TokenFile string `yaml:"token_file"`
	// CAFile is an optional PEM bundle of extra CAs trusted for the collector.
	CAFile string `yaml:"ca_file"`
	// SpoolDir is the folder of the on-disk spool.
	SpoolDir string `yaml:"spool_dir"`
	// SpoolMaxBytes bounds the spool; when full the oldest batches are dropped.
	SpoolMaxBytes int64 `yaml:"spool_max_bytes"`
	// SpoolMaxAge drops batches older than this.
	SpoolMaxAge time.Duration `yaml:"spool_max_age"`
	// Interval between two reports.
	Interval time.Duration `yaml:"interval"`
	// SysfsRoot is the Linux sysfs mount point (for tests and containers).
	SysfsRoot string `yaml:"sysfs_root"`
	// Labels travel as resource attributes kretslopp.label.<key>.
	Labels map[string]string `yaml:"labels"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
}

// Default returns the built-in defaults for this OS.
func Default() Config {
	return Config{
		SpoolDir:      DefaultSpoolDir(runtime.GOOS),
		SpoolMaxBytes: DefaultSpoolMaxBytes,
		SpoolMaxAge:   DefaultSpoolMaxAge,
		Interval:      DefaultInterval,
		SysfsRoot:     DefaultSysfsRoot,
		LogLevel:      "info",
	}
}

// programData returns %ProgramData% or its usual value.
func programData() string {
	if p := os.Getenv("ProgramData"); p != "" {
		return p
	}
	return `C:\ProgramData`
}

// DefaultFile is the configuration file path for goos.
func DefaultFile(goos string) string {
	switch goos {
	case "windows":
		return programData() + `\Kretslopp\agent.yaml`
	case "darwin":
		return "/Library/Application Support/Kretslopp/agent.yaml"
	default:
		return "/etc/kretslopp/agent.yaml"
	}
}

// DefaultSpoolDir is the spool folder for goos.
func DefaultSpoolDir(goos string) string {
	switch goos {
	case "windows":
		return programData() + `\Kretslopp\spool`
	case "darwin":
		return "/Library/Application Support/Kretslopp/spool"
	default:
		return "/var/lib/kretslopp"
	}
}

// fileConfig mirrors Config with durations as strings ("15m", "90d").
type fileConfig struct {
	CollectorURL  *string           `yaml:"collector_url"`
	Token         *string           `yaml:"token"`
	TokenFile     *string           `yaml:"token_file"`
	CAFile        *string           `yaml:"ca_file"`
	SpoolDir      *string           `yaml:"spool_dir"`
	SpoolMaxBytes *string           `yaml:"spool_max_bytes"`
	SpoolMaxAge   *string           `yaml:"spool_max_age"`
	Interval      *string           `yaml:"interval"`
	SysfsRoot     *string           `yaml:"sysfs_root"`
	Labels        map[string]string `yaml:"labels"`
	LogLevel      *string           `yaml:"log_level"`
}

// Parse reads YAML from r on top of base. Unknown keys are errors, so that a
// misspelt key is noticed at start.
func Parse(r io.Reader, base Config) (Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return base, fmt.Errorf("read config: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return base, nil
	}
	var fc fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return base, fmt.Errorf("parse config: %w", err)
	}
	c := base
	var errs []error
	setStr(&c.CollectorURL, fc.CollectorURL)
	setStr(&c.Token, fc.Token)
	setStr(&c.TokenFile, fc.TokenFile)
	setStr(&c.CAFile, fc.CAFile)
	setStr(&c.SpoolDir, fc.SpoolDir)
	setStr(&c.SysfsRoot, fc.SysfsRoot)
	setStr(&c.LogLevel, fc.LogLevel)
	if fc.SpoolMaxBytes != nil {
		n, err := ParseSize(*fc.SpoolMaxBytes)
		if err != nil {
			errs = append(errs, fmt.Errorf("spool_max_bytes: %w", err))
		}
		c.SpoolMaxBytes = n
	}
	if fc.SpoolMaxAge != nil {
		d, err := ParseDuration(*fc.SpoolMaxAge)
		if err != nil {
			errs = append(errs, fmt.Errorf("spool_max_age: %w", err))
		}
		c.SpoolMaxAge = d
	}
	if fc.Interval != nil {
		d, err := ParseDuration(*fc.Interval)
		if err != nil {
			errs = append(errs, fmt.Errorf("interval: %w", err))
		}
		c.Interval = d
	}
	if fc.Labels != nil {
		c.Labels = make(map[string]string, len(fc.Labels))
		for k, v := range fc.Labels {
			c.Labels[k] = v
		}
	}
	return c, errors.Join(errs...)
}

func setStr(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}

// Getenv looks up an environment variable; os.LookupEnv in production.
type Getenv func(string) (string, bool)

// ApplyEnv overrides c with the contract's environment variables.
func ApplyEnv(c Config, env Getenv) (Config, error) {
	var errs []error
	str := func(key string, dst *string) {
		if v, ok := env(key); ok && v != "" {
			*dst = strings.TrimSpace(v)
		}
	}
	str("KRETSLOPP_COLLECTOR_URL", &c.CollectorURL)
	str("KRETSLOPP_TOKEN", &c.Token)
	str("KRETSLOPP_TOKEN_FILE", &c.TokenFile)
	str("KRETSLOPP_CA_FILE", &c.CAFile)
	str("KRETSLOPP_SPOOL_DIR", &c.SpoolDir)
	str("KRETSLOPP_SYSFS_ROOT", &c.SysfsRoot)
	str("KRETSLOPP_LOG_LEVEL", &c.LogLevel)
	if v, ok := env("KRETSLOPP_INTERVAL"); ok && v != "" {
		d, err := ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("KRETSLOPP_INTERVAL: %w", err))
		}
		c.Interval = d
	}
	if v, ok := env("KRETSLOPP_SPOOL_MAX_BYTES"); ok && v != "" {
		n, err := ParseSize(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("KRETSLOPP_SPOOL_MAX_BYTES: %w", err))
		}
		c.SpoolMaxBytes = n
	}
	return c, errors.Join(errs...)
}

// Load reads the file at path (a missing file is fine when optional) and the
// environment, then resolves the token file. It does not validate.
func Load(path string, optional bool, env Getenv) (Config, error) {
	c := Default()
	var errs []error
	f, err := os.Open(path)
	switch {
	case err == nil:
		c, err = Parse(f, c)
		f.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
		}
	case errors.Is(err, os.ErrNotExist) && optional:
	default:
		errs = append(errs, fmt.Errorf("open config: %w", err))
	}
	c, err = ApplyEnv(c, env)
	if err != nil {
		errs = append(errs, err)
	}
	if c.Token == "" && c.TokenFile != "" {
		tok, err := ReadTokenFile(c.TokenFile)
		if err != nil {
			errs = append(errs, err)
		}
		c.Token = tok
	}
	return c, errors.Join(errs...)
}

// ReadTokenFile returns the first non-empty line of path.
func ReadTokenFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("token_file: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if t := strings.TrimSpace(line); t != "" {
			return t, nil
		}
	}
	return "", fmt.Errorf("token_file %s: empty", path)
}

// Validate lists every problem of a configuration meant for `run`.
func (c Config) Validate() error {
	var errs []error
	if c.CollectorURL == "" {
		errs = append(errs, errors.New("collector_url (KRETSLOPP_COLLECTOR_URL) is required"))
	} else if u, err := url.Parse(c.CollectorURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("collector_url %q: want an http:// or https:// URL", c.CollectorURL))
	}
	if c.Token == "" {
		errs = append(errs, errors.New("token (KRETSLOPP_TOKEN, token_file or KRETSLOPP_TOKEN_FILE) is required"))
	} else if strings.ContainsAny(c.Token, " \t\r\n") {
		errs = append(errs, errors.New("token contains white space"))
	}
	if c.SpoolDir == "" {
		errs = append(errs, errors.New("spool_dir (KRETSLOPP_SPOOL_DIR) is required"))
	} else if !filepath.IsAbs(c.SpoolDir) {
		errs = append(errs, fmt.Errorf("spool_dir %q must be an absolute path", c.SpoolDir))
	}
	if c.Interval < time.Second {
		errs = append(errs, fmt.Errorf("interval %s: must be at least 1s", c.Interval))
	} else if c.Interval > 24*time.Hour {
		errs = append(errs, fmt.Errorf("interval %s: must be at most 24h", c.Interval))
	}
	if c.SpoolMaxBytes < 64<<10 {
		errs = append(errs, fmt.Errorf("spool_max_bytes %d: must be at least 64KiB", c.SpoolMaxBytes))
	}
	if c.SpoolMaxAge < time.Hour {
		errs = append(errs, fmt.Errorf("spool_max_age %s: must be at least 1h", c.SpoolMaxAge))
	}
	if c.CAFile != "" {
		if _, err := os.Stat(c.CAFile); err != nil {
			errs = append(errs, fmt.Errorf("ca_file: %w", err))
		}
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error", "":
	default:
		errs = append(errs, fmt.Errorf("log_level %q: want debug, info, warn or error", c.LogLevel))
	}
	if err := c.ValidateLabels(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ValidateLabels lists every label the collector would not store, by the
// label rule of internal/schema (the code the collector applies): a key
// outside [a-z][a-z0-9_]{0,63} or naming a tag or field of the device
// measurements, a value that is empty, not UTF-8, longer than 256
// characters or holds a control character. `collect` checks the labels
// too, since it prints them.
func (c Config) ValidateLabels() error {
	keys := make([]string, 0, len(c.Labels))
	for k := range c.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if err := schema.ValidLabelKey(k); err != nil {
			errs = append(errs, fmt.Errorf("labels: %w", err))
		} else if err := schema.ValidLabelValue(k, c.Labels[k]); err != nil {
			errs = append(errs, fmt.Errorf("labels: %w", err))
		}
	}
	return errors.Join(errs...)
}

// ParseDuration accepts Go durations plus a day suffix ("90d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil || n < 0 || n > 100000 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: %w", s, err)
	}
	if d < 0 {
		return 0, fmt.Errorf("bad duration %q: negative", s)
	}
	return d, nil
}

// ParseSize accepts a byte count with an optional KB/MB/GB (decimal) or
// KiB/MiB/GiB suffix.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(v), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mult {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}
