//go:build darwin

package inventory

import (
	"bytes"
	"context"
)

// readHardware reads IOPlatformExpertDevice. The firmware date is not
// available without system_profiler and stays empty.
func readHardware(ctx context.Context, _ string) (hardware, error) {
	var h hardware
	out, err := ioreg(ctx, "-r", "-d", "1", "-c", "IOPlatformExpertDevice")
	if err != nil {
		return h, err
	}
	h.Manufacturer, h.Model, h.Serial, err = ParsePlatformExpert(bytes.NewReader(out))
	return h, err
}
