//go:build windows

package inventory

import "context"

// readHardware reads Win32_ComputerSystem, Win32_BIOS and Win32_OperatingSystem.
func readHardware(ctx context.Context, _ Options) (hardware, error) {
	h, err := wmiHardware(ctx, comWMI{})
	if h.OSInstallTime > 0 {
		h.OSInstallSource = "WMI Win32_OperatingSystem.InstallDate"
	}
	return h, err
}
