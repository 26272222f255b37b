//go:build unix

package inventory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCommandOutputEndsWithContext runs a real executable that hangs (a
// stand-in for an ioreg that does not answer), one whose child keeps the
// output pipe open after the command itself is killed: the call returns
// shortly after the deadline with an error saying so.
func TestCommandOutputEndsWithContext(t *testing.T) {
	script := filepath.Join(t.TempDir(), "ioreg")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho partial\nsleep 5 &\nsleep 5\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	out, err := commandOutput(ctx, script, "-a", "-r", "-c", "AppleSmartBattery")
	took := time.Since(start)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || out != nil {
		t.Fatalf("got %q, %v; want a deadline error", out, err)
	}
	if took > 10*time.Second {
		t.Errorf("returned after %v; the deadline was 200 ms and the wait delay %v", took, commandWaitDelay)
	}
}

func TestCommandOutput(t *testing.T) {
	out, err := commandOutput(context.Background(), "/bin/sh", "-c", "printf '<plist/>'")
	if err != nil || string(out) != "<plist/>" {
		t.Fatalf("%q %v", out, err)
	}
	_, err = commandOutput(context.Background(), "/bin/sh", "-c", "echo no such class >&2; exit 3")
	if err == nil || !strings.Contains(err.Error(), "no such class") {
		t.Fatalf("want the command's stderr in the error, got %v", err)
	}
}
