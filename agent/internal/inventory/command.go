//go:build unix

package inventory

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"time"
)

// commandOutput is used by the macOS readers; it builds on every Unix so
// that its tests run on Linux too.

// commandWaitDelay bounds how long output is awaited after ctx ends and the
// command was killed: a child it started may hold the pipe open.
const commandWaitDelay = time.Second

// maxCommandOutput bounds what a command may print.
const maxCommandOutput = 16 << 20

// commandOutput runs path with args and returns its standard output. When
// ctx ends the process is killed and, after commandWaitDelay, its pipes are
// closed, so the call returns even if the command or a child of it hangs.
func commandOutput(ctx context.Context, path string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.WaitDelay = commandWaitDelay
	var out, stderr limitedBuffer
	out.max, stderr.max = maxCommandOutput, 4096
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		if msg := bytes.TrimSpace(stderr.Bytes()); len(msg) > 0 {
			return nil, fmt.Errorf("%s %v: %w: %s", path, args, err, msg)
		}
		return nil, fmt.Errorf("%s %v: %w", path, args, err)
	}
	if out.over {
		return nil, fmt.Errorf("%s %v: more than %d bytes of output", path, args, maxCommandOutput)
	}
	return out.Bytes(), nil
}

// limitedBuffer keeps at most max bytes and notes that more came.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
