//go:build unix

package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/agent/internal/spool"
)

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// collectorStub is a real HTTP server that decodes each OTLP report and
// tells whether it carried battery metrics.
func collectorStub(t *testing.T) (url string, reports <-chan bool) {
	t.Helper()
	ch := make(chan bool, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req colmetrics.ExportMetricsServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		battery := false
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					battery = battery || strings.HasPrefix(m.Name, "hw.battery.") || strings.HasPrefix(m.Name, "kretslopp.battery.")
				}
			}
		}
		select {
		case ch <- battery:
		default:
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

// startRun starts `kretslopp-agent run` with env added to the test's.
func startRun(t *testing.T, env ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(agentBin(t), "--config", emptyConfig(t), "run")
	cmd.Env = append(os.Environ(), env...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, stderr
}

// waitExit waits for cmd with a deadline and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.ExitCode()
		default:
			t.Fatal(err)
		}
	case <-time.After(within):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the agent did not exit within %v", within)
	}
	return -1
}

// TestFailedRunLoopExitsAndTheRestartRecovers plays the service manager
// (systemd Restart=always, launchd KeepAlive, SCM restart on failure): it
// starts the real binary and restarts it whenever it exits non-zero. The
// first start meets a spool locked by another process and must end the
// process with a non-zero status, not keep running without reporting; once
// the lock is gone, the restarted agent reports.
func TestFailedRunLoopExitsAndTheRestartRecovers(t *testing.T) {
	url, reports := collectorStub(t)
	spoolDir := t.TempDir()
	holder, err := spool.Open(spool.Options{Dir: spoolDir, MaxBytes: 1 << 20, MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("../../internal/inventory/testdata/sysfs/thinkpad-t14-energy")
	env := []string{"KRETSLOPP_COLLECTOR_URL=" + url, "KRETSLOPP_TOKEN=t", "KRETSLOPP_SPOOL_DIR=" + spoolDir,
		"KRETSLOPP_INTERVAL=1s", "KRETSLOPP_SYSFS_ROOT=" + root}

	var codes []int
	for start := 1; start <= 3; start++ {
		cmd, stderr := startRun(t, env...)
		if start == 1 {
			// The spool waits 5 s for its lock, then the run loop fails.
			code := waitExit(t, cmd, 30*time.Second)
			codes = append(codes, code)
			if code == 0 {
				t.Fatalf("a failed run loop exited 0; the service manager would not restart it\n%s", stderr)
			}
			for _, want := range []string{"agent stopped", "spool is in use"} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr)
				}
			}
			if err := holder.Close(); err != nil { // what held the spool is gone
				t.Fatal(err)
			}
			continue
		}
		select {
		case <-reports:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the restarted agent sent nothing\n%s", stderr)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		if code := waitExit(t, cmd, 10*time.Second); code != 0 {
			t.Fatalf("a stopped agent exited %d\n%s", code, stderr)
		}
		break
	}
	t.Logf("exit codes before the report: %v", codes)
}

// TestFailedRunLoopOnBadCAExitsAtOnce: a CA file that holds no certificate
// passes the start-up check (it exists) and fails when the sender is made;
// the process ends non-zero instead of waiting for a signal.
func TestFailedRunLoopOnBadCAExitsAtOnce(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, stderr := startRun(t, "KRETSLOPP_COLLECTOR_URL=https://127.0.0.1:1", "KRETSLOPP_TOKEN=t",
		"KRETSLOPP_SPOOL_DIR="+t.TempDir(), "KRETSLOPP_CA_FILE="+ca, "KRETSLOPP_INTERVAL=1s")
	if code := waitExit(t, cmd, 20*time.Second); code == 0 {
		t.Fatalf("exit 0\n%s", stderr)
	}
	if !strings.Contains(stderr.String(), "no PEM certificate") {
		t.Errorf("stderr does not name the problem:\n%s", stderr)
	}
}

