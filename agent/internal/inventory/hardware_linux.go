//go:build linux

package inventory

import "context"

// readHardware reads DMI under root/class/dmi/id.
func readHardware(_ context.Context, sysfsRoot string) (hardware, error) {
	var h hardware
	var err error
	h.Manufacturer, h.Model, h.Serial, h.FirmwareDate, err = ReadDMI(sysfsRoot)
	return h, err
}
