//go:build darwin

package inventory

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
)

// ioreg runs /usr/sbin/ioreg with plist output.
func ioreg(ctx context.Context, args ...string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, "/usr/sbin/ioreg", append([]string{"-a"}, args...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("ioreg %v: %w", args, err)
	}
	return out, nil
}

// readBatteries reads AppleSmartBattery through `ioreg -a -r -c AppleSmartBattery`.
func readBatteries(ctx context.Context, _ string) ([]Battery, error) {
	out, err := ioreg(ctx, "-r", "-c", "AppleSmartBattery")
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(out)) == 0 {
		return nil, fmt.Errorf("AppleSmartBattery: none")
	}
	return ParseAppleSmartBattery(bytes.NewReader(out))
}