// hungSysfs makes a sysfs tree whose battery's uevent is a FIFO held open
// by a writer that never writes: reading it blocks as a sysfs read stuck in
// an ACPI method would. The attribute files beside it are readable. release
// closes the writer, after which the FIFO reads empty at once.
func hungSysfs(t *testing.T) (root string, release func()) {
	t.Helper()
	root = t.TempDir()
	bat := filepath.Join(root, "class", "power_supply", "BAT0")
	if err := os.MkdirAll(bat, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"type": "Battery", "present": "1", "status": "Discharging",
		"energy_full_design": "50000000", "energy_full": "45000000", "energy_now": "22500000", "capacity": "50", "cycle_count": "100"} {
		if err := os.WriteFile(filepath.Join(bat, name), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fifo := filepath.Join(bat, "uevent")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(fifo, os.O_RDWR, 0) // O_RDWR: does not wait for a reader
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { w.Close() }) }
	t.Cleanup(release)
	return root, release
}

// TestHungBatteryReaderEndsTheCycle runs the real binary on a sysfs tree
// whose battery read hangs. Each cycle's reading ends at its deadline with
// a logged error and the report still goes out (without the battery); the
// hung reads leave no goroutine behind (counted in the goroutine dump
// SIGQUIT prints); and once the read answers again the next cycle reports
// the battery.
func TestHungBatteryReaderEndsTheCycle(t *testing.T) {
	waitReports := func(reports <-chan bool, battery bool, n int, stderr *syncBuffer) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for got := 0; got < n; {
			select {
			case b := <-reports:
				if b == battery {
					got++
				}
			case <-deadline:
				t.Fatalf("fewer than %d reports with battery=%v within 30 s\n%s", n, battery, stderr)
			}
		}
	}
	t.Run("no goroutine left behind", func(t *testing.T) {
		url, reports := collectorStub(t)
		root, _ := hungSysfs(t)
		cmd, stderr := startRun(t, "KRETSLOPP_COLLECTOR_URL="+url, "KRETSLOPP_TOKEN=t", "KRETSLOPP_SPOOL_DIR="+t.TempDir(),
			"KRETSLOPP_INTERVAL=1s", "KRETSLOPP_SYSFS_ROOT="+root, "GOTRACEBACK=all")
		waitReports(reports, false, 5, stderr)
		if n := strings.Count(stderr.String(), "reading incomplete"); n < 4 {
			t.Errorf("%d cycles logged an incomplete reading, want one per hung cycle\n%s", n, stderr)
		}
		if !strings.Contains(stderr.String(), "battery: no answer before the deadline") {
			t.Errorf("the error does not name the battery source\n%s", stderr)
		}
		cmd.Process.Signal(syscall.SIGQUIT)
		waitExit(t, cmd, 10*time.Second)
		dump := stderr.String()[strings.Index(stderr.String(), "SIGQUIT"):]
		stacks := regexp.MustCompile(`(?m)^goroutine \d+ `).Split(dump, -1)[1:]
		// A read runs in a goroutine of its own (inventory.source); count
		// those. At most the read of the cycle under way may be running; a
		// leak would leave one per hung cycle.
		reads := 0
		for _, s := range stacks {
			if strings.Contains(s, "agent/internal/inventory.(*source[...]).run.func") {
				reads++
			}
		}
		if reads > 1 || len(stacks) < 5 {
			t.Errorf("%d read goroutines after 5 hung cycles (of %d goroutines)\n%s", reads, len(stacks), dump)
		}
		t.Logf("%d goroutines after 5 hung cycles, %d of them reads", len(stacks), reads)
	})
	t.Run("the next cycle reads again", func(t *testing.T) {
		url, reports := collectorStub(t)
		root, release := hungSysfs(t)
		cmd, stderr := startRun(t, "KRETSLOPP_COLLECTOR_URL="+url, "KRETSLOPP_TOKEN=t", "KRETSLOPP_SPOOL_DIR="+t.TempDir(),
			"KRETSLOPP_INTERVAL=1s", "KRETSLOPP_SYSFS_ROOT="+root)
		waitReports(reports, false, 2, stderr)
		release()
		waitReports(reports, true, 2, stderr)
		cmd.Process.Signal(syscall.SIGTERM)
		if code := waitExit(t, cmd, 10*time.Second); code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
	})
}
