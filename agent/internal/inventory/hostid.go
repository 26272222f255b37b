package inventory

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/shirou/gopsutil/v4/host"
)

// deviceID is the per-installation ID: /etc/machine-id on Linux (readable
// by every user, so that `collect` and the service agree; gopsutil would
// prefer the root-only DMI product_uuid), MachineGuid on Windows and
// IOPlatformUUID on macOS (both through gopsutil).
func deviceID(ctx context.Context) (string, error) {
	if runtime.GOOS == "linux" {
		for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
			f, err := os.Open(p)
			if err != nil {
				continue
			}
			id, err := parseMachineID(f)
			f.Close()
			if err == nil {
				return id, nil
			}
		}
	}
	id, err := host.HostIDWithContext(ctx)
	if err != nil {
		return "", fmt.Errorf("host id: %w", err)
	}
	return strings.ToLower(strings.TrimSpace(id)), nil
}

// parseMachineID reads a 32-hex-digit machine-id and formats it as a UUID,
// as gopsutil does.
func parseMachineID(r io.Reader) (string, error) {
	sc := bufio.NewScanner(io.LimitReader(r, 4096))
	if !sc.Scan() {
		return "", fmt.Errorf("machine-id: empty")
	}
	s := strings.ToLower(strings.TrimSpace(sc.Text()))
	if len(s) != 32 || strings.Trim(s, "0123456789abcdef") != "" {
		return "", fmt.Errorf("machine-id: not 32 hex digits")
	}
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32], nil
}
