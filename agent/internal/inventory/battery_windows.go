//go:build windows

package inventory

import "context"

// readBatteries reads batteries from WMI (root\WMI, joined with Win32_Battery).
func readBatteries(ctx context.Context, _ string) ([]Battery, error) {
	return wmiBatteries(ctx, comWMI{})
}
