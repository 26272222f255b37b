//go:build linux

package hostile

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

// runImport runs `kretslopp-collector import --format meetings-daily` on
// name and waits for it at most a minute; it returns standard error and
// the exit error.
func runImport(t *testing.T, c *testkit.RunningCollector, name string) (string, error) {
	t.Helper()
	cmd := c.Command(t, "import", "--format", "meetings-daily", name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	err := waitAtMost(t, cmd, time.Minute)
	return stderr.String(), err
}

func waitAtMost(t *testing.T, cmd *exec.Cmd, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%v still running after %s", cmd.Args, d)
		return nil
	}
}

// Attack 6: hostile files on the command line. A FIFO (which blocked for
// ever) and /dev/zero (which grew without bound) are refused before a
// byte is read, a 2 GB sparse file after its first megabyte (a record
// longer than any export has), each with an error that says what is
// wrong; a read of standard input that never ends stops at SIGINT or
// SIGTERM.
func TestImportRefusesHostileFiles(t *testing.T) {
	c := start(t, influxtest.NewDatabase(t), "")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "sparse.csv")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(2 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for name, want := range map[string]string{
		fifo:        "fifo.csv: a named pipe (FIFO), not a regular file; give a file, or - for standard input",
		"/dev/zero": "/dev/zero: a device, not a regular file",
		dir:         "a directory, not a regular file",
		sparse:      "sparse.csv:1: a record longer than 1048576 bytes (a line without end: is this a CSV export?)",
	} {
		stderr, err := runImport(t, c, name)
		must(t, err != nil && strings.Contains(stderr, want), "import %s: %v; stderr %q lacks %q", name, err, stderr, want)
	}
}

func TestImportStopsOnSignals(t *testing.T) {
	c := start(t, influxtest.NewDatabase(t), "")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := c.Command(t, "import", "--format", "meetings-daily", "-")
		var stderr bytes.Buffer
		cmd.Stdin, cmd.Stderr = r, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A header and one row, then nothing: the import waits for more.
		if _, err := w.WriteString("date,platform,meetings\n2024-01-02,teams,5\n"); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break // the import has read everything there is
			}
			if time.Now().After(deadline) {
				t.Fatal("the import did not read standard input")
			}
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		err = waitAtMost(t, cmd, 30*time.Second)
		must(t, err != nil && strings.Contains(stderr.String(), "interrupted"), "%s while reading standard input: %v, stderr %q", sig, err, stderr.String())
		w.Close()
		r.Close()
	}
}
