//go:build darwin

package inventory

import (
	"bytes"
	"context"
	"errors"
	"time"
)

// readHardware reads IOPlatformExpertDevice and the OS install time. The
// firmware date is not available without system_profiler and stays empty.
func readHardware(ctx context.Context, opts Options) (hardware, error) {
	var h hardware
	var err1, err2 error
	out, err1 := ioreg(ctx, "-r", "-d", "1", "-c", "IOPlatformExpertDevice")
	if err1 == nil {
		h.Manufacturer, h.Model, h.Serial, err1 = ParsePlatformExpert(bytes.NewReader(out))
	}
	// A failed ioreg may pass; the install time's file times will not.
	err1 = transient(err1)
	h.OSInstallTime, h.OSInstallSource, err2 = DarwinInstallTime(opts.RootFS, fileBirth, time.Now())
	return h, errors.Join(err1, err2)
}
