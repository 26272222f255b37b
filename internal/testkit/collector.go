package testkit

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/influxserver"
)

// Tokens of the collector StartCollector runs.
const (
	AgentToken = "agent-token-0123456789abcdef"
	ReadToken  = "read-token-helpdesk-0123456789"
)

// CollectorOptions configure StartCollector. The zero value runs the
// binary with AgentToken, no read tokens, and lifecycle_interval 0.
type CollectorOptions struct {
	// AgentTokens are written to the agent tokens file; nil means
	// AgentToken, an empty non-nil slice no file at all.
	AgentTokens []string
	// ReadTokens, when set, are written to the read tokens file.
	ReadTokens []string
	// YAML is the configuration file; empty means DefaultYAML (the tests
	// write the lifecycle measurements when they want them, and replay
	// years of history). A test that sets YAML gets the collector's
	// defaults for everything it does not name.
	YAML string
	// Env adds KRETSLOPP_* settings (they win over the harness's).
	Env []string
	// Serve, when set, runs the collector in the test's process instead of
	// the binary: it gets the environment the binary would get and serves
	// until ctx ends. The server package's tests use it.
	Serve func(ctx context.Context, getenv func(string) string, log io.Writer) error
}

// DefaultYAML is the configuration of a collector whose test sets none:
// no lifecycle refresh, and no maximum age of data points, because the
// tests replay years of a fleet's history (as `make demo` does).
const DefaultYAML = "lifecycle_interval: 0s\ningest:\n  max_age: 0s\n"

// RunningCollector is a collector StartCollector started.
type RunningCollector struct {
	URL string
	// Env is its environment: KRETSLOPP_* settings only.
	Env []string
	log *syncBuffer
	pid int
}

// PID is the collector process's ID (0 when it runs in the test's
// process, CollectorOptions.Serve).
func (c *RunningCollector) PID() int { return c.pid }

// StartCollector runs `kretslopp-collector serve` against db (nil: opts.Env
// names InfluxDB) on a free loopback port until the test ends, and returns
// once it answers /healthz (over HTTPS when opts.Env sets
// KRETSLOPP_TLS_CERT_FILE). Its log is printed if the test fails.
func StartCollector(tb testing.TB, db *DB, opts CollectorOptions) *RunningCollector {
	tb.Helper()
	dir := tb.TempDir()
	yaml := opts.YAML
	if yaml == "" {
		yaml = DefaultYAML
	}
	cfgFile := filepath.Join(dir, "collector.yaml")
	writeFile(tb, cfgFile, yaml)
	env := []string{"KRETSLOPP_CONFIG=" + cfgFile}
	agentTokens := opts.AgentTokens
	if agentTokens == nil {
		agentTokens = []string{AgentToken}
	}
	if len(agentTokens) > 0 {
		f := filepath.Join(dir, "agent-tokens")
		writeFile(tb, f, "# agents\n"+strings.Join(agentTokens, "\n")+"\n")
		env = append(env, "KRETSLOPP_AGENT_TOKENS_FILE="+f)
	}
	if len(opts.ReadTokens) > 0 {
		f := filepath.Join(dir, "read-tokens")
		writeFile(tb, f, "# helpdesk\n"+strings.Join(opts.ReadTokens, "\n")+"\n")
		env = append(env, "KRETSLOPP_READ_TOKENS_FILE="+f)
	}
	if db != nil {
		env = append(env, db.Env()...)
	}
	env = append(env, opts.Env...)
	scheme := "http"
	if lookup(env)("KRETSLOPP_TLS_CERT_FILE") != "" {
		scheme = "https"
	}
	c := &RunningCollector{log: &syncBuffer{}}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("collector log:\n%s", c.log.String())
		}
	})
	// A free port may be taken before the collector binds it; try again.
	var err error
	for range 3 {
		var port int
		if port, err = influxserver.FreePort(); err != nil {
			break
		}
		c.URL = fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)
		c.Env = append(append([]string{}, env...), fmt.Sprintf("KRETSLOPP_LISTEN=127.0.0.1:%d", port))
		if err = c.start(tb, opts.Serve); err == nil {
			return c
		}
	}
	tb.Fatalf("collector did not start: %v\n%s", err, c.log.String())
	return nil
}

func (c *RunningCollector) start(tb testing.TB, serve func(context.Context, func(string) string, io.Writer) error) error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if serve != nil {
		getenv := lookup(c.Env)
		go func() { done <- serve(ctx, getenv, c.log) }()
	} else {
		cmd := exec.Command(Binary(tb, Collector), "serve")
		cmd.Env = c.environ()
		cmd.Stdout, cmd.Stderr = c.log, c.log
		if err := cmd.Start(); err != nil {
			cancel()
			return err
		}
		c.pid = cmd.Process.Pid
		go func() {
			<-ctx.Done()
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}()
		go func() { done <- cmd.Wait() }()
	}
	if err := waitHealthy(c.URL, done); err != nil {
		cancel()
		return err
	}
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("collector serve: %v\n%s", err, c.log.String())
			}
		case <-time.After(60 * time.Second):
			tb.Errorf("collector did not stop within 60 s")
		}
	})
	return nil
}

func waitHealthy(url string, done <-chan error) error {
	deadline := time.Now().Add(60 * time.Second)
	// Only whether it answers: a test's own CA is not trusted here.
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for {
		if resp, err := client.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-done:
			return fmt.Errorf("collector exited during start-up: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("collector not healthy within 60 s")
		}
	}
}

// environ is the process environment without the caller's own KRETSLOPP_*
// settings, plus the collector's.
func (c *RunningCollector) environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KRETSLOPP_") {
			out = append(out, kv)
		}
	}
	return append(out, c.Env...)
}

// Run runs another kretslopp-collector command (import, lifecycle,
// report, …) with the collector's configuration and returns its standard
// output; a non-zero exit fails the test.
func (c *RunningCollector) Run(tb testing.TB, args ...string) string {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	cmd := c.Command(tb, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("kretslopp-collector %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// Command is another kretslopp-collector command (import, device, …) with
// the collector's configuration, not started: for a test that needs its
// standard error, its exit status or its process.
func (c *RunningCollector) Command(tb testing.TB, args ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(Binary(tb, Collector), args...)
	cmd.Env = c.environ()
	return cmd
}

// Get fetches path from the collector and returns the status and body.
func (c *RunningCollector) Get(tb testing.TB, path string) (int, string) {
	tb.Helper()
	resp, err := http.Get(c.URL + path)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Log is what the collector has logged so far.
func (c *RunningCollector) Log() string { return c.log.String() }

func lookup(env []string) func(string) string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's two output streams.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
