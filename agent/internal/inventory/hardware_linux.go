//go:build linux

package inventory

import (
	"context"
	"errors"
	"time"
)

// readHardware reads DMI under sysfs/class/dmi/id and the OS install time
// from the root file system.
func readHardware(ctx context.Context, opts Options) (hardware, error) {
	var h hardware
	var err1, err2 error
	h.Manufacturer, h.Model, h.Serial, h.FirmwareDate, err1 = ReadDMI(ctx, opts.SysfsRoot)
	h.OSInstallTime, h.OSInstallSource, err2 = LinuxInstallTime(opts.RootFS, fileBirth, time.Now())
	return h, errors.Join(err1, err2)
}
