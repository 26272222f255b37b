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
	var d DMI
	d, err1 = ReadDMI(ctx, opts.SysfsRoot)
	h.Manufacturer, h.Model, h.ModelIdentifier, h.Serial, h.FirmwareDate = d.Manufacturer, d.Model, d.ModelIdentifier, d.Serial, d.FirmwareDate
	h.OSInstallTime, h.OSInstallSource, err2 = LinuxInstallTime(opts.RootFS, fileBirth, time.Now())
	return h, errors.Join(err1, err2)
}
