//go:build darwin

package inventory

import (
	"bytes"
	"context"
	"fmt"
)

// ioreg runs /usr/sbin/ioreg with plist output; it ends with ctx.
func ioreg(ctx context.Context, args ...string) ([]byte, error) {
	return commandOutput(ctx, "/usr/sbin/ioreg", append([]string{"-a"}, args...)...)
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
