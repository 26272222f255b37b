// Package influxserver runs a throw-away InfluxDB OSS 1.8 server on a free
// loopback port with its own data directory. The integration tests and
// `make demo` use it so that both talk to a real server, never a mock.
//
// The influxd binary is built from the Go module proxy by `make influxdb`
// into .tools/bin of the repository; KRETSLOPP_INFLUXD overrides the path.
package influxserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNoBinary means influxd was not found; `make influxdb` installs it.
var ErrNoBinary = errors.New("influxd not found: run `make influxdb` (installs InfluxDB OSS 1.8.10 into .tools/bin) or set KRETSLOPP_INFLUXD")

// Options configure a server. The zero value is usable.
type Options struct {
	// Binary is the influxd path; empty means KRETSLOPP_INFLUXD or
	// .tools/bin/influxd found upwards from the working directory.
	Binary string
	// Dir holds data, WAL and meta; empty means a new temporary directory
	// that Close removes.
	Dir string
	// Port is the HTTP port; 0 picks a free one.
	Port int
	// Log receives the server's own output; nil discards it.
	Log *os.File
	// Env is added to influxd's environment: INFLUXDB_<SECTION>_<KEY>
	// variables override the generated configuration file.
	Env []string
}

// Server is one running (or stopped) influxd process. Stop and Start keep
// the data directory and the port, so a test can simulate an outage.
type Server struct {
	// URL is the HTTP base URL, for example http://127.0.0.1:39211.
	URL string

	binary     string
	dir        string
	removeDir  bool
	configPath string
	log        *os.File
	env        []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// FindBinary returns the influxd path as Options.Binary documents.
func FindBinary() (string, error) {
	if p := os.Getenv("KRETSLOPP_INFLUXD"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("KRETSLOPP_INFLUXD=%s: %w", p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, ".tools", "bin", "influxd")
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return "", ErrNoBinary
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoBinary
		}
		dir = parent
	}
}

// Start launches influxd and waits until it answers /ping.
func Start(ctx context.Context, opts Options) (*Server, error) {
	binary := opts.Binary
	if binary == "" {
		var err error
		if binary, err = FindBinary(); err != nil {
			return nil, err
		}
	}
	s := &Server{binary: binary, dir: opts.Dir, log: opts.Log, env: opts.Env}
	if s.dir == "" {
		dir, err := os.MkdirTemp("", "kretslopp-influxd-")
		if err != nil {
			return nil, fmt.Errorf("influxd data directory: %w", err)
		}
		s.dir, s.removeDir = dir, true
	} else if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, fmt.Errorf("influxd data directory: %w", err)
	}
	// A port FreePort found free can be taken again before influxd binds
	// it (by another test's outgoing connection: both come from the
	// ephemeral range), so ports picked here are picked again when
	// influxd exits during start-up.
	attempts := 1
	if opts.Port == 0 {
		attempts = 5
	}
	var err error
	for range attempts {
		if err = s.listen(opts.Port); err != nil {
			break
		}
		if err = s.Start(ctx); !errors.Is(err, errExited) {
			break
		}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// errExited: influxd stopped before it answered /ping.
var errExited = errors.New("influxd exited during start-up (port taken or bad config?)")

// listen picks the ports (httpPort, or a free one when 0) and writes the
// configuration file.
func (s *Server) listen(httpPort int) error {
	if httpPort == 0 {
		p, err := FreePort()
		if err != nil {
			return err
		}
		httpPort = p
	}
	rpcPort, err := FreePort()
	if err != nil {
		return err
	}
	s.URL = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	s.configPath = filepath.Join(s.dir, "influxd.conf")
	if err := os.WriteFile(s.configPath, []byte(config(s.dir, httpPort, rpcPort)), 0o600); err != nil {
		return fmt.Errorf("influxd config: %w", err)
	}
	return nil
}

func config(dir string, httpPort, rpcPort int) string {
	return fmt.Sprintf(`reporting-disabled = true
bind-address = "127.0.0.1:%d"

[meta]
  dir = %q
  logging-enabled = false

[data]
  dir = %q
  wal-dir = %q
  query-log-enabled = false
  index-version = "inmem"
  cache-snapshot-write-cold-duration = "1m"
  # The setting docs/operations.md recommends for Kretslopp's wide writes
  # (tens of fields per device report): each snapshot sorts every series
  # and field key in the cache, so fewer, larger snapshots cost InfluxDB
  # far less CPU than the 25 MB default (docs/benchmarks.md).
  cache-snapshot-memory-size = "64m"

[coordinator]
  log-queries-after = "0s"

[http]
  enabled = true
  bind-address = "127.0.0.1:%d"
  log-enabled = false
  flux-enabled = false
  max-body-size = 0
  max-concurrent-write-limit = 0

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = true
  log-enabled = false

[logging]
  level = "warn"
  suppress-logo = true
`, rpcPort, filepath.Join(dir, "meta"), filepath.Join(dir, "data"), filepath.Join(dir, "wal"), httpPort)
}

// Start (re)starts a stopped server on the same port and data directory.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	cmd := exec.Command(s.binary, "run", "-config", s.configPath)
	if len(s.env) > 0 {
		cmd.Env = append(os.Environ(), s.env...)
	}
	if s.log != nil {
		cmd.Stdout, cmd.Stderr = s.log, s.log
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.binary, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	if err := waitReady(ctx, s.URL, done); err != nil {
		s.stopLocked(syscall.SIGKILL)
		return err
	}
	return nil
}

func waitReady(ctx context.Context, url string, done <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/ping", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return nil
			}
		}
		select {
		case <-done:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("influxd at %s not ready: %w", url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// PID is the influxd process ID, or 0 while stopped.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Kill stops the server abruptly (SIGKILL), as a crash would.
func (s *Server) Kill() { s.mu.Lock(); defer s.mu.Unlock(); s.stopLocked(syscall.SIGKILL) }

// Stop stops the server gracefully.
func (s *Server) Stop() { s.mu.Lock(); defer s.mu.Unlock(); s.stopLocked(syscall.SIGTERM) }

func (s *Server) stopLocked(sig syscall.Signal) {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, sig)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd, s.done = nil, nil
}

// Close stops the server and removes a temporary data directory.
func (s *Server) Close() {
	s.Stop()
	if s.removeDir {
		_ = os.RemoveAll(s.dir)
	}
}

// Exec runs one InfluxQL statement that returns no data (CREATE DATABASE,
// DROP …) and reports the server's error if it gave one.
func (s *Server) Exec(ctx context.Context, statement string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/query",
		strings.NewReader("q="+url.QueryEscape(statement)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("influxql %q: %w", statement, err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	_, _ = io.CopyN(&body, resp.Body, 4096)
	if resp.StatusCode != http.StatusOK || strings.Contains(body.String(), `"error"`) {
		return fmt.Errorf("influxql %q: %s: %s", statement, resp.Status, body.String())
	}
	return nil
}

// FreePort asks the kernel for a free loopback TCP port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
