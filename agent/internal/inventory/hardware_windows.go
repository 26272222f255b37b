//go:build windows

package inventory

import "context"

// readHardware reads Win32_ComputerSystem, Win32_BIOS and Win32_OperatingSystem.
func readHardware(ctx context.Context, _ string) (hardware, error) {
	return wmiHardware(ctx, comWMI{})
}
